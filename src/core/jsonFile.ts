import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';

/** A temp name no other write (this process or another) uses: two writes of one file never share it. */
function tempName(file: string): string {
  return `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
}

/**
 * Writes JSON through a temp file and a rename, so a reader in another process never sees half
 * of it. `mode` is the file's permissions (0o600 for secrets), set before the rename.
 */
export async function writeJsonAtomic(file: string, value: unknown, options: { mode?: number } = {}): Promise<void> {
  const tmp = tempName(file);
  try {
    await fs.writeFile(tmp, JSON.stringify(value, null, 2) + '\n', { mode: options.mode });
    // writeFile's mode is filtered by the umask; a secret's file must be exactly what was asked.
    if (options.mode !== undefined) await fs.chmod(tmp, options.mode);
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
  const tmp = tempName(file);
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
