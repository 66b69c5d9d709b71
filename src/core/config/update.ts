import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { StagecraftError } from '../errors';
import { withLease, type LeaseOptions } from '../lease';
import type { Stack } from '../model';
import { decodeStackBytes, encodeStackText } from './bytes';
import { stateDir } from '../workspace';
import { StackFileEditor } from './edit';
import { parseStackFile } from './load';
import type { StackSchema } from './schema';

/**
 * Applies `edit` to a stagecraft.yaml on disk (comments kept), refusing to write a result that
 * would not validate. Returns the stack as the file now defines it. Safe against other writers:
 * see rewriteStackFile.
 */
export async function updateStackFile(file: string, edit: (editor: StackFileEditor) => void, schema?: StackSchema, options: LeaseOptions = {}): Promise<Stack> {
  let stack: Stack | undefined;
  await rewriteStackFile(
    file,
    text => {
      const editor = new StackFileEditor(text, file);
      edit(editor);
      const next = editor.toString();
      const check = parseStackFile(next, file, schema);
      if (!check.stack) {
        throw new StagecraftError(`The change would make ${file} invalid: ${check.problems[0]?.message ?? 'unknown problem'}`, { kind: 'input' });
      }
      stack = check.stack;
      return next;
    },
    options,
  );
  return stack!;
}

/** How often a change is made again on top of a concurrent edit before giving up. */
const MAX_MERGES = 5;

/**
 * One read-modify-write of a stack file that loses nobody's edit:
 * - Stagecraft's own writers (CLI, extension, scripts) take a lock on the file, so their edits
 *   queue up instead of overwriting each other;
 * - just before writing, the file is read again: when someone else (an editor saving, git)
 *   changed it meanwhile, `change` is made again on their text (it is a function of the text,
 *   so their edit and ours both survive); a file that keeps changing is refused with a message;
 * - the new text goes to a temp file in the same folder, is flushed to disk, and renamed over
 *   the file, so a reader sees the old text or the new one, never half of one.
 * Returns the text written (or left, when `change` changed nothing).
 */
export async function rewriteStackFile(file: string, change: (text: string) => string, options: LeaseOptions = {}): Promise<string> {
  return withLease(editLockFile(file), { action: `editing ${path.basename(file)}` }, async () => {
    let text = await readText(file);
    for (let attempt = 0; attempt <= MAX_MERGES; attempt++) {
      const next = change(text);
      const now = await readText(file);
      if (now !== text) {
        // Someone who does not take our lock wrote the file while we edited: redo ours on theirs.
        text = now;
        continue;
      }
      if (next !== text) await writeAtomic(file, next);
      return next;
    }
    throw new StagecraftError(`${file} kept changing while Stagecraft was editing it; nothing was written.`, {
      kind: 'unavailable',
      hint: 'Save or close the other editor of the file, then try again.',
    });
  }, options);
}

/** The lock of a stack file's edits, in the state folder of the workspace that holds it. */
export function editLockFile(file: string): string {
  return path.join(stateDir(path.dirname(path.resolve(file))), 'locks', `${path.basename(file)}.lock`);
}

/** Read losslessly: bytes that are not UTF-8 survive an edit of other lines. */
async function readText(file: string): Promise<string> {
  return decodeStackBytes(await fs.readFile(file));
}

/** Temp file beside the target (same file system, so rename is atomic), fsync'd, then renamed over it with the file's mode. */
export async function writeAtomic(file: string, text: string): Promise<void> {
  const dir = path.dirname(file);
  const mode = await fs.stat(file).then(s => s.mode & 0o777, () => 0o644);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`);
  const handle = await fs.open(tmp, 'wx', mode);
  try {
    await handle.writeFile(encodeStackText(text));
    await handle.sync();
  } catch (err) {
    await handle.close();
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  // The rename itself is durable once the folder is flushed (not possible on every platform).
  const folder = await fs.open(dir, 'r').catch(() => undefined);
  await folder?.sync().catch(() => undefined);
  await folder?.close();
}
