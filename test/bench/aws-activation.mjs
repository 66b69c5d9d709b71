// Does activating the extension evaluate AWS SDK code? And how big are the bundles?
//   node test/bench/aws-activation.mjs          (builds with `node esbuild.mjs --production` first)
// Target: dist/extension.js ≤ 1.5 MB; the AWS SDK lives in dist/aws-sdk.js and is not loaded by
// activation, nor by the first second after it (the AWS status bar waits 1.5 s, and only shows
// for workspaces with AWS stages).
// How: dist/extension.js is required in this Node process with `vscode` replaced by a stand-in
// whose every property is a callable no-op, activate() is called, and every module Node loads is
// recorded; dist/aws-sdk.js among them means the SDK was evaluated.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const LIMIT = 1.5 * 1024 * 1024;
const mb = n => `${(n / 1024 / 1024).toFixed(2)} MB`;

if (!process.argv.includes('--no-build')) {
  const build = spawnSync(process.execPath, ['esbuild.mjs', '--production'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) {
    console.log(`build failed:\n${build.stderr}`);
    process.exit(1);
  }
}
for (const f of ['dist/extension.js', 'dist/cli.js', 'dist/aws-sdk.js']) {
  const file = path.join(root, f);
  if (!existsSync(file)) {
    console.log(`${f} is missing`);
    process.exit(1);
  }
  const size = statSync(file).size;
  console.log(`${f.padEnd(20)} ${mb(size).padStart(9)}${f === 'dist/extension.js' ? `  target ≤ ${mb(LIMIT)}: ${size <= LIMIT ? 'met' : 'NOT met'}` : ''}`);
}

/** A stand-in for the `vscode` module: any property, call or construction gives another stand-in. */
function standIn(name = 'vscode') {
  const fn = function () {};
  return new Proxy(fn, {
    get(_t, prop) {
      if (prop === 'then') return undefined; // not a promise
      if (prop === Symbol.toPrimitive) return () => name;
      if (prop === 'event' || prop.toString().startsWith('onDid') || prop.toString().startsWith('onWill')) return () => ({ dispose() {} });
      return standIn(`${name}.${String(prop)}`);
    },
    set: () => true,
    apply: () => standIn(`${name}()`),
    construct: () => standIn(`new ${name}`),
  });
}

/** The `vscode` module as an object whose names are those @types/vscode declares, each a stand-in. */
const vscodeNames = [...readFileSync(path.join(root, 'node_modules/@types/vscode/index.d.ts'), 'utf8').matchAll(/^\s+export (?:class|enum|namespace|function|const|let) (\w+)/gm)].map(m => m[1]);
const vscode = Object.fromEntries(vscodeNames.map(n => [n, standIn(`vscode.${n}`)]));

const loaded = [];
const originalLoad = Module._load;
Module._load = function (request, parent, isMain) {
  if (request === 'vscode') return vscode;
  const resolved = (() => {
    try {
      return Module._resolveFilename(request, parent, isMain);
    } catch {
      return request;
    }
  })();
  loaded.push(resolved);
  return originalLoad.apply(this, arguments);
};

const require = createRequire(import.meta.url);
const started = process.hrtime.bigint();
const extension = require(path.join(root, 'dist/extension.js'));
const context = { subscriptions: [], workspaceState: { get: () => undefined, update: async () => undefined }, globalState: { get: () => undefined, update: async () => undefined }, extensionUri: standIn(), extensionPath: root, asAbsolutePath: p => path.join(root, p) };
try {
  extension.activate(context);
} catch (err) {
  console.log(`activate() threw with the stand-in vscode (the check still holds for what loaded before): ${err.message}`);
}
const activationMs = Number(process.hrtime.bigint() - started) / 1e6;
await new Promise(r => setTimeout(r, 1000));
Module._load = originalLoad;

const sdk = loaded.filter(p => /aws-sdk\.js$|[\\/]@aws-sdk[\\/]|[\\/]@smithy[\\/]/.test(p));
console.log(`require + activate: ${activationMs.toFixed(0)} ms; modules Node loaded in the first second: ${loaded.length}`);
console.log(`AWS SDK evaluated at activation: ${sdk.length === 0 ? 'no (target met)' : `YES (target NOT met): ${sdk.slice(0, 5).join(', ')}`}`);
for (const d of context.subscriptions) d?.dispose?.();
process.exit(0);
