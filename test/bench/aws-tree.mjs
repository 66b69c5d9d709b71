// Tree refresh of AWS stages against moto: 50 stacks × 4 stages (200 CloudFormation stacks built
// from templates/stage.yaml, each with an ECS service).
// Target (issue 4): a full refresh ≤ 1.5 s — calls parallel, paginated, briefly cached.
//   node test/bench/aws-tree.mjs [--stacks 50] [--stages 4] [--rounds 5]
// Needs python3 with moto (pip install "moto[server]"). Loads the sources through tsx.
// Figures: setup time (not part of the target); cold refreshes (nothing cached: the provider's
// first look, or after Refresh), as the tree asks (one status() per stage, batched by the provider);
// a warm refresh inside the cache window; the API calls one cold refresh makes.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer, Socket } from 'node:net';
import * as path from 'node:path';

const require = createRequire(import.meta.url);
const root = path.resolve(import.meta.dirname, '../..');
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** The TypeScript sources through tsx (out/ may be older than them; its start-up is not measured). */
function load(rel) {
  require('tsx/cjs/api').register();
  return require(path.join(root, `${rel}.ts`));
}
const option = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const STACKS = option('stacks', 50);
const STAGES = option('stages', 4);
const ROUNDS = option('rounds', 5);
const TARGET_MS = 1500;

const { AwsProvider } = load('src/aws/provider');
const { AwsClients } = load('src/aws/clients');
const { renderStage, toParameterList, toTagList } = load('src/aws/stageTemplate');
const { templateBody } = load('src/aws/templates');
const { mapLimit } = load('src/aws/wait');
const { parseStackFile } = load('src/core/config/load');
const { CreateStackCommand } = require(path.join(root, 'node_modules/@aws-sdk/client-cloudformation'));
const { CreateClusterCommand } = require(path.join(root, 'node_modules/@aws-sdk/client-ecs'));

// ---------------------------------------------------------------- moto
if (spawnSync('python3', ['-c', 'import moto.server']).status !== 0) {
  console.log('moto is not installed for python3: pip install "moto[server]"');
  process.exit(1);
}
const port = await new Promise(resolve => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
const moto = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
const stopMoto = () => moto.exitCode === null && moto.kill('SIGTERM');
process.on('exit', stopMoto);
const up = () => new Promise(r => new Socket().once('connect', function () { this.destroy(); r(true); }).once('error', () => r(false)).connect(port, '127.0.0.1'));
for (let i = 0; !(await up()); i++) {
  if (i > 200) throw new Error('moto did not start');
  await new Promise(r => setTimeout(r, 100));
}
const endpoint = `http://127.0.0.1:${port}`;
const defaults = () => ({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });

// ---------------------------------------------------------------- 200 stage stacks
const stacks = [];
for (let i = 0; i < STACKS; i++) {
  const lines = [`stack: svc${String(i).padStart(2, '0')}`, 'stages:'];
  for (let j = 0; j < STAGES; j++) lines.push(`  - name: st${j}`, '    provider: aws', '    loadBalancer: true', ...(j === STAGES - 1 ? ['    protected: false'] : []));
  const parsed = parseStackFile(lines.join('\n') + '\n', `/bench/svc${i}/stagecraft.yaml`);
  if (!parsed.stack) throw new Error(parsed.problems.map(p => p.message).join('; '));
  stacks.push(parsed.stack);
}
const setupClients = new AwsClients(defaults());
const cf = await setupClients.cloudFormation();
const image = `123456789012.dkr.ecr.us-east-1.amazonaws.com/svc@sha256:${'b'.repeat(64)}`;
const work = stacks.flatMap(stack => stack.stages.map(stage => ({ stack, stage })));
let started = Date.now();
// Each stack's shared ECS cluster, as the provider creates it before a first deploy.
const ecs = await setupClients.ecs();
await mapLimit(stacks, 6, stack => ecs.send(new CreateClusterCommand({ clusterName: stack.name })));
await mapLimit(work, 6, async ({ stack, stage }) => {
  const r = renderStage({ stack, stage, imageUri: image, commit: 'abcdef1234567' });
  try {
    await cf.send(new CreateStackCommand({ StackName: r.stackName, TemplateBody: templateBody(r.template), Parameters: toParameterList(r.parameters), Tags: toTagList(r.tags), Capabilities: ['CAPABILITY_IAM'] }));
  } catch (err) {
    // moto, busy, can fail a create it then completes; the SDK's retry then finds the stack there.
    if (err.name !== 'AlreadyExistsException') throw err;
  }
});
console.log(`setup: ${work.length} stage stacks (${STACKS} stacks × ${STAGES} stages) created in moto in ${((Date.now() - started) / 1000).toFixed(1)} s`);

// ---------------------------------------------------------------- refreshes
/** Counts API calls by operation, through the SDK's own middleware stack. */
function countCalls(provider) {
  const counts = new Map();
  const clients = provider.pool.get({});
  const attach = async getter => {
    const client = await getter.call(clients);
    client.middlewareStack.add((next, context) => args => {
      counts.set(context.commandName, (counts.get(context.commandName) ?? 0) + 1);
      return next(args);
    }, { step: 'initialize', name: 'benchCount' });
  };
  return { counts, ready: Promise.all([attach(clients.cloudFormation), attach(clients.ecs)]) };
}

/** What the tree does: one status() per stage, all at once. */
async function treeRefresh(provider) {
  const t = process.hrtime.bigint();
  const results = await Promise.all(work.map(({ stack, stage }) => provider.status(stack, stage).then(s => s, e => e)));
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  const errors = results.filter(r => r instanceof Error);
  if (errors.length) throw new Error(`${errors.length} stage(s) failed: ${errors[0].message}`);
  const kinds = new Map();
  for (const r of results) kinds.set(r.kind, (kinds.get(r.kind) ?? 0) + 1);
  return { ms, kinds };
}

const cold = [];
let callsOfOne;
let kindsSeen;
for (let round = 0; round < ROUNDS; round++) {
  // A fresh provider each round: nothing cached, new connections, as a first refresh after start.
  const provider = new AwsProvider({ clientDefaults: defaults, statusTtlMs: 5000 });
  const counter = countCalls(provider);
  await counter.ready;
  const { ms, kinds } = await treeRefresh(provider);
  cold.push(ms);
  callsOfOne ??= counter.counts;
  kindsSeen = kinds;
  if (round === ROUNDS - 1) {
    const warm = await treeRefresh(provider);
    provider.invalidate();
    const afterRefresh = await treeRefresh(provider);
    console.log(`warm refresh (inside the 5 s cache window): ${warm.ms.toFixed(1)} ms`);
    console.log(`cold refresh on a running provider (Refresh command: cache dropped, connections kept): ${afterRefresh.ms.toFixed(0)} ms`);
  }
  await provider.dispose();
}
cold.sort((a, b) => a - b);
const median = cold[Math.floor(cold.length / 2)];
console.log(`cold refreshes of ${work.length} stages (fresh provider each): ${cold.map(ms => ms.toFixed(0)).join(', ')} ms; median ${median.toFixed(0)} ms, worst ${cold.at(-1).toFixed(0)} ms`);
console.log(`API calls of one cold refresh: ${[...callsOfOne].map(([k, v]) => `${k.replace('Command', '')} ×${v}`).join(', ')}`);
console.log(`statuses: ${[...kindsSeen].map(([k, v]) => `${k} ×${v}`).join(', ')} (moto's ECS starts no tasks: a 0/1 rollout reads as deploying)`);
console.log(`target ≤ ${TARGET_MS} ms (worst cold refresh): ${cold.at(-1) <= TARGET_MS ? 'met' : 'NOT met'}`);
await setupClients.destroy();
stopMoto();
process.exit(0);
