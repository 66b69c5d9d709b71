import { promises as fs } from 'node:fs';
import { StagecraftError } from '../errors';
import type { Stack } from '../model';
import { decodeStackBytes, encodeStackText } from './bytes';
import { StackFileEditor } from './edit';
import { parseStackFile } from './load';
import type { StackSchema } from './schema';

/**
 * Applies `edit` to a stagecraft.yaml on disk (comments kept), refusing to write a result that
 * would not validate. Returns the stack as the file now defines it.
 */
export async function updateStackFile(file: string, edit: (editor: StackFileEditor) => void, schema?: StackSchema): Promise<Stack> {
  const text = decodeStackBytes(await fs.readFile(file));
  const editor = new StackFileEditor(text, file);
  edit(editor);
  const next = editor.toString();
  const check = parseStackFile(next, file, schema);
  if (!check.stack) {
    throw new StagecraftError(`The change would make ${file} invalid: ${check.problems[0]?.message ?? 'unknown problem'}`, { kind: 'input' });
  }
  if (next !== text) await fs.writeFile(file, encodeStackText(next));
  return check.stack;
}
