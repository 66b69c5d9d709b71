// Bundles the extension host code, the CLI and each webview entry.
// `node esbuild.mjs` builds for development; `--production` minifies; `--watch` rebuilds on change.
import * as esbuild from 'esbuild';
import { readdirSync, existsSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const { version } = JSON.parse(readFileSync('package.json', 'utf8'));

const common = {
  bundle: true,
  minify: production,
  sourcemap: true,
  sourcesContent: !production,
  logLevel: 'warning',
  define: { STAGECRAFT_VERSION: JSON.stringify(version) },
};

/** Node side: extension host and CLI share the core; vscode stays external. */
const node = {
  ...common,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // @napi-rs/keyring loads a native .node file for the platform: it is required from node_modules at
  // first use (a secret read), never bundled; without it secrets fall back to 0600 files.
  external: ['vscode', '@napi-rs/keyring'],
  // Heavy modules stay lazily loaded: each dynamic import() becomes its own chunk-free require at first use.
  mainFields: ['module', 'main'],
};

/**
 * The AWS SDK is a bundle of its own, dist/aws-sdk.js (entry src/aws/sdk.ts), so dist/extension.js
 * stays small and activation never evaluates it: our sources' imports of an SDK package become a
 * property read of that bundle, at the moment the import runs.
 */
const awsSdkEntry = readFileSync('src/aws/sdk.ts', 'utf8');
const awsSdkApart = {
  name: 'aws-sdk-apart',
  setup(build) {
    build.onResolve({ filter: /^@(aws-sdk|smithy)\// }, args => {
      if (args.importer.includes(`${sep}node_modules${sep}`)) return undefined;
      if (!awsSdkEntry.includes(`'${args.path}'`)) return { errors: [{ text: `${args.path} is not in src/aws/sdk.ts: add it there so it goes into dist/aws-sdk.js` }] };
      return { path: args.path, namespace: 'aws-sdk-apart' };
    });
    build.onLoad({ filter: /.*/, namespace: 'aws-sdk-apart' }, args => ({
      contents: `module.exports = require('./aws-sdk.js').packages[${JSON.stringify(args.path)}];`,
      loader: 'js',
    }));
  },
};
const withAwsSdkApart = { plugins: [awsSdkApart], external: [...node.external, './aws-sdk.js'] };

const builds = [
  { ...node, ...withAwsSdkApart, entryPoints: { extension: 'src/extension.ts' }, outdir: 'dist' },
  { ...node, ...withAwsSdkApart, entryPoints: { cli: 'src/cli/index.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } },
  { ...node, entryPoints: { 'aws-sdk': 'src/aws/sdk.ts' }, outdir: 'dist' },
  // The detached per-stage runtime (proxy + app processes) that local stages run in.
  { ...node, entryPoints: { 'stage-daemon': 'src/local/runtime/daemonMain.ts' }, outdir: 'dist' },
  // Runs first inside each app version's network namespace: loopback up, the proxy's Unix socket, the database forward.
  { ...node, entryPoints: { 'netns-bridge': 'src/local/runtime/netnsBridge.ts' }, outdir: 'dist' },
];

// One browser bundle per webview entry: webview/<panel>/main.ts → dist/webview/<panel>.js
if (existsSync('webview')) {
  for (const dir of readdirSync('webview', { withFileTypes: true })) {
    const entry = join('webview', dir.name, 'main.ts');
    if (dir.isDirectory() && existsSync(entry)) {
      // Pages are always minified: each must stay under 300 KB even in development builds.
      builds.push({ ...common, minify: true, platform: 'browser', format: 'iife', target: 'es2022', entryPoints: { [dir.name]: entry }, outdir: 'dist/webview' });
    }
  }
}

if (watch) {
  const contexts = await Promise.all(builds.map(b => esbuild.context(b)));
  await Promise.all(contexts.map(c => c.watch()));
  console.log('esbuild: watching');
} else {
  const started = Date.now();
  await Promise.all(builds.map(b => esbuild.build(b)));
  console.log(`esbuild: ${builds.length} bundle(s) in ${Date.now() - started} ms${production ? ' (production)' : ''}`);
}
