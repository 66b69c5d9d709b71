import type { Stack } from '../../core/model';
import { redactor } from '../../core/redact';
import { readStageState } from '../../core/stageState';
import { commitsBetween } from '../../git/commitRange';
import { stageConfigDiff } from './stageConfigDiff';

export interface PromotionRef {
  stack: Stack;
  /** The stage waiting for approval. */
  stage: string;
  /** The commit the run promotes. */
  commit: string;
  artifact?: string;
  runId?: string;
}

/**
 * "Show Changes" of an approval as Markdown: the commits between what the stage runs now and what
 * is being promoted, and how its configuration differs from the stage the artifact comes from.
 */
export async function changesDocument(ref: PromotionRef): Promise<string> {
  const { stack } = ref;
  const target = stack.stages.find(s => s.name === ref.stage);
  const current = await readStageState(stack.root, ref.stage);
  const range = await commitsBetween(stack.root, current.commit, ref.commit);
  const out: string[] = [];
  out.push(`# Promote ${short(ref.commit)} to ${ref.stage} (${stack.name})`, '');
  const facts = [
    ref.runId ? `Run ${ref.runId}` : undefined,
    ref.artifact ? `artifact \`${ref.artifact.slice(0, 12)}\`` : undefined,
    current.commit ? `${ref.stage} runs \`${short(current.commit)}\` now (${current.kind}${current.updatedAt ? `, since ${current.updatedAt}` : ''})` : `${ref.stage} has not run any version yet`,
  ].filter(Boolean);
  out.push(`${facts.join(' · ')}.`, '');

  out.push(`## Commits${range.from && !range.note ? ` ${short(range.from)}..${short(range.to)}` : ''} (${range.commits.length}${range.truncated ? '+' : ''})`, '');
  if (range.note) out.push(`_${escape(range.note)}_`, '');
  if (range.commits.length === 0 && !range.note) out.push(`No new commits: ${ref.stage} already runs this code.`);
  for (const c of range.commits) out.push(`- \`${c.short}\` ${escape(c.subject)} — ${escape(c.author)}, ${c.date.slice(0, 10)}`);
  if (range.truncated) out.push(`- … and more (\`git log ${range.from ? `${short(range.from)}..` : ''}${short(range.to)}\`)`);
  if (range.behind > 0) out.push('', `**Note:** ${ref.stage} runs ${range.behind} commit${range.behind === 1 ? '' : 's'} that this version does not contain (a step back, or another branch).`);
  out.push('');

  const source = target && target.index > 0 ? stack.stages[target.index - 1] : undefined;
  if (target && source) {
    out.push(`## Configuration: ${source.name} → ${ref.stage}`, '');
    const diff = stageConfigDiff(source, target);
    if (diff.length === 0) out.push(`stagecraft.yaml configures ${source.name} and ${ref.stage} the same way.`);
    for (const line of diff) out.push(`- ${escape(line)}`);
    out.push('');
  }
  return redactor.redact(out.join('\n'));
}

function short(commit: string): string {
  return commit.slice(0, 8);
}

function escape(text: string): string {
  return text.replace(/([\\`*_[\]<>#|])/g, '\\$1');
}
