import { promises as fs, renameSync, rmSync, writeFileSync } from 'node:fs';

let counter = 0;

/** Writes JSON through a temp file and a rename, so a reader in another process never sees half of it. */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  const tmp = `${file}.${process.pid}.${++counter}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(value, null, 2) + '\n');
  try {
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Writes JSON to `file` only if no file has that name yet (write a temp file, then hard-link it
 * into place): the first writer wins and nobody sees a partial file. Returns false when taken.
 */
export async function writeJsonExclusive(file: string, value: unknown): Promise<boolean> {
  const tmp = `${file}.${process.pid}.${++counter}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(value, null, 2) + '\n');
  try {
    await fs.link(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

/**
 * The same, synchronously: a run record is a few kilobytes, and writing it in place of a trip
 * through the thread pool keeps the engine's cost per step well under a millisecond.
 */
export function writeJsonAtomicSync(file: string, value: unknown): void {
  const tmp = `${file}.${process.pid}.${++counter}.tmp`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  try {
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
