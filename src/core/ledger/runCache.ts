import { statSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { stateDir } from '../workspace';
import { writeJsonAtomic } from '../jsonFile';
import { listRunIds, readRun, RUN_FILE, runsDir } from '../pipeline/store';
import { runAttempts, type RunAttempts } from './build';

/**
 * Each finished run's share of the ledger, cached in `<state folder>/cache/ledger.json` and keyed by
 * its run.json's size and mtime, so listing 1,000 runs reads one file and stats the rest instead
 * of parsing every record. The run records stay the only source of truth: a record that changed
 * (a resumed run) or is still going (its status depends on its heartbeat) is read afresh.
 */
interface CacheFile {
  version: 1;
  runs: Record<string, { size: number; mtimeMs: number; share: RunAttempts }>;
}

const FINISHED = new Set(['succeeded', 'failed', 'rejected', 'cancelled']);

export function ledgerCacheFile(root: string): string {
  return path.join(stateDir(root), 'cache', 'ledger.json');
}

/** Every run's ledger share, newest run first. */
export async function loadRunShares(root: string): Promise<RunAttempts[]> {
  const ids = await listRunIds(root);
  const cache = await readCache(root);
  const next: CacheFile = { version: 1, runs: {} };
  let changed = false;
  const shares: (RunAttempts | undefined)[] = new Array(ids.length);
  const fresh: Promise<void>[] = [];
  const dir = runsDir(root);
  ids.forEach((id, i) => {
    // statSync: a stat is a few microseconds, and a thousand of them through the thread pool cost more in scheduling than in work.
    let st: { size: number; mtimeMs: number } | undefined;
    try {
      st = statSync(path.join(dir, id, RUN_FILE));
    } catch {
      changed ||= id in cache.runs;
      return; // no record (yet): not part of the ledger
    }
    const hit = cache.runs[id];
    if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) {
      shares[i] = hit.share;
      next.runs[id] = hit;
      return;
    }
    const stamp = { size: st.size, mtimeMs: st.mtimeMs };
    fresh.push(
      readRun(root, id).then(
        run => {
          shares[i] = runAttempts(run);
          if (FINISHED.has(run.status)) {
            next.runs[id] = { ...stamp, share: shares[i]! };
            changed = true;
          }
        },
        () => undefined, // unreadable: left out, as listRuns does
      ),
    );
  });
  await Promise.all(fresh);
  if (changed || Object.keys(cache.runs).length !== Object.keys(next.runs).length) {
    // Best effort: a failed cache write costs the next listing time, nothing else.
    await writeJsonAtomic(ledgerCacheFile(root), next).catch(async () => {
      await fs.mkdir(path.dirname(ledgerCacheFile(root)), { recursive: true }).catch(() => undefined);
      await writeJsonAtomic(ledgerCacheFile(root), next).catch(() => undefined);
    });
  }
  return shares.filter((s): s is RunAttempts => s !== undefined);
}

async function readCache(root: string): Promise<CacheFile> {
  try {
    const parsed = JSON.parse(await fs.readFile(ledgerCacheFile(root), 'utf8')) as CacheFile;
    if (parsed.version === 1 && parsed.runs && typeof parsed.runs === 'object') return parsed;
  } catch {
    // missing or damaged: rebuilt from the run records
  }
  return { version: 1, runs: {} };
}
