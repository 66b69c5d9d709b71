import { createReadStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { listWorkTreeFiles } from '../../git/files';
import { committedTopLevelNames, listStagedChanges, readBlobs, readCommittedFile, readStagedFile, repositoryRoot, streamBlob } from '../../git/staged';
import { StagecraftError, throwIfAborted } from '../errors';
import { CONFIG_FILE_NAME, loadScanConfigFromFiles, type ScanConfig } from './config';
import { DEFAULT_MAX_FILE_BYTES } from './content';
import { IGNORE_FILE, ignoreFilter } from './ignore';
import { scanSources, type FileSource, type ScanGate } from './scanner';
import type { ScanOptions, ScanReport } from './types';

/**
 * Scans the source tree under `root`: in a git work tree the files git tracks or would track
 * (.gitignore'd build output stays out), otherwise every file but .git and node_modules.
 * This is the scan the pipeline's build stage runs.
 */
export async function scanTree(root: string, options: ScanOptions = {}): Promise<ScanReport> {
  const absRoot = path.resolve(root);
  const files = (await listWorkTreeFiles(absRoot, { signal: options.signal })) ?? (await walk(absRoot, '', options.signal));
  return scanSources(absRoot, files.map(f => diskSource(absRoot, f, options.maxFileBytes)), options);
}

/** Scans the given files and folders (relative to `root` or absolute); folders as in scanTree. */
export async function scanPaths(root: string, paths: string[], options: ScanOptions = {}): Promise<ScanReport> {
  const absRoot = path.resolve(root);
  const files: string[] = [];
  for (const p of paths) {
    const abs = path.resolve(absRoot, p);
    const stat = await fs.stat(abs).catch(() => undefined);
    if (!stat) throw new StagecraftError(`${p}: no such file or folder.`, { kind: 'input' });
    if (stat.isFile()) {
      files.push(relative(absRoot, abs));
    } else if (stat.isDirectory()) {
      const listed = (await listWorkTreeFiles(abs, { signal: options.signal })) ?? (await walk(abs, '', options.signal));
      for (const f of listed) files.push(relative(absRoot, path.join(abs, f)));
    }
  }
  const unique = [...new Set(files)];
  return scanSources(absRoot, unique.map(f => diskSource(absRoot, f, options.maxFileBytes)), options);
}

/**
 * Scans what the next commit would add or change, read from the index (never the work tree):
 * a secret that is only in the work tree does not count, a staged one does even if the work
 * tree no longer has it. Paths in the report are relative to the repository's top level.
 * The scan's own configuration (.secretlintignore, .secretlintrc*) is the COMMITTED one: a change
 * to it, staged or not, cannot open the door for the very commit that makes it; the report says so.
 */
export async function scanStaged(dir: string, options: ScanOptions & { paths?: string[] } = {}): Promise<ScanReport> {
  const top = await repositoryRoot(path.resolve(dir), options.signal);
  if (!top) throw new StagecraftError(`${path.resolve(dir)} is not inside a git repository, so it has no staged files.`, { kind: 'input', hint: 'Run it in a repository, or scan files with `stagecraft scan PATH…`.' });
  const pathspecs = options.paths?.map(p => relative(top, path.resolve(dir, p)));
  const staged = await listStagedChanges(top, { signal: options.signal, pathspecs });
  const { gate, config, notes } = await committedConfiguration(top, options.signal);
  const wanted = staged.filter(f => !gate.ignored(f.path));
  const ignored = staged.filter(f => gate.ignored(f.path));
  const maxBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;

  // One cat-file process streams every blob; each source's read() waits for its own.
  const contents = new Map<number, { size: number; content?: Buffer }>();
  const waiters = new Map<number, (v: { size: number; content?: Buffer }) => void>();
  let next = 0;
  const reading = readBlobs(
    top,
    wanted.map(f => f.blob),
    blob => {
      const i = next++;
      const value = { size: blob.size, content: blob.content };
      const waiter = waiters.get(i);
      if (waiter) {
        waiters.delete(i);
        waiter(value);
      } else {
        contents.set(i, value);
      }
    },
    { signal: options.signal, maxBytes },
  );
  let readError: unknown;
  reading.catch(err => {
    readError = err;
    for (const w of waiters.values()) w({ size: 0 });
    waiters.clear();
  });
  const sources: FileSource[] = wanted.map((f, i) => ({
    file: f.path,
    read: () => {
      const have = contents.get(i);
      if (have) {
        contents.delete(i);
        return Promise.resolve(have);
      }
      if (readError) return Promise.reject(readError);
      return new Promise(resolve => waiters.set(i, resolve));
    },
    // A blob too large to hold is streamed from git in chunks.
    stream: () => streamBlob(top, f.blob, options.signal),
  }));
  const report = await scanSources(top, sources, options, gate, config);
  await reading;
  report.skipped.push(...ignored.map(f => ({ file: f.path, reason: 'ignored' as const, by: gate.ignoreSource })));
  report.notes.push(...notes);
  return report;
}

/** The committed .secretlintignore and .secretlintrc*, with a note for each that the work tree or index changes. */
async function committedConfiguration(top: string, signal?: AbortSignal): Promise<{ gate: ScanGate; config: ScanConfig; notes: string[] }> {
  const notes: string[] = [];
  const differs = async (name: string, committed: Buffer | undefined) => {
    const staged = await readStagedFile(top, name, signal);
    const work = await fs.readFile(path.join(top, name)).catch(() => undefined);
    return [staged, work].some(v => (v === undefined) !== (committed === undefined) || (v !== undefined && committed !== undefined && !v.equals(committed)));
  };
  const ignoreText = await readCommittedFile(top, IGNORE_FILE, signal);
  if (await differs(IGNORE_FILE, ignoreText)) {
    notes.push(`${IGNORE_FILE} has changes that are not committed: this scan used ${ignoreText ? `the committed version (HEAD:${IGNORE_FILE})` : 'no ignore file, as the last commit has none'}. Commit the change on its own first; it applies to the commits after it.`);
  }
  const configNames = (await committedTopLevelNames(top, signal)).filter(n => CONFIG_FILE_NAME.test(n));
  const configFiles: Array<{ name: string; content: Buffer }> = [];
  for (const name of configNames) {
    const content = await readCommittedFile(top, name, signal);
    if (content) configFiles.push({ name, content });
  }
  const workConfigNames = (await fs.readdir(top).catch(() => [] as string[])).filter(n => n.startsWith('.secretlintrc'));
  for (const name of new Set([...workConfigNames, ...configNames.filter(n => n !== 'package.json')])) {
    if (await differs(name, configFiles.find(f => f.name === name)?.content)) {
      notes.push(`${name} has changes that are not committed: this scan used the rules of the last commit${configNames.includes(name) ? ` (HEAD:${name})` : ''}. Commit the change on its own first; it applies to the commits after it.`);
    }
  }
  const config = await loadScanConfigFromFiles(top, configFiles, name => `HEAD:${name}`);
  return { gate: { ignored: ignoreFilter(ignoreText?.toString('utf8') ?? ''), ignoreSource: ignoreText ? `HEAD:${IGNORE_FILE}` : IGNORE_FILE }, config, notes };
}

function diskSource(root: string, file: string, maxBytes = DEFAULT_MAX_FILE_BYTES): FileSource {
  const abs = path.resolve(root, file);
  return {
    file,
    read: async () => {
      const stat = await fs.stat(abs);
      if (!stat.isFile()) throw new Error('not a file');
      // Too large to hold: scanned from `stream` in chunks instead.
      if (stat.size > maxBytes) return { size: stat.size };
      return { size: stat.size, content: await fs.readFile(abs) };
    },
    stream: () => createReadStream(abs, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>,
  };
}

function relative(root: string, abs: string): string {
  const rel = path.relative(root, abs);
  return (rel.startsWith('..') || path.isAbsolute(rel) ? abs : rel).split(path.sep).join('/');
}

const WALK_SKIP = new Set(['.git', 'node_modules']);

/** Every file under `dir` (outside git), relative to `dir`. */
async function walk(dir: string, prefix: string, signal?: AbortSignal): Promise<string[]> {
  throwIfAborted(signal, 'Listing files to scan');
  const out: string[] = [];
  const entries = await fs.readdir(path.join(dir, prefix), { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (!WALK_SKIP.has(e.name)) out.push(...(await walk(dir, rel, signal)));
    } else if (e.isFile()) {
      out.push(rel);
    }
  }
  return out;
}
