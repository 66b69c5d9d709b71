import { promises as fs } from 'node:fs';

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

