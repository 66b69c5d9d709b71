// Production bundle size, and whether heavy modules load lazily.
// Target (issue 2): dist/extension.js ≤ 1.5 MB minified; secretlint and the AWS SDK loaded on
// first use, not when the extension activates.
//   node test/bench/bundle.mjs [--entry FILE]   (--entry analyses another entry, e.g. to check this script)
// 1. Runs `node esbuild.mjs --production` (the real build) and prints the sizes in dist/.
// 2. Bundles src/extension.ts once more with the same node options and a metafile, to see which
//    packages the bundle holds and which of them are reachable from the entry through static
//    imports only (evaluated at activation) rather than behind an `import()` (evaluated on first use).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';

const root = path.resolve(import.meta.dirname, '../..');
const LIMIT = 1.5 * 1024 * 1024;
const HEAVY = /^(secretlint|@secretlint\/.*|@aws-sdk\/.*|@smithy\/.*|@aws-crypto\/.*|aws-sdk)$/;
const kib = n => `${(n / 1024).toFixed(1)} KiB`;

console.log('production build: node esbuild.mjs --production');
const build = spawnSync(process.execPath, ['esbuild.mjs', '--production'], { cwd: root, encoding: 'utf8' });
const indent = text => (text.trim() ? `${text.trimEnd().replace(/^/gm, '  ')}\n` : '');
process.stdout.write(indent(build.stdout));
if (build.status !== 0) {
  process.stdout.write(indent(build.stderr));
  console.log(`  the build failed (exit ${build.status}); sizes below are of whatever dist/ holds`);
}

const extension = path.join(root, 'dist/extension.js');
if (!existsSync(extension)) {
  console.log('dist/extension.js is missing');
  process.exit(1);
}
const size = statSync(extension).size;
console.log('sizes:');
console.log(`  ${'dist/extension.js'.padEnd(22)} ${kib(size).padStart(10)}  (gzip ${kib(gzipSync(readFileSync(extension)).length)})  target ≤ ${kib(LIMIT)}: ${size <= LIMIT ? 'met' : 'NOT met'}`);
for (const other of ['dist/cli.js', 'dist/extension.js.map']) {
  if (existsSync(path.join(root, other))) console.log(`  ${other.padEnd(22)} ${kib(statSync(path.join(root, other)).size).padStart(10)}`);
}

const esbuild = await import('esbuild');
const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const entryIndex = process.argv.indexOf('--entry');
const entryFile = entryIndex > 0 ? path.resolve(process.argv[entryIndex + 1]) : path.join(root, 'src/extension.ts');
const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: { extension: entryFile },
  nodePaths: [path.join(root, 'node_modules')],
  bundle: true,
  minify: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['vscode', '@napi-rs/keyring'],
  mainFields: ['module', 'main'],
  define: { STAGECRAFT_VERSION: JSON.stringify(version) },
  write: false,
  outdir: 'bench-out',
  metafile: true,
  logLevel: 'silent',
});
const js = result.outputFiles.find(f => f.path.endsWith('extension.js'));
const output = Object.values(result.metafile.outputs).find(o => o.entryPoint);
const label = entryIndex > 0 ? path.relative(root, entryFile) : 'dist/extension.js';
if (entryIndex < 0 && Math.abs(js.contents.length - size) > size * 0.01) {
  console.log(`  note: the analysis bundle is ${kib(js.contents.length)}, not ${kib(size)}: esbuild.mjs options have drifted from this script`);
}

function packageOf(input) {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  return m ? m[1] : input.startsWith('src/') ? `src/${input.split('/')[1]}` : input;
}

// Bytes per package in the output.
const bytes = new Map();
for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
  const pkg = packageOf(input);
  bytes.set(pkg, (bytes.get(pkg) ?? 0) + bytesInOutput);
}
console.log(`largest parts of ${label} (${kib(js.contents.length)} minified):`);
for (const [pkg, n] of [...bytes].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`  ${pkg.padEnd(40)} ${kib(n).padStart(10)}`);

// Inputs evaluated at activation: reachable from the entry without crossing an import(). A require()
// inside a function counts as eager here: conservative, it can only over-report.
const inputs = result.metafile.inputs;
const entry = Object.keys(inputs).find(i => path.resolve(root, i) === entryFile);
const eager = new Set([entry]);
const queue = [entry];
while (queue.length) {
  for (const imp of inputs[queue.pop()]?.imports ?? []) {
    if (imp.external || imp.kind === 'dynamic-import' || eager.has(imp.path)) continue;
    eager.add(imp.path);
    queue.push(imp.path);
  }
}
const heavy = [...bytes.keys()].filter(p => HEAVY.test(p));
console.log('secretlint and AWS SDK code in the bundle:');
if (heavy.length === 0) console.log('  none (not bundled at all)');
let eagerHeavy = 0;
for (const pkg of heavy.sort()) {
  const isEager = [...eager].some(i => packageOf(i) === pkg);
  if (isEager) eagerHeavy++;
  console.log(`  ${pkg.padEnd(40)} ${kib(bytes.get(pkg)).padStart(10)}  ${isEager ? 'EAGER: evaluated at activation' : 'lazy: behind import(), evaluated on first use'}`);
}
const textHits = ['@secretlint/', '@aws-sdk/'].map(s => `${s} ×${js.text.split(s).length - 1}`).join(', ');
console.log(`  strings in the minified output: ${textHits}`);
console.log(`lazy loading target: ${eagerHeavy === 0 ? 'met' : `NOT met (${eagerHeavy} heavy package(s) evaluated at activation)`}`);
const bundled = Object.keys(output.inputs);
console.log(`evaluated at activation: ${bundled.filter(i => eager.has(i)).length} of ${bundled.length} bundled modules`);
