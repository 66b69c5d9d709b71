import { constants as fsConstants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { StagecraftError } from '../core/errors';
import { gitText } from './plumbing';
import { repositoryRoot } from './staged';

/**
 * The pre-commit hook that runs `stagecraft scan --staged`.
 *
 * Where it goes: the hooks folder git uses (`core.hooksPath` when set, else .git/hooks); with
 * husky, a block in `.husky/pre-commit`, the file husky runs. An existing pre-commit hook is
 * never overwritten: it is renamed to `pre-commit.stagecraft-chained` and run first, and
 * uninstall renames it back, so it returns byte for byte.
 *
 * How it finds the CLI when VS Code is not running: install records an absolute node (or VS
 * Code's own binary, run as node) and `dist/cli.js` in `<git dir>/stagecraft/hook.env`, outside
 * the work tree, so the hook text itself holds no machine paths and husky users may commit it.
 * When that is gone (the extension was updated, node was removed), the hook falls back to node on
 * PATH, then `node_modules/.bin/stagecraft`, `stagecraft` on PATH and `npx --no-install
 * stagecraft` (never a download), and otherwise blocks the commit with a message saying how to
 * reinstall it. Bypassing is always possible and always said: `git commit --no-verify`.
 */

/** Where the hook finds the CLI: recorded at install time. */
export interface CliLocation {
  /** Absolute path of node, or of VS Code's binary when `electron` is set. */
  node: string;
  /** Absolute path of the bundled CLI (dist/cli.js). */
  cli: string;
  /** Run `node` with ELECTRON_RUN_AS_NODE=1 (VS Code's own binary as a plain node). */
  electron: boolean;
}

export type HookMode = 'git' | 'husky';

export interface HookInstallResult {
  /** The file git (or husky) runs. */
  file: string;
  mode: HookMode;
  /** The user's own hook, kept and run first (git mode). */
  chained?: string;
  /** True when a Stagecraft hook was already there and was refreshed. */
  updated: boolean;
  /** Something the user should know (husky not active yet, …). */
  warning?: string;
}

export interface HookUninstallResult {
  removed: boolean;
  file: string;
  /** The user's hook that was put back. */
  restored?: string;
}

export interface HookStatus {
  installed: boolean;
  file: string;
  mode: HookMode;
  runner?: CliLocation;
}

const MARKER = '# stagecraft-hook: v1';
const BLOCK_START = '# >>> stagecraft secret scan >>>';
const BLOCK_END = '# <<< stagecraft secret scan <<<';
const CHAINED_SUFFIX = '.stagecraft-chained';

/** The CLI this process is running from (for `stagecraft hook install`). */
export async function currentCliLocation(): Promise<CliLocation> {
  const script = process.argv[1] ? await fs.realpath(process.argv[1]).catch(() => path.resolve(process.argv[1])) : '';
  return { node: process.execPath, cli: script, electron: Boolean(process.versions.electron) };
}

interface Layout {
  top: string;
  /** Folder for Stagecraft's machine-local hook files (`<git common dir>/stagecraft`). */
  stateDir: string;
  mode: HookMode;
  /** The pre-commit file Stagecraft writes or edits. */
  file: string;
  warning?: string;
}

async function layout(dir: string, signal?: AbortSignal): Promise<Layout> {
  const top = await repositoryRoot(dir, signal);
  if (!top) throw new StagecraftError(`${dir} is not inside a git repository, so there is no commit to protect.`, { kind: 'input', hint: 'Run `git init` first, or open the repository folder.' });
  const [hooksRaw, commonRaw] = (await gitText(top, ['rev-parse', '--git-path', 'hooks', '--git-common-dir'], signal)).trim().split('\n');
  const hooksDir = path.resolve(top, hooksRaw);
  const stateDir = path.join(path.resolve(top, commonRaw), 'stagecraft');
  const husky = path.join(top, '.husky');
  const hooksPathSet = (await gitText(top, ['config', '--get', 'core.hooksPath'], signal).catch(() => '')).trim() !== '';
  if (hooksDir === husky || hooksDir === path.join(husky, '_')) {
    return { top, stateDir, mode: 'husky', file: path.join(husky, 'pre-commit') };
  }
  if (!hooksPathSet && (await isDirectory(husky))) {
    return {
      top,
      stateDir,
      mode: 'husky',
      file: path.join(husky, 'pre-commit'),
      warning: 'husky is set up in .husky/ but not active in this clone (core.hooksPath is not set): run `npx husky` (or `npm install`) so git runs .husky/pre-commit.',
    };
  }
  return { top, stateDir, mode: 'git', file: path.join(hooksDir, 'pre-commit') };
}

export async function installPrecommitHook(dir: string, runner: CliLocation, signal?: AbortSignal): Promise<HookInstallResult> {
  if (!path.isAbsolute(runner.node) || !path.isAbsolute(runner.cli)) throw new StagecraftError('The hook needs absolute paths of node and of the Stagecraft CLI.', { kind: 'usage' });
  const where = await layout(dir, signal);
  await fs.mkdir(where.stateDir, { recursive: true });
  await fs.writeFile(path.join(where.stateDir, 'hook.env'), runnerFile(runner), { mode: 0o600 });
  const result = where.mode === 'husky' ? await installHusky(where) : await installGit(where);
  return { ...result, warning: where.warning };
}

async function installGit(where: Layout): Promise<Omit<HookInstallResult, 'warning'>> {
  const chained = where.file + CHAINED_SUFFIX;
  const existing = await readIfExists(where.file);
  await fs.mkdir(path.dirname(where.file), { recursive: true });
  if (existing !== undefined && isOurs(existing)) {
    await writeExecutable(where.file, gitHookScript());
    return { file: where.file, mode: 'git', updated: true, chained: (await exists(chained)) ? chained : undefined };
  }
  if (existing !== undefined || (await isSymlink(where.file))) {
    if (await exists(chained)) {
      throw new StagecraftError(`${chained} already exists, left by an earlier install; Stagecraft will not overwrite it.`, {
        kind: 'input',
        hint: `Move it back to ${path.basename(where.file)} (or delete it) and install again.`,
      });
    }
    await fs.rename(where.file, chained);
  }
  await writeExecutable(where.file, gitHookScript());
  return { file: where.file, mode: 'git', updated: false, chained: existing !== undefined ? chained : undefined };
}

async function installHusky(where: Layout): Promise<Omit<HookInstallResult, 'warning'>> {
  const existing = await readIfExists(where.file);
  const backup = path.join(where.stateDir, 'husky-pre-commit.orig');
  if (existing !== undefined && existing.includes(BLOCK_START)) {
    const refreshed = replaceBlock(existing, huskyBlock());
    if (refreshed !== existing) await fs.writeFile(where.file, refreshed);
    return { file: where.file, mode: 'husky', updated: true };
  }
  // Keep the exact original so uninstall can put it back byte for byte.
  if (existing === undefined) await fs.writeFile(backup + '.absent', '');
  else await fs.writeFile(backup, existing);
  if (existing === undefined) {
    await fs.mkdir(path.dirname(where.file), { recursive: true });
    await writeExecutable(where.file, huskyBlock());
  } else {
    // Appending keeps the file's own mode; husky runs it with sh either way.
    const separator = existing === '' || existing.endsWith('\n') ? '' : '\n';
    await fs.writeFile(where.file, existing + separator + huskyBlock());
  }
  return { file: where.file, mode: 'husky', updated: false };
}

export async function uninstallPrecommitHook(dir: string, signal?: AbortSignal): Promise<HookUninstallResult> {
  const where = await layout(dir, signal);
  const result = where.mode === 'husky' ? await uninstallHusky(where) : await uninstallGit(where);
  if (result.removed) {
    await fs.rm(path.join(where.stateDir, 'hook.env'), { force: true });
    await fs.rmdir(where.stateDir).catch(() => undefined);
  }
  return result;
}

async function uninstallGit(where: Layout): Promise<HookUninstallResult> {
  const existing = await readIfExists(where.file);
  if (existing === undefined || !isOurs(existing)) return { removed: false, file: where.file };
  const chained = where.file + CHAINED_SUFFIX;
  if ((await exists(chained)) || (await isSymlink(chained))) {
    await fs.rename(chained, where.file);
    return { removed: true, file: where.file, restored: where.file };
  }
  await fs.rm(where.file);
  return { removed: true, file: where.file };
}

async function uninstallHusky(where: Layout): Promise<HookUninstallResult> {
  const existing = await readIfExists(where.file);
  if (existing === undefined || !existing.includes(BLOCK_START)) return { removed: false, file: where.file };
  const backup = path.join(where.stateDir, 'husky-pre-commit.orig');
  const original = await readIfExists(backup);
  const wasAbsent = await exists(backup + '.absent');
  const withoutBlock = replaceBlock(existing, '');
  if (wasAbsent && withoutBlock.trim() === '') {
    await fs.rm(where.file);
  } else if (original !== undefined && stripTrailingSeparator(withoutBlock, original) === original) {
    // Unchanged since install apart from our block: the exact original bytes go back.
    await fs.writeFile(where.file, original);
  } else {
    await fs.writeFile(where.file, withoutBlock);
  }
  await fs.rm(backup, { force: true });
  await fs.rm(backup + '.absent', { force: true });
  return { removed: true, file: where.file, restored: wasAbsent ? undefined : where.file };
}

export async function precommitHookStatus(dir: string, signal?: AbortSignal): Promise<HookStatus> {
  const where = await layout(dir, signal);
  const text = await readIfExists(where.file);
  const installed = text !== undefined && (where.mode === 'husky' ? text.includes(BLOCK_START) : isOurs(text));
  const runner = installed ? parseRunnerFile(await readIfExists(path.join(where.stateDir, 'hook.env'))) : undefined;
  return { installed, file: where.file, mode: where.mode, runner };
}

/**
 * Points an installed hook at `runner` when the recorded CLI is gone or different (VS Code
 * installs each extension version in a new folder). Returns true when it rewrote the record.
 */
export async function refreshHookRunner(dir: string, runner: CliLocation, signal?: AbortSignal): Promise<boolean> {
  const status = await precommitHookStatus(dir, signal);
  if (!status.installed) return false;
  const same = status.runner && status.runner.cli === runner.cli && status.runner.node === runner.node && status.runner.electron === runner.electron;
  if (same || !(await exists(runner.cli))) return false;
  const where = await layout(dir, signal);
  await fs.mkdir(where.stateDir, { recursive: true });
  await fs.writeFile(path.join(where.stateDir, 'hook.env'), runnerFile(runner), { mode: 0o600 });
  return true;
}

function isOurs(text: string): boolean {
  return text.includes(MARKER);
}

function replaceBlock(text: string, replacement: string): string {
  const start = text.indexOf(BLOCK_START);
  const endAt = text.indexOf(BLOCK_END, start);
  if (start < 0 || endAt < 0) return text;
  let end = endAt + BLOCK_END.length;
  if (text[end] === '\n') end++;
  return text.slice(0, start) + replacement + text.slice(end);
}

/** Install added one newline when the original did not end with one; take it off again. */
function stripTrailingSeparator(withoutBlock: string, original: string): string {
  return withoutBlock === original + '\n' && !original.endsWith('\n') ? original : withoutBlock;
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function runnerFile(r: CliLocation): string {
  return [
    '# Written by `stagecraft hook install`: where the pre-commit hook finds the Stagecraft CLI on this machine.',
    `STAGECRAFT_NODE=${shellQuote(r.node)}`,
    `STAGECRAFT_CLI=${shellQuote(r.cli)}`,
    `STAGECRAFT_ELECTRON=${r.electron ? '1' : '0'}`,
    '',
  ].join('\n');
}

function parseRunnerFile(text: string | undefined): CliLocation | undefined {
  if (!text) return undefined;
  const get = (key: string) => {
    const m = new RegExp(`^${key}='((?:[^']|'\\\\'')*)'`, 'm').exec(text) ?? new RegExp(`^${key}=(\\S*)`, 'm').exec(text);
    return m ? m[1].replace(/'\\''/g, "'") : undefined;
  };
  const node = get('STAGECRAFT_NODE');
  const cli = get('STAGECRAFT_CLI');
  return node && cli ? { node, cli, electron: get('STAGECRAFT_ELECTRON') === '1' } : undefined;
}

/** The scan itself, identical in a plain hook and in .husky/pre-commit; safe under `sh -e`. */
function huskyBlock(): string {
  return `${BLOCK_START}
# Added by \`stagecraft hook install\`; \`stagecraft hook uninstall\` removes this block.
# Blocks the commit when a staged file holds a secret. To commit anyway, knowingly: git commit --no-verify
STAGECRAFT_NODE=; STAGECRAFT_CLI=; STAGECRAFT_ELECTRON=
stagecraft_env="$(git rev-parse --git-common-dir)/stagecraft/hook.env"
if [ -f "$stagecraft_env" ]; then . "$stagecraft_env"; fi
stagecraft_status=0
if [ -n "$STAGECRAFT_CLI" ] && [ -f "$STAGECRAFT_CLI" ] && [ -x "$STAGECRAFT_NODE" ]; then
  if [ "$STAGECRAFT_ELECTRON" = 1 ]; then
    ELECTRON_RUN_AS_NODE=1 "$STAGECRAFT_NODE" "$STAGECRAFT_CLI" scan --staged || stagecraft_status=$?
  else
    "$STAGECRAFT_NODE" "$STAGECRAFT_CLI" scan --staged || stagecraft_status=$?
  fi
elif [ -n "$STAGECRAFT_CLI" ] && [ -f "$STAGECRAFT_CLI" ] && command -v node >/dev/null 2>&1; then
  node "$STAGECRAFT_CLI" scan --staged || stagecraft_status=$?
elif [ -x ./node_modules/.bin/stagecraft ]; then
  ./node_modules/.bin/stagecraft scan --staged || stagecraft_status=$?
elif command -v stagecraft >/dev/null 2>&1; then
  stagecraft scan --staged || stagecraft_status=$?
elif command -v npx >/dev/null 2>&1 && npx --no-install stagecraft --version >/dev/null 2>&1; then
  npx --no-install stagecraft scan --staged || stagecraft_status=$?
else
  echo "stagecraft: the pre-commit secret scan cannot find the Stagecraft CLI\${STAGECRAFT_CLI:+ (it was recorded at $STAGECRAFT_CLI)}." >&2
  echo "stagecraft: reinstall the hook: \\"Stagecraft: Install Pre-commit Hook\\" in VS Code, or \\\`stagecraft hook install\\\`." >&2
  stagecraft_status=3
fi
if [ "$stagecraft_status" -ne 0 ]; then
  if [ "$stagecraft_status" -eq 1 ]; then
    echo "stagecraft: commit blocked: the staged changes listed above hold secrets." >&2
    echo "stagecraft: move each value out (a stage secret, an environment variable), or mark a false alarm with a 'secretlint-disable-line' comment." >&2
  fi
  echo "stagecraft: to commit anyway, knowingly: git commit --no-verify" >&2
  exit "$stagecraft_status"
fi
${BLOCK_END}
`;
}

function gitHookScript(): string {
  return `#!/bin/sh
# Stagecraft pre-commit hook: scans the staged changes for secrets before each commit.
${MARKER}
# Installed by \`stagecraft hook install\` or "Stagecraft: Install Pre-commit Hook";
# \`stagecraft hook uninstall\` removes it and puts back the hook it chained, if any.

stagecraft_chained="$(dirname -- "$0")/pre-commit${CHAINED_SUFFIX}"
if [ -x "$stagecraft_chained" ]; then
  "$stagecraft_chained" "$@" || exit $?
fi

${huskyBlock()}`;
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file, fsConstants.F_OK).then(
    () => true,
    () => false,
  );
}

async function isSymlink(file: string): Promise<boolean> {
  return fs.lstat(file).then(
    s => s.isSymbolicLink(),
    () => false,
  );
}

async function isDirectory(dir: string): Promise<boolean> {
  return fs.stat(dir).then(
    s => s.isDirectory(),
    () => false,
  );
}

async function writeExecutable(file: string, text: string): Promise<void> {
  await fs.writeFile(file, text);
  await fs.chmod(file, 0o755);
}
