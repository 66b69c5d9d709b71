import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/**
 * Secret-looking test values are assembled at run time from parts, so that this repository's
 * own files never hold a string a scanner would flag (see test/fixtures/secrets/README.md).
 */
export const JOIN_MARKER = '<< >>';

export function joined(text: string): string {
  return text.split(JOIN_MARKER).join('');
}

/** Obviously fake values of the shapes the rules look for. */
export const FAKE = {
  awsKeyId: () => ['AK', 'IA', 'QZT4FAKEKEY7X2LM'].join(''),
  awsSecret: () => ['wJalr', 'FAKEFAKE/K7MDENG/bPxRfiCYfakeSECRET'].join(''),
  githubToken: () => ['gh', 'p_', 'FAKEfake0123456789abcdefghijklmnopqr'].join(''),
  dbPassword: () => ['Fk', '9xQ2mVw7Lp'].join(''),
};

export function awsCredentialsFile(): string {
  return `[default]\naws_access_key_id = ${FAKE.awsKeyId()}\naws_secret_access_key = ${FAKE.awsSecret()}\n`;
}

/** The repository root, whether the tests run from test/ (tsx) or from out/test/ (compiled). */
export function repoRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'stagecraft') return dir;
    if (path.dirname(dir) === dir) throw new Error(`No stagecraft package.json above ${__dirname}`);
  }
}

const made: string[] = [];

export function tempDir(prefix = 'stagecraft-scan-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Runs git in `cwd` with a fixed identity and no user or system config. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: gitEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function gitEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 'Test',
    GIT_AUTHOR_EMAIL: 'test@example.invalid',
    GIT_COMMITTER_NAME: 'Test',
    GIT_COMMITTER_EMAIL: 'test@example.invalid',
    ...extra,
  };
}

export function initRepo(prefix?: string): string {
  const dir = tempDir(prefix);
  git(dir, 'init', '-q', '-b', 'main');
  return dir;
}

/**
 * Bundles the CLI from the current sources into `outDir/cli.js`, as esbuild.mjs does for
 * dist/: the hook tests run the very bundle shape users get (secretlint's ESM packages inside a
 * CommonJS bundle) without depending on a build having been run before the tests.
 */
export async function buildCliBundle(outDir: string): Promise<string> {
  const esbuild = await import('esbuild');
  const outfile = path.join(outDir, 'cli.js');
  await esbuild.build({
    entryPoints: [path.join(repoRoot(), 'src/cli/index.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    mainFields: ['module', 'main'],
    // As in esbuild.mjs: the keyring's native module is required at first use, never bundled.
    external: ['vscode', '@napi-rs/keyring'],
    outfile,
    logLevel: 'error',
    define: { STAGECRAFT_VERSION: JSON.stringify('test') },
  });
  return outfile;
}
