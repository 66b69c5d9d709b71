import { runProcess } from '../../core/exec';
import type { OsPackageInstall } from '../../core/osPackages';
import { findOnPath } from './runtimes';

/**
 * Process mode never installs OS packages. The build log says which ones the Dockerfile wanted and
 * whether this machine has each (asked of the host's own package database, else a command of that name).
 */
export async function reportOsPackages(installs: OsPackageInstall[], where: string, log: (line: string) => void, signal?: AbortSignal): Promise<void> {
  const all = installs.flatMap(i => i.packages.map(p => ({ manager: i.manager, name: p })));
  if (all.length === 0) {
    log(`note: ${where}: OS package commands skipped (process mode never changes the host).`);
    return;
  }
  const found: string[] = [];
  const missing: string[] = [];
  for (const p of all) ((await presentOnHost(p.name, signal)) ? found : missing).push(p.name);
  log(`note: ${where}: skipped installing OS packages (${[...new Set(all.map(p => p.manager))].join(', ')}); process mode never changes the host.`);
  if (found.length) log(`  present on this machine: ${found.join(', ')}`);
  if (missing.length) log(`warning: ${where}: not on this machine: ${missing.join(', ')}; install them yourself if the app needs them at run time.`);
}

async function presentOnHost(name: string, signal?: AbortSignal): Promise<boolean> {
  const ask = async (cmd: string, args: string[], ok: (out: string, code: number | null) => boolean) => {
    const bin = await findOnPath(cmd);
    if (!bin) return undefined;
    const r = await runProcess(bin, args, { cwd: '/', signal, keepOutput: 2000 }).catch(() => undefined);
    return r ? ok(r.output, r.code) : undefined;
  };
  const byDatabase =
    (await ask('dpkg-query', ['-W', '-f=${Status}', name], (out, code) => code === 0 && out.includes('install ok installed'))) ??
    (await ask('apk', ['info', '-e', name], (_o, code) => code === 0)) ??
    (await ask('rpm', ['-q', name], (_o, code) => code === 0));
  if (byDatabase) return true;
  return (await findOnPath(name)) !== undefined;
}
