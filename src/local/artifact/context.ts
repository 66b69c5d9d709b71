import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { StagecraftError, throwIfAborted } from '../../core/errors';
import type { DockerIgnore } from './dockerignore';
import { cleanPath, compilePattern, hasGlob } from './patterns';
import type { CopyStep } from './plan';

/** A file, folder or symbolic link of the build context, by its context-relative path. */
export interface ContextEntry {
  rel: string;
  abs: string;
  type: 'file' | 'dir' | 'symlink';
  mode: number;
}

/** One COPY source: a file, or a folder whose contents (`children`, relative to it) are copied. */
export interface ResolvedSource {
  entry: ContextEntry;
  children: Array<ContextEntry & { within: string }>;
}

export interface BuildContext {
  root: string;
  ignore: DockerIgnore;
  signal?: AbortSignal;
}

/** What each COPY/ADD reads from the context, .dockerignore applied. Throws naming file:line. */
export async function resolveCopySources(step: CopyStep, ctx: BuildContext, where: string): Promise<ResolvedSource[]> {
  const out: ResolvedSource[] = [];
  for (const raw of step.sources) {
    const cleaned = cleanPath(raw);
    if (cleaned === '..' || cleaned.startsWith('../')) {
      throw new StagecraftError(`${where}: ${step.text.split(' ')[0]} ${raw} points outside the build context (${ctx.root}).`, { kind: 'input' });
    }
    if (hasGlob(cleaned)) {
      const re = compilePattern(cleaned);
      const segments = cleaned.split('/');
      const literal = segments.slice(0, segments.findIndex(s => hasGlob(s)));
      const depth = cleaned.includes('**') ? Infinity : segments.length - literal.length;
      const base = literal.join('/');
      const candidates = await walk(ctx, base, depth);
      const matches = candidates.filter(e => re.test(e.rel));
      if (matches.length === 0) throw notFound(where, raw, 'no file of the build context matches it');
      for (const entry of matches) out.push(await source(entry, ctx));
      continue;
    }
    if (cleaned !== '' && ctx.ignore.ignores(cleaned)) throw notFound(where, raw, '.dockerignore excludes it');
    const abs = path.join(ctx.root, cleaned);
    let stat;
    try {
      // A source that is itself a link is followed, as Docker does.
      stat = await fs.stat(abs);
    } catch {
      throw notFound(where, raw, 'it does not exist');
    }
    const entry: ContextEntry = { rel: cleaned, abs, type: stat.isDirectory() ? 'dir' : 'file', mode: stat.mode & 0o7777 };
    out.push(await source(entry, ctx));
  }
  if (out.length > 1) step.destIsDir = true;
  return out;
}

async function source(entry: ContextEntry, ctx: BuildContext): Promise<ResolvedSource> {
  if (entry.type !== 'dir') return { entry, children: [] };
  const prefix = entry.rel === '' ? '' : entry.rel + '/';
  const children = (await walk(ctx, entry.rel, Infinity)).map(c => ({ ...c, within: c.rel.slice(prefix.length) }));
  return { entry, children };
}

/** Everything under `base` (context-relative, '' for the root) down to `depth` levels, ignore rules applied, sorted. */
async function walk(ctx: BuildContext, base: string, depth: number): Promise<ContextEntry[]> {
  const out: ContextEntry[] = [];
  const visit = async (rel: string, level: number): Promise<void> => {
    throwIfAborted(ctx.signal, 'The build');
    let names: import('node:fs').Dirent[];
    try {
      names = await fs.readdir(path.join(ctx.root, rel), { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return;
      throw err;
    }
    names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const d of names) {
      const childRel = rel === '' ? d.name : `${rel}/${d.name}`;
      const ignored = ctx.ignore.ignores(childRel);
      const type = d.isDirectory() ? 'dir' : d.isSymbolicLink() ? 'symlink' : d.isFile() ? 'file' : undefined;
      if (!type) continue; // sockets, fifos, devices
      if (type === 'dir') {
        if (ignored && ctx.ignore.canPrune) continue;
        const abs = path.join(ctx.root, childRel);
        if (!ignored) out.push({ rel: childRel, abs, type, mode: (await fs.stat(abs)).mode & 0o7777 });
        if (level + 1 < depth) await visit(childRel, level + 1);
      } else if (!ignored) {
        const abs = path.join(ctx.root, childRel);
        out.push({ rel: childRel, abs, type, mode: (await fs.lstat(abs)).mode & 0o7777 });
      }
    }
  };
  await visit(base, 0);
  return out;
}

function notFound(where: string, raw: string, why: string): StagecraftError {
  return new StagecraftError(`${where}: COPY source "${raw}" was not found in the build context: ${why}.`, { kind: 'input', hint: 'Check the path (relative to the folder holding stagecraft.yaml) and .dockerignore.' });
}

/**
 * The content part of the artifact id: every file a COPY reads, by path, permissions and content.
 * Paths are sorted so the hash does not depend on walk order.
 */
export async function hashSources(all: ResolvedSource[][], signal?: AbortSignal): Promise<string> {
  const entries = new Map<string, ContextEntry>();
  for (const step of all) {
    for (const s of step) {
      entries.set(s.entry.rel, s.entry);
      for (const c of s.children) entries.set(c.rel, c);
    }
  }
  const sorted = [...entries.values()].sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  const digests = new Array<string>(sorted.length);
  let next = 0;
  const worker = async () => {
    while (next < sorted.length) {
      const i = next++;
      const e = sorted[i];
      throwIfAborted(signal, 'The build');
      if (e.type === 'file') digests[i] = createHash('sha256').update(await fs.readFile(e.abs)).digest('hex');
      else if (e.type === 'symlink') digests[i] = 'link:' + (await fs.readlink(e.abs));
      else digests[i] = 'dir';
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  const hash = createHash('sha256');
  sorted.forEach((e, i) => hash.update(`${e.rel}\0${e.type}\0${(e.mode & 0o777).toString(8)}\0${digests[i]}\n`));
  return hash.digest('hex');
}
