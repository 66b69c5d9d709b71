// `npm run demo` (builds first): Stagecraft releases the sample service through its stages on this
// machine, with no cloud account: a scratch git repository, the artifact built once, checks, each
// stage started blue/green behind its own proxy, a PostgreSQL per stage that asks for one, and an
// approval before prod given from a second process. Each step prints what it did and throws when
// something is wrong, which stops the demo with exit code 1.
//
//   node scripts/demo.mjs           run it, then destroy the stages and delete the scratch folder
//   node scripts/demo.mjs --keep    leave the stages running and the folder in place to look around
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
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

/** Runs the CLI, echoing each output line as it comes; `onLine` sees every line. */
function stagecraftStreaming(ctx, args, onLine) {
  console.log(`  $ stagecraft ${args.join(' ')}`);
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [cliPath, ...args], { cwd: ctx.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let partial = '';
    const take = chunk => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop();
      for (const line of lines) {
        console.log(`    ${line}`);
        onLine?.(line);
      }
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', fail);
    child.on('close', code => {
      if (partial) take('\n');
      code === 0 ? done() : fail(new Error(`stagecraft ${args.join(' ')} exited with ${code}`));
    });
  });
}

async function getJson(url, headers = {}) {
  const response = await fetch(url, { headers });
  return { status: response.status, headers: response.headers, body: await response.json().catch(() => undefined) };
}

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
  {
    title: 'Commit the new stage: the pipeline releases commits, not the working tree',
    async run(ctx) {
      await git(ctx, ['commit', '--quiet', '-am', 'Add a staging stage']);
      ctx.commit = (await git(ctx, ['rev-parse', 'HEAD'])).trim();
      console.log(`  commit ${ctx.commit.slice(0, 8)}`);
    },
  },
  {
    title: 'Run the pipeline: build once, check, promote dev → test → staging, stop for approval before prod',
    async run(ctx) {
      ctx.started = true;
      let approving;
      await stagecraftStreaming(ctx, ['pipeline', 'run'], line => {
        // A person approves from a second terminal (or VS Code): here, a second process.
        if (!approving && /prod waits for approval/.test(line)) {
          approving = stagecraft(ctx, ['approve', 'prod', '--comment', 'demo: checked staging']);
        }
      });
      if (!approving) throw new Error('the run never stopped for approval before prod');
      await approving;
    },
  },
  {
    title: 'Ask every stage over HTTP which commit it serves',
    async run(ctx) {
      const status = JSON.parse(await stagecraft(ctx, ['status', '--json'], { quiet: true }));
      for (const stage of status.stages) {
        if (!stage.url) throw new Error(`stage ${stage.name} has no URL (status ${stage.status})`);
        const info = await getJson(`${stage.url}/info`);
        console.log(`  ${stage.name.padEnd(8)} ${stage.url}  commit ${String(info.body?.commitHash).slice(0, 8)}  greeting "${info.body?.greeting}"`);
        if (info.body?.commitHash !== ctx.commit) throw new Error(`${stage.name} serves ${info.body?.commitHash}, expected ${ctx.commit}`);
      }
      ctx.urls = Object.fromEntries(status.stages.map(s => [s.name, s.url]));
    },
  },
  {
    title: "Use dev's own PostgreSQL through the app, and check the proxy's CORS rule on test",
    async run(ctx) {
      const post = await fetch(`${ctx.urls.dev}/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'from the demo' }) });
      const items = await getJson(`${ctx.urls.dev}/items`);
      console.log(`  POST /items → ${post.status}; GET /items → ${items.status}, ${JSON.stringify(items.body).slice(0, 120)}`);
      if (post.status >= 300 || items.status !== 200) throw new Error('dev could not write and read its database');
      const allowed = await getJson(`${ctx.urls.test}/info`, { origin: 'http://localhost:5173' });
      const denied = await getJson(`${ctx.urls.test}/info`, { origin: 'https://evil.example' });
      console.log(`  Origin http://localhost:5173 → Access-Control-Allow-Origin: ${allowed.headers.get('access-control-allow-origin')}`);
      console.log(`  Origin https://evil.example  → Access-Control-Allow-Origin: ${denied.headers.get('access-control-allow-origin') ?? '(none)'}`);
      if (allowed.headers.get('access-control-allow-origin') !== 'http://localhost:5173' || denied.headers.get('access-control-allow-origin')) {
        throw new Error('the proxy did not enforce the stage origins');
      }
    },
  },
];

/** Stops what the demo started, unless --keep asked to leave it running. */
async function cleanUp(ctx) {
  if (!ctx.started) return;
  if (keep) {
    console.log(`Stages left running. Stop them with: cd ${ctx.dir} && node ${cliPath} destroy STAGE --force`);
    return;
  }
  for (const stage of ['dev', 'test', 'staging', 'prod']) {
    await run(process.execPath, [cliPath, 'destroy', stage, '--force'], { cwd: ctx.dir });
  }
}

async function main() {
  if (!existsSync(cliPath)) {
    console.error(`${relative(root, cliPath)} is missing: run \`npm run build\` first (npm run demo does).`);
    return 1;
  }
  const ctx = { dir: mkdtempSync(join(tmpdir(), 'stagecraft-demo-')) };
  // mkdtemp makes the folder private; as root, the stages' PostgreSQL runs as user postgres and must enter it.
  chmodSync(ctx.dir, 0o755);
  console.log('Stagecraft demo: releasing examples/sample-service through local stages\n');
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
    console.log(`All ${steps.length} steps passed: one artifact, built once, serves dev, test, staging and prod.`);
    if (keep) console.log(`Scratch folder kept: ${ctx.dir}`);
    return 0;
  } finally {
    await cleanUp(ctx);
    if (!keep) rmSync(ctx.dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
