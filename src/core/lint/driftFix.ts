import { StackFileEditor } from '../config/edit';
import type { DriftFinding } from './drift';

/** The quick fix's title: "Copy GREETING from test". */
export function driftFixTitle(f: DriftFinding): string {
  return `Copy ${f.kind === 'database' ? `the ${String(f.value)} database` : f.key} from ${f.upstream}`;
}

/**
 * The text of stagecraft.yaml with what `f` found missing copied into the downstream stage
 * (comments and layout kept; a secret by its reference, never a value). A person reviews it as an
 * edit before saving.
 */
export function applyDriftFix(text: string, file: string, f: DriftFinding): string {
  const editor = new StackFileEditor(text, file);
  if (f.kind === 'variable' || f.kind === 'secret') editor.setEnv(f.stage, f.key, f.value);
  else if (f.kind === 'origin') editor.addOrigin(f.stage, f.key);
  else editor.setStageField(f.stage, 'database', String(f.value));
  return editor.toString();
}
