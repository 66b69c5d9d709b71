import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** Health paths looked for in a service's source, most specific first. */
export const HEALTH_ROUTES = ['/healthz', '/health', '/healthy', '/ping'];
const SOURCE = /\.(?:[cm]?[jt]s|py)$/;
const SKIPPED = new Set(['node_modules', '.git', '.stagecraft', 'dist', 'build', 'coverage', '__pycache__', 'venv', '.venv', 'test', 'tests']);
const MAX_FILES = 400;
const MAX_BYTES = 256 * 1024;

/**
 * The health route a service declares, found cheaply: a quoted '/healthz', '/health', '/healthy' or
 * '/ping' in its JavaScript, TypeScript or Python source (route tables, decorators). Undefined when none.
 */
export async function findHealthRoute(root: string): Promise<{ path: string; file: string } | undefined> {
  const files: string[] = [];
  const visit = async (dir: string, depth: number): Promise<void> => {
    if (depth > 6 || files.length >= MAX_FILES) return;
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      if (files.length >= MAX_FILES) return;
      if (e.isDirectory() && !SKIPPED.has(e.name) && !e.name.startsWith('.')) await visit(path.join(dir, e.name), depth + 1);
      else if (e.isFile() && SOURCE.test(e.name) && !/\.(test|spec)\.[^.]+$/.test(e.name) && !e.name.endsWith('.d.ts')) files.push(path.join(dir, e.name));
    }
  };
  await visit(root, 0);
  const found = new Map<string, string>();
  for (const file of files) {
    const stat = await fs.stat(file);
    if (stat.size > MAX_BYTES) continue;
    const text = await fs.readFile(file, 'utf8');
    for (const m of text.matchAll(/["'`](\/(?:healthz|health|healthy|ping))\/?["'`]/g)) if (!found.has(m[1])) found.set(m[1], path.relative(root, file));
  }
  const best = HEALTH_ROUTES.find(r => found.has(r));
  return best ? { path: best, file: found.get(best)! } : undefined;
}
