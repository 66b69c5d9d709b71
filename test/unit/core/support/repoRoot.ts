import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root, found from this file whether it runs from test/ (tsx) or out/test/ (compiled). */
export function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'stagecraft') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`No stagecraft package.json above ${__dirname}`);
    dir = parent;
  }
}

export function fixture(...parts: string[]): string {
  return join(repoRoot(), 'test', 'fixtures', ...parts);
}

export function readFixture(...parts: string[]): string {
  return readFileSync(fixture(...parts), 'utf8');
}
