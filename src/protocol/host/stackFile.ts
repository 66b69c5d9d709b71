import { promises as fs } from 'node:fs';
import { decodeStackBytes, encodeStackText } from '../../core/config/bytes';
import { parseStackFile, STACK_FILE } from '../../core/config/load';
import { rewriteStackFile } from '../../core/config/update';
import { StagecraftError } from '../../core/errors';
import type { StackSchema } from '../../core/config/schema';
import type { Stack } from '../../core/model';

/**
 * How panel handlers reach stagecraft.yaml. The editor implements it over its open document
 * (src/ui/panels), the tests and scripts over the file itself (fileStackPort).
 */
export interface StackFilePort {
  /** The stack as the file defines it now; an input error when the file is not valid. */
  stack(): Promise<Stack>;
  /** Rewrites the file through `change` (see editStackText); nothing is written when it throws. */
  edit(what: string, change: (text: string, stack: Stack) => string): Promise<void>;
}

/**
 * One edit of a stack file's text: the text must be valid before, `change` makes the new text
 * (with the comment-preserving StackFileEditor), and a result that does not parse is refused.
 */
export function editStackText(text: string, file: string, what: string, change: (text: string, stack: Stack) => string, schema?: StackSchema): string {
  const before = parseStackFile(text, file, schema);
  if (!before.stack) {
    throw new StagecraftError(`${what}: ${STACK_FILE} has problems (${before.problems[0]?.message ?? 'not valid'}); fix them first.`, { kind: 'input', hint: 'See the Problems view.' });
  }
  const next = change(text, before.stack);
  if (next === text) return text;
  const after = parseStackFile(next, file, schema);
  if (!after.stack) throw new StagecraftError(`${what} would make ${STACK_FILE} invalid: ${after.problems[0]?.message ?? 'unknown problem'}`, { kind: 'input' });
  return next;
}

/** The port over a file on disk. */
export function fileStackPort(file: string, schema?: StackSchema): StackFilePort {
  return {
    async stack() {
      const parsed = parseStackFile(await fs.readFile(file, 'utf8'), file, schema);
      if (!parsed.stack) throw new StagecraftError(`${STACK_FILE} has problems (${parsed.problems[0]?.message ?? 'not valid'}); fix them first.`, { kind: 'input' });
      return parsed.stack;
    },
    async edit(what, change) {
      await rewriteStackFile(file, text => editStackText(text, file, what, change, schema));
    },
  };
}

/** The named stage of the port's stack, or an input error naming it. */
export async function stageOf(port: StackFilePort, name: string): Promise<{ stack: Stack; stage: Stack['stages'][number] }> {
  const stack = await port.stack();
  const stage = stack.stages.find(s => s.name === name);
  if (!stage) throw new StagecraftError(`Stack "${stack.name}" has no stage "${name}" any more.`, { kind: 'input' });
  return { stack, stage };
}
