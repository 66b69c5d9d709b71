import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { StackFileEditor } from '../../core/config/edit';
import { envOf, parseDockerfile } from '../../core/dockerfile';
import { StagecraftError } from '../../core/errors';
import { envNameProblem, envValueProblem, secretNameProblem, secretValueProblem } from '../../core/inputRules';
import { redactor } from '../../core/redact';
import type { EnvValue, Stack, Stage } from '../../core/model';
import type { ProviderLookup } from '../../core/providerModule';
import { secretLikeReason } from '../../core/secretLike';
import { FormError, type RequestHandlers } from '../channel';
import type { EnvRowCheck, EnvRowDraft, FieldProblems } from '../messages';
import { fingerprint } from './fingerprint';
import { stageOf, type StackFilePort } from './stackFile';

/** The stage's variables as table rows, in the file's order. */
export function envRows(stage: Pick<Stage, 'env'>): EnvRowDraft[] {
  return Object.entries(stage.env).map(([name, value]) => ({
    name,
    value: typeof value === 'string' ? { kind: 'text', text: value } : { kind: 'secret', secret: value.secret },
  }));
}

export function envRevision(stage: Pick<Stage, 'env'>): string {
  return fingerprint(Object.entries(stage.env));
}

/**
 * Checks each row: its name by the core rule (and that it is listed once), a secret reference's
 * name, whether a plain value looks like a secret, and which Dockerfile `ENV` it overrides.
 */
export function checkEnvRows(rows: EnvRowDraft[], dockerfileEnv: ReadonlyMap<string, { value: string }>): { rows: EnvRowCheck[]; problems: FieldProblems } {
  const problems: FieldProblems = {};
  const seen = new Map<string, number>();
  const checks = rows.map((row, i): EnvRowCheck => {
    const check: EnvRowCheck = {};
    const first = seen.get(row.name);
    const nameProblem =
      envNameProblem(row.name) ??
      (first !== undefined ? `"${row.name}" is already set in row ${first + 1}` : undefined);
    if (first === undefined) seen.set(row.name, i);
    if (nameProblem) {
      check.nameProblem = nameProblem;
      problems[`rows.${i}.name`] = nameProblem;
    }
    if (row.value.kind === 'secret') {
      const secretBad = secretNameProblem(row.value.secret);
      if (secretBad) problems[`rows.${i}.value`] = secretBad;
    } else {
      const valueBad = envValueProblem(row.name, row.value.text);
      if (valueBad) problems[`rows.${i}.value`] = valueBad;
      const why = secretLikeReason(row.name, row.value.text);
      if (why) check.secretLike = why;
    }
    const base = dockerfileEnv.get(row.name);
    if (base) check.overrides = base.value;
    return check;
  });
  return { rows: checks, problems };
}

/**
 * Rewrites the stage's `env:` in the stack file's text to hold exactly `rows`: removed names are
 * unset, new and changed ones set; everything else in the file stays as written.
 */
export function applyEnvRows(text: string, file: string, stage: string, current: Record<string, EnvValue>, rows: EnvRowDraft[]): { text: string; changed: number } {
  const editor = new StackFileEditor(text, file);
  const wanted = new Map(rows.map(r => [r.name, toEnvValue(r)] as const));
  let changed = 0;
  for (const name of Object.keys(current)) {
    if (!wanted.has(name) && editor.unsetEnv(stage, name)) changed++;
  }
  for (const [name, value] of wanted) {
    const before = Object.prototype.hasOwnProperty.call(current, name) ? current[name] : undefined;
    if (before !== undefined && sameValue(before, value)) continue;
    editor.setEnv(stage, name, value);
    changed++;
  }
  return { text: changed > 0 ? editor.toString() : text, changed };
}

export function toEnvValue(row: EnvRowDraft): EnvValue {
  return row.value.kind === 'secret' ? { secret: row.value.secret } : row.value.text;
}

/** The variables as a provider takes them (own properties only, whatever the names). */
export function envRecord(rows: EnvRowDraft[]): Record<string, EnvValue> {
  return Object.fromEntries(rows.map(r => [r.name, toEnvValue(r)]));
}

function sameValue(a: EnvValue, b: EnvValue): boolean {
  return typeof a === 'string' || typeof b === 'string' ? a === b : a.secret === b.secret;
}

/** The Environment Variables panel's host side for `stage`: checks as you type, and Save. */
export function environmentHandlers(
  port: StackFilePort,
  stage: string,
  dockerfileEnv: (stack: Stack) => Promise<ReadonlyMap<string, { value: string }>>,
  providers: ProviderLookup,
): Pick<RequestHandlers, 'environment.check' | 'environment.save' | 'environment.keepSecret'> {
  return {
    'environment.keepSecret': async ({ name, value }) => {
      const problem = envNameProblem(name) ?? secretValueProblem(name, value);
      if (problem) throw new FormError(`Not kept as a secret: ${problem}.`, {});
      const current = await stageOf(port, stage);
      // The provider holds the value; only the reference `{ secret: NAME }` is ever written to the file.
      const provider = await providers.get(current.stage.provider, `Keep ${name} as a secret of ${stage}`);
      redactor.add(value);
      await provider.storeSecret(current.stack, current.stage, name, value);
      return { secret: name };
    },
    'environment.check': async ({ rows }) => checkEnvRows(rows, await dockerfileEnv((await stageOf(port, stage)).stack)),
    'environment.save': async ({ rows }) => {
      const { stack } = await stageOf(port, stage);
      const { problems } = checkEnvRows(rows, await dockerfileEnv(stack));
      const first = Object.values(problems)[0];
      if (first) throw new FormError(`Not saved: ${first}.`, problems);
      let changed = 0;
      await port.edit(`Saving the environment of "${stage}"`, (text, fresh) => {
        const current = fresh.stages.find(s => s.name === stage);
        if (!current) throw new StagecraftError(`Stack "${fresh.name}" has no stage "${stage}" any more.`, { kind: 'input' });
        const result = applyEnvRows(text, fresh.file, stage, current.env, rows);
        changed = result.changed;
        return result.text;
      });
      return { changed, revision: envRevision((await stageOf(port, stage)).stage) };
    },
  };
}

/** The Dockerfile's `ENV` (name → value, line); empty when the stack has no readable Dockerfile. */
export async function readDockerfileEnv(stack: Stack): Promise<Map<string, { value: string; line: number }>> {
  try {
    const text = await fs.readFile(path.resolve(stack.root, stack.service.dockerfile), 'utf8');
    return envOf(parseDockerfile(text));
  } catch {
    return new Map();
  }
}
