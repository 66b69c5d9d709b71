import * as path from 'node:path';
import { updateStackFile } from '../../core/config/update';
import { StagecraftError } from '../../core/errors';
import type { EnvValue, Stack, Stage } from '../../core/model';
import { envNameProblem, secretValueProblem } from '../../core/inputRules';
import type { StackSchema } from '../../core/config/schema';
import { findStage } from '../../core/release';
import { dirOption, parseCommandArgs } from '../args';
import { requireStack, type CliCommand, type CliContext } from '../context';
import { noWaitOption, underStageLock } from '../stageLock';

/** `env` and `origins`: edit stagecraft.yaml (comments kept), then apply to the running stage. */

const envUsage = 'stagecraft env list|set|unset STAGE [NAME] [VALUE] [--secret] [--no-apply] [--no-wait] [--dir DIR]';
const originsUsage = 'stagecraft origins list|add|remove STAGE [ORIGIN] [--no-apply] [--no-wait] [--dir DIR]';

function sub(ctx: CliContext, usage: string, extra: Record<string, { type: 'boolean' }> = {}) {
  const { values, positionals } = parseCommandArgs(ctx.args, { ...dirOption, ...noWaitOption, 'no-apply': { type: 'boolean' }, ...extra }, usage);
  const [action, stageName, ...rest] = positionals;
  if (!action || !stageName) throw new StagecraftError(`Expected an action and a stage.\nUsage: ${usage}`, { kind: 'usage' });
  return { values, action, stageName, rest, root: path.resolve(ctx.cwd, (values as { dir?: string }).dir ?? '.') };
}

/** Applies the saved change to the running stage; the caller holds the stage's lock (unless `skip`). */
async function apply(ctx: CliContext, stack: Stack, stageName: string, change: { env?: boolean; origins?: boolean }, flags: { skip?: boolean }): Promise<void> {
  if (flags.skip) {
    ctx.out(`Saved; ${stageName} picks it up at its next deploy.`);
    return;
  }
  // The file as it is now: edits others saved while this one waited for the lock apply too.
  const current = await requireStack(stack.root, ctx.providers);
  const stage = findStage(current, stageName);
  const provider = await ctx.providers.get(stage.provider, `Apply to ${stage.name}`);
  await provider.applyConfiguration(current, stage, { env: change.env ? stage.env : undefined, origins: change.origins ? stage.origins : undefined }, { signal: ctx.signal, log: ctx.out });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** After `env unset NAME`: the secret NAME referred to is deleted when no variable of the stage refers to it any more. */
async function deleteOrphanSecret(ctx: CliContext, stack: Stack, before: Stage, name: string): Promise<void> {
  const removed = before.env[name];
  if (removed === undefined || typeof removed === 'string') return;
  const after = stack.stages.find(s => s.name === before.name);
  if (after && Object.values(after.env).some(v => typeof v !== 'string' && v.secret === removed.secret)) return;
  const provider = await ctx.providers.get(before.provider, `Delete secret ${removed.secret} of ${before.name}`);
  if (!provider.deleteSecret) return;
  await provider.deleteSecret(stack, before, removed.secret, { signal: ctx.signal, log: ctx.out });
  ctx.out(`Deleted the secret ${removed.secret} of ${before.name}: nothing refers to it any more.`);
}

/**
 * The reference goes into stagecraft.yaml first, then the value into the secret store; when
 * storing fails, the file gets back what it had, so neither is ever left without the other.
 */
async function setSecretReference(stack: Stack, stage: Stage, name: string, schema: StackSchema, store: () => Promise<void>): Promise<void> {
  let before: EnvValue | undefined;
  await updateStackFile(stack.file, e => {
    before = e.envValue(stage.name, name);
    e.setEnv(stage.name, name, { secret: name });
  }, schema);
  try {
    await store();
  } catch (err) {
    await updateStackFile(stack.file, e => (before === undefined ? e.unsetEnv(stage.name, name) : e.setEnv(stage.name, name, before)), schema).catch(() => undefined);
    throw err;
  }
}

export const envCommand: CliCommand = {
  path: ['env'],
  usage: envUsage,
  summary: "List or change a stage's environment variables (secrets via --secret, read from stdin)",
  async run(ctx) {
    const { values, action, stageName, rest, root } = sub(ctx, envUsage, { secret: { type: 'boolean' } });
    let stack = await requireStack(root, ctx.providers);
    const stage: Stage = findStage(stack, stageName);
    if (action === 'list') {
      const names = Object.keys(stage.env).sort();
      if (names.length === 0) ctx.out(`${stage.name} sets no environment variables.`);
      for (const name of names) {
        const v = stage.env[name];
        ctx.out(`${name}=${typeof v === 'string' ? v : `<secret ${v.secret}>`}`);
      }
      return 0;
    }
    const [name, value] = rest;
    if (!name) throw new StagecraftError(`Expected a variable name.\nUsage: ${envUsage}`, { kind: 'usage' });
    const flags = { skip: (values as { 'no-apply'?: boolean })['no-apply'], noWait: (values as { 'no-wait'?: boolean })['no-wait'] };
    const secretFlag = (values as { secret?: boolean }).secret;
    if (action !== 'set' && action !== 'unset') throw new StagecraftError(`Unknown action "${action}".\nUsage: ${envUsage}`, { kind: 'usage' });
    if (action === 'set' && !secretFlag && value === undefined) throw new StagecraftError(`Expected a value.\nUsage: ${envUsage}`, { kind: 'usage' });
    if (action === 'set' && secretFlag && value !== undefined) {
      throw new StagecraftError('With --secret the value is read from standard input, never from the command line (it would land in shell history).', { kind: 'usage' });
    }
    const secret = action === 'set' && secretFlag ? await readStdin() : undefined;
    if (secret === '') throw new StagecraftError('No secret value on standard input.', { kind: 'usage' });
    if (secret !== undefined) {
      // Checked before anything is stored; the message names the variable, never the value.
      const bad = envNameProblem(name) ?? secretValueProblem(name, secret);
      if (bad) throw new StagecraftError(`${stack.file}: ${bad}`, { kind: 'input' });
    }
    const change = async (): Promise<void> => {
      if (secret !== undefined) {
        const provider = await ctx.providers.get(stage.provider, `Store secret for ${stage.name}`);
        await setSecretReference(stack, stage, name, ctx.providers.stackSchema(), () => provider.storeSecret(stack, stage, name, secret, { signal: ctx.signal }));
        ctx.out(`Stored ${name} as a secret of ${stage.name}; stagecraft.yaml refers to it as { secret: ${name} }.`);
      } else if (action === 'set') {
        stack = await updateStackFile(stack.file, e => e.setEnv(stage.name, name, value), ctx.providers.stackSchema());
        ctx.out(`Set ${name} on ${stage.name}.`);
      } else {
        let removed = false;
        stack = await updateStackFile(stack.file, e => (removed = e.unsetEnv(stage.name, name)), ctx.providers.stackSchema());
        if (!removed) {
          ctx.out(`${stage.name} does not set ${name}; nothing changed.`);
          return;
        }
        ctx.out(`Removed ${name} from ${stage.name}.`);
        await deleteOrphanSecret(ctx, stack, stage, name);
      }
      await apply(ctx, stack, stage.name, { env: true }, flags);
    };
    // A secret (reference and value together) or a change to apply: under the stage's lock, so
    // --no-wait refuses before anything is written and no deploy sees half of it.
    if (secret === undefined && flags.skip) await change();
    else await underStageLock(ctx, root, stage.name, `changing the environment of ${stage.name}`, flags.noWait, change);
    return 0;
  },
};

export const originsCommand: CliCommand = {
  path: ['origins'],
  usage: originsUsage,
  summary: 'List or change the CORS origins a stage allows (localhost only when none)',
  async run(ctx) {
    const { values, action, stageName, rest, root } = sub(ctx, originsUsage);
    let stack = await requireStack(root, ctx.providers);
    const stage = findStage(stack, stageName);
    if (action === 'list') {
      if (stage.origins.length === 0) ctx.out(`${stage.name} allows only localhost origins (the default).`);
      for (const o of stage.origins) ctx.out(o);
      return 0;
    }
    const origin = rest[0];
    if (!origin) throw new StagecraftError(`Expected an origin such as https://app.example.com.\nUsage: ${originsUsage}`, { kind: 'usage' });
    if (action !== 'add' && action !== 'remove') throw new StagecraftError(`Unknown action "${action}".\nUsage: ${originsUsage}`, { kind: 'usage' });
    const flags = { skip: (values as { 'no-apply'?: boolean })['no-apply'], noWait: (values as { 'no-wait'?: boolean })['no-wait'] };
    const change = async (): Promise<void> => {
      let changed = false;
      if (action === 'add') stack = await updateStackFile(stack.file, e => (changed = e.addOrigin(stage.name, origin)), ctx.providers.stackSchema());
      else stack = await updateStackFile(stack.file, e => (changed = e.removeOrigin(stage.name, origin)), ctx.providers.stackSchema());
      if (!changed) {
        ctx.out(`Nothing changed: ${stage.name} ${action === 'add' ? 'already allows' : 'does not list'} ${origin}.`);
        return;
      }
      ctx.out(`${action === 'add' ? 'Allowed' : 'Removed'} ${origin} on ${stage.name}.`);
      await apply(ctx, stack, stage.name, { origins: true }, flags);
    };
    if (flags.skip) await change();
    else await underStageLock(ctx, root, stage.name, `changing the origins of ${stage.name}`, flags.noWait, change);
    return 0;
  },
};
