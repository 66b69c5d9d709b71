import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { ProviderLookup } from '../core/providerModule';
import { migrateLegacyState, stateInUseBy } from '../core/stateMigration';
import { legacyStateDir } from '../core/workspace';

/** Before any command: an old `<root>/.stagecraft/` moves to the state folder (once, with a message on stderr). */
export async function migrateStateBeforeCommand(cwd: string, args: string[], providers: ProviderLookup, say: (line: string) => void): Promise<void> {
  const root = path.resolve(cwd, dirArgument(args) ?? '.');
  if (!existsSync(legacyStateDir(root))) return;
  await migrateLegacyState(root, { inUse: stateInUseBy(providers), say });
}

function dirArgument(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--dir' || args[i] === '-C') return args[i + 1];
    if (args[i].startsWith('--dir=')) return args[i].slice('--dir='.length);
  }
  return undefined;
}
