import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { CliLocation } from '../git/hooks';

/**
 * Writes a `stagecraft` command into `dir` that runs the bundled CLI with the given node (VS Code's
 * own binary as node when `electron`), so a terminal with `dir` on PATH has `stagecraft` without
 * installing anything. Rewrites the file only when its content changes (e.g. after an update moved
 * the extension). Returns the command's path.
 */
export async function writeCliShim(dir: string, runner: CliLocation, platform: NodeJS.Platform = process.platform): Promise<string> {
  const windows = platform === 'win32';
  const file = path.join(dir, windows ? 'stagecraft.cmd' : 'stagecraft');
  const content = windows ? windowsShim(runner) : posixShim(runner);
  const current = await fs.readFile(file, 'utf8').catch(() => undefined);
  if (current !== content) {
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(file, content, { mode: 0o755 });
    await fs.chmod(file, 0o755);
  }
  return file;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function posixShim(r: CliLocation): string {
  const env = r.electron ? 'ELECTRON_RUN_AS_NODE=1 ' : '';
  return `#!/bin/sh\n# Stagecraft's bundled CLI, put on PATH by the VS Code extension (setting stagecraft.terminal.addCliToPath).\n${env}exec ${quote(r.node)} ${quote(r.cli)} "$@"\n`;
}

function windowsShim(r: CliLocation): string {
  const env = r.electron ? '@set ELECTRON_RUN_AS_NODE=1\r\n' : '';
  return `@echo off\r\nrem Stagecraft's bundled CLI, put on PATH by the VS Code extension (setting stagecraft.terminal.addCliToPath).\r\nsetlocal\r\n${env}"${r.node}" "${r.cli}" %*\r\n`;
}
