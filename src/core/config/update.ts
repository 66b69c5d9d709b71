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
