import type { Stage } from '../../core/model';

/**
 * The question Run Pipeline asks before a run whose path includes a protected stage:
 * "Run abc1234 through dev → test → prod (prod needs approval)?". Undefined when no stage of the
 * path is protected: such a run starts without a question.
 */
export function runConfirmation(commit: string, stages: readonly Stage[]): string | undefined {
  const guarded = stages.filter(s => s.protected);
  if (guarded.length === 0) return undefined;
  const notes = guarded.map(s => `${s.name} ${s.requireApproval ? 'needs approval' : 'is protected'}`);
  return `Run ${commit.slice(0, 7)} through ${stages.map(s => s.name).join(' → ')} (${notes.join(', ')})?`;
}
