// `npm run demo` (builds first): Stagecraft on the sample service, in a scratch git repository.
// The demo is a list of steps; each prints what it did and throws when something is wrong, which
// stops the demo with exit code 1. Releasing through the stages becomes one more step once the
// local pipeline exists.
//
//   node scripts/demo.mjs           run it, then delete the scratch folder
//   node scripts/demo.mjs --keep    keep the scratch folder to look around in it
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const cliPath = join(root, 'dist', 'cli.js');
const sampleService = join(root, 'examples', 'sample-service');
const keep = process.argv.includes('--keep');

/** Runs a command, collecting its output; resolves with the exit code (never rejects on a non-zero exit). */
function run(command, args, { cwd }) {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', d => (stdout += d));
    child.stderr.on('data', d => (stderr += d));
    child.on('error', fail);
    child.on('close', code => done({ code: code ?? 1, stdout, stderr }));
  });
}

const indent = text => text.trimEnd().split('\n').map(line => `    ${line}`).join('\n');

/** `stagecraft ARGS` in the scratch repository, echoed with its output; throws when it fails. */
async function stagecraft(ctx, args, { quiet = false } = {}) {
  console.log(`  $ stagecraft ${args.join(' ')}`);
  const result = await run(process.execPath, [cliPath, ...args], { cwd: ctx.dir });
  if (!quiet && result.stdout.trim()) console.log(indent(result.stdout));
  if (result.stderr.trim()) console.log(indent(result.stderr));
  if (result.code !== 0) throw new Error(`stagecraft ${args.join(' ')} exited with ${result.code}`);
  return result.stdout;
}

async function git(ctx, args) {
  const result = await run('git', ['-c', 'user.name=Stagecraft Demo', '-c', 'user.email=demo@stagecraft.invalid', ...args], { cwd: ctx.dir });
  if (result.code !== 0) throw new Error(`git ${args.join(' ')} exited with ${result.code}: ${result.stderr.trim()}`);
  return result.stdout;
}

const steps = [
  {
    title: 'Copy the sample service into a scratch folder',
    async run(ctx) {
      // Only what is versioned matters; a local node_modules or .stagecraft state would be noise.
      const skipped = new Set(['node_modules', '.stagecraft']);
      cpSync(sampleService, ctx.dir, { recursive: true, filter: src => !relative(sampleService, src).split(sep).some(part => skipped.has(part)) });
      console.log(`  ${relative(root, sampleService)} → ${ctx.dir}`);
    },
  },
  {
    title: 'Make it a git repository on branch main with one commit',
    async run(ctx) {
      await git(ctx, ['init', '--quiet', '--initial-branch=main']);
      await git(ctx, ['add', '.']);
      await git(ctx, ['commit', '--quiet', '-m', 'Sample service']);
      ctx.commit = (await git(ctx, ['rev-parse', 'HEAD'])).trim();
      console.log(`  commit ${ctx.commit.slice(0, 8)} on main`);
    },
  },
  {
    title: 'Validate stagecraft.yaml (schema, names, origins; errors would name line and column)',
    run: ctx => stagecraft(ctx, ['validate']),
  },
  {
    title: 'Show the stack: its stages in promotion order and where this branch deploys',
    run: ctx => stagecraft(ctx, ['status']),
  },
  {
    title: 'Add a staging stage after test (the file is edited in place; comments survive)',
    async run(ctx) {
      await stagecraft(ctx, ['stage', 'add', 'staging', '--after', 'test']);
      const diff = await git(ctx, ['diff', '--unified=0', '--', 'stagecraft.yaml']);
      const changed = diff.split('\n').filter(line => /^[+-](?![+-])/.test(line));
      console.log('  Lines changed in stagecraft.yaml:');
      console.log(indent(changed.join('\n')));
      if (!changed.some(line => /^\+.*name: staging/.test(line))) throw new Error('stagecraft.yaml does not name the new stage');
      if (changed.some(line => line.startsWith('-'))) throw new Error('adding a stage removed or rewrote existing lines');
    },
  },
  {
    title: 'Read the stack back as JSON (what scripts and CI consume)',
    async run(ctx) {
      const status = JSON.parse(await stagecraft(ctx, ['status', '--json'], { quiet: true }));
      const traits = s => [s.provider, s.database === 'postgres' && 'postgres', s.requireApproval && 'approval', s.protected && 'protected'].filter(Boolean).join(', ');
      console.log(`  stack ${status.stack}; branch ${status.branch} deploys to ${status.branchStage}`);
      console.log(`  ${status.stages.map(s => `${s.name} (${traits(s)})`).join(' → ')}`);
      console.log(`  status: ${[...new Set(status.stages.map(s => s.status))].join(', ')}`);
      const order = status.stages.map(s => s.name).join(',');
      if (order !== 'dev,test,staging,prod') throw new Error(`expected stages dev,test,staging,prod, got ${order}`);
    },
  },
];

async function main() {
  if (!existsSync(cliPath)) {
    console.error(`${relative(root, cliPath)} is missing: run \`npm run build\` first (npm run demo does).`);
    return 1;
  }
  const ctx = { dir: mkdtempSync(join(tmpdir(), 'stagecraft-demo-')) };
  console.log('Stagecraft demo: the CLI on examples/sample-service\n');
  try {
    for (const [i, step] of steps.entries()) {
      console.log(`[${i + 1}/${steps.length}] ${step.title}`);
      const started = performance.now();
      try {
        await step.run(ctx);
      } catch (err) {
        console.error(`  ✗ failed: ${err.message}`);
        console.error(`\nThe demo stopped at step ${i + 1}.${keep ? ` Scratch folder kept: ${ctx.dir}` : ' Run with --keep to inspect the scratch folder.'}`);
        return 1;
      }
      console.log(`  ✓ ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    }
    console.log(`All ${steps.length} steps passed.`);
    console.log('Next: releasing the service through dev → test → prod on this machine (build once, promote, approve)');
    console.log('arrives with the local pipeline; it will be one more step of this demo.');
    if (keep) console.log(`Scratch folder kept: ${ctx.dir}`);
    return 0;
  } finally {
    if (!keep) rmSync(ctx.dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
