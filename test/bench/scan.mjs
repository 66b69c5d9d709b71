// Secret scanning speed (issue 6), side by side with the secretlint CLI on the same files.
//   node test/bench/scan.mjs [--files 1000] [--runs 5]
// Figures and targets:
//   1. scan on save of a 1 MB file, in process as the editor does it (warm):  ≤ 100 ms
//   2. `stagecraft scan --staged` of 1,000 files, a whole process as the hook runs it:  ≤ 3 s
//   3. Stagecraft vs `secretlint` (node_modules/.bin) on the same files, whole processes:  ≤ 1.0 × the CLI
// Needs dist/cli.js (`npm run build`). The in-process figure uses out/ when it is fresh
// (`npm run compile`), else bundles src/core/scan with esbuild as dist/ is built.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const root = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(root, 'dist/cli.js');
const SECRETLINT = path.join(root, 'node_modules/.bin/secretlint');

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const FILES = option('files', 1000);
const RUNS = option('runs', 5);

const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = xs => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.95) - 1)];
const ms = n => `${n.toFixed(1)} ms`;

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return t;
}

async function loadScanner(scratch) {
  const compiled = path.join(root, 'out/src/core/scan/index.js');
  if (existsSync(compiled) && statSync(compiled).mtimeMs >= newest(path.join(root, 'src/core/scan'))) {
    return { scanner: require(compiled), from: 'out/src/core/scan (tsc)' };
  }
  const esbuild = await import('esbuild');
  const outfile = path.join(scratch, 'scan.cjs');
  await esbuild.build({ entryPoints: [path.join(root, 'src/core/scan/index.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', mainFields: ['module', 'main'], outfile, logLevel: 'warning' });
  return { scanner: require(outfile), from: 'src/core/scan bundled by esbuild (as in dist/)' };
}

/** Deterministic pseudo-random source text of about `bytes` bytes: code, config, URLs, hashes; no secrets. */
function sourceText(bytes, seed) {
  let x = seed;
  const rnd = () => ((x = (x * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const word = () => ['order', 'customer', 'price', 'region', 'retry', 'token', 'cache', 'user', 'stage', 'item'][Math.floor(rnd() * 10)];
  const lines = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const kind = i % 9;
    const line =
      kind === 0 ? `// ${word()} handling for ${word()}s: keeps the ${word()} in sync with the ${word()} service`
      : kind === 1 ? `export async function ${word()}${i}(id: string, opts = { retries: ${i % 5}, timeoutMs: ${i * 7 % 3000} }) {`
      : kind === 2 ? `  const url = \`https://api.example.org/v2/${word()}s/\${id}?expand=${word()}&page=${i % 40}\`;`
      : kind === 3 ? `  const digest = '${Math.floor(rnd() * 1e16).toString(16).padStart(14, '0')}${Math.floor(rnd() * 1e16).toString(16).padStart(14, '0')}';`
      : kind === 4 ? `  const db = process.env.DATABASE_URL ?? 'postgres://${word()}@localhost:5432/${word()}';`
      : kind === 5 ? `  if (password.length < ${8 + (i % 8)}) throw new Error('${word()} rejected: password too short');`
      : kind === 6 ? `  logger.info({ ${word()}: id, ${word()}Count: ${i} }, '${word()} updated');`
      : kind === 7 ? `  return fetch(url, { headers: { authorization: \`Bearer \${await ${word()}Token()}\` } });`
      : '}';
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join('\n') + '\n';
}

/** A repository of `count` source files, all staged; three of them hold (fake) secrets. */
function makeRepo(dir, count) {
  const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: dir, env });
  for (let i = 0; i < count; i++) {
    const sub = path.join(dir, 'src', `mod${i % 25}`);
    mkdirSync(sub, { recursive: true });
    const ext = ['ts', 'ts', 'ts', 'json', 'yaml', 'md'][i % 6];
    let text = ext === 'ts' ? sourceText(2500 + (i % 7) * 700, i + 1) : ext === 'json' ? JSON.stringify({ name: `pkg-${i}`, version: '1.0.0', dependencies: { a: '^1', b: '^2' }, notes: sourceText(800, i) }, null, 2) : ext === 'yaml' ? `name: svc-${i}\nreplicas: ${i % 5}\nenv:\n  LOG_LEVEL: info\n  REGION: eu-west-1\n` : `# Module ${i}\n\n${sourceText(1500, i)}`;
    if (i === 17) text += `\nconst leaked = '${['AK', 'IA', 'QZT4FAKEKEY7X2LM'].join('')}';\n`;
    if (i === 480) text += `\nconst db = 'postgres://app:${['Fk', '9xQ2mVw7Lp'].join('')}@db.internal:5432/shop';\n`;
    if (i === 911) text += `\nconst gh = '${['gh', 'p_', 'FAKEfake0123456789abcdefghijklmnopqr'].join('')}';\n`;
    writeFileSync(path.join(sub, `file${i}.${ext}`), text);
  }
  // The secretlint CLI needs a config; this one is its recommended preset, the core of Stagecraft's
  // default. Stagecraft honours it too, so both run the same rules (AWS key ids alone are then not
  // reported: the preset leaves them off unless asked; 2 of the 3 planted secrets are found).
  writeFileSync(path.join(dir, '.secretlintrc.json'), JSON.stringify({ rules: [{ id: '@secretlint/secretlint-rule-preset-recommend' }] }));
  execFileSync('git', ['add', '-A'], { cwd: dir, env });
}

function timeProcess(command, args, cwd, runs) {
  const times = [];
  let last;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    last = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    times.push(performance.now() - t);
  }
  return { median: median(times), min: Math.min(...times), status: last.status, stdout: last.stdout, stderr: last.stderr };
}

if (!existsSync(CLI)) {
  console.log('dist/cli.js is missing: run `npm run build` first.');
  process.exit(1);
}
const scratch = mkdtempSync(path.join(os.tmpdir(), 'stagecraft-bench-scan-'));
try {
  console.log(`machine: ${os.cpus().length} cores, load ${os.loadavg().map(n => n.toFixed(2)).join(' ')}, node ${process.version}`);

  // 1. Scan on save, in process.
  const { scanner, from } = await loadScanner(scratch);
  const big = sourceText(1024 * 1024, 42);
  const saveRoot = path.join(scratch, 'save');
  mkdirSync(saveRoot);
  writeFileSync(path.join(saveRoot, 'big.ts'), big);
  let t = performance.now();
  await scanner.scanText(saveRoot, 'big.ts', big);
  const cold = performance.now() - t;
  const warm = [];
  for (let i = 0; i < 30; i++) {
    t = performance.now();
    const findings = await scanner.scanText(saveRoot, 'big.ts', big);
    warm.push(performance.now() - t);
    if (findings.length !== 0) throw new Error('the generated file should hold no secrets');
  }
  console.log(`\n1. scan on save of a ${(big.length / 1024 / 1024).toFixed(2)} MB file (${from})`);
  console.log(`   first scan (loads secretlint): ${ms(cold)}`);
  console.log(`   warm: median ${ms(median(warm))}, p95 ${ms(p95(warm))}   target ≤ 100 ms: ${p95(warm) <= 100 ? 'met' : 'NOT met'}`);
  const bigCli = timeProcess(process.execPath, [CLI, 'scan', 'big.ts'], saveRoot, RUNS);
  writeFileSync(path.join(saveRoot, '.secretlintrc.json'), JSON.stringify({ rules: [{ id: '@secretlint/secretlint-rule-preset-recommend' }] }));
  const bigSecretlint = timeProcess(SECRETLINT, ['big.ts'], saveRoot, RUNS);
  console.log(`   whole process on the same file: stagecraft scan ${ms(bigCli.median)}, secretlint ${ms(bigSecretlint.median)} (ratio ${(bigCli.median / bigSecretlint.median).toFixed(2)})`);

  // 2. and 3. A thousand staged files.
  const repo = path.join(scratch, 'repo');
  mkdirSync(repo);
  makeRepo(repo, FILES);
  const staged = timeProcess(process.execPath, [CLI, 'scan', '--staged'], repo, RUNS);
  const tree = timeProcess(process.execPath, [CLI, 'scan', 'src'], repo, RUNS);
  const secretlint = timeProcess(SECRETLINT, ['src/**/*'], repo, RUNS);
  const count = out => (out.match(/^\S+:\d+:\d+ {2}\S+/gm) ?? []).length;
  console.log(`\n2. ${FILES} staged files, median of ${RUNS} runs (whole processes, as the hook runs them)`);
  console.log(`   stagecraft scan --staged:  ${ms(staged.median)} (exit ${staged.status}, ${count(staged.stdout)} findings)   target ≤ 3 s: ${staged.median <= 3000 ? 'met' : 'NOT met'}`);
  console.log(`\n3. side by side on the same ${FILES} files, both configured by the same .secretlintrc.json (the recommended preset)`);
  console.log(`   stagecraft scan src (work tree): ${ms(tree.median)} (exit ${tree.status}, ${count(tree.stdout)} findings)`);
  console.log(`   secretlint "src/**/*":          ${ms(secretlint.median)} (exit ${secretlint.status})`);
  const worst = Math.max(staged.median, tree.median);
  console.log(`   ratio stagecraft / secretlint: --staged ${(staged.median / secretlint.median).toFixed(2)}, work tree ${(tree.median / secretlint.median).toFixed(2)}   target ≤ 1.0: ${worst <= secretlint.median ? 'met' : 'NOT met'}`);
  console.log('   (both load the same secretlint rules; secretlint 11 also records a performance mark per rule per file, which Stagecraft turns off)');
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
