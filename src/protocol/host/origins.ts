import { StackFileEditor } from '../../core/config/edit';
import { originProblem } from '../../core/origins';
import { StagecraftError } from '../../core/errors';
import { FormError, type RequestHandlers } from '../channel';
import type { FieldProblems } from '../messages';
import { fingerprint } from './fingerprint';
import { stageOf, type StackFilePort } from './stackFile';

/** Each origin by the core rule, and that it is listed once (browsers compare origins case-insensitively). */
export function checkOrigins(origins: string[]): FieldProblems {
  const problems: FieldProblems = {};
  const seen = new Map<string, number>();
  origins.forEach((origin, i) => {
    const key = origin.toLowerCase();
    const first = seen.get(key);
    const problem = originProblem(origin) ?? (first !== undefined ? `"${origin}" is already listed in row ${first + 1}` : undefined);
    if (first === undefined) seen.set(key, i);
    if (problem) problems[`origins.${i}`] = problem;
  });
  return problems;
}

/** Rewrites the stage's `origins:` to hold exactly `next`: missing ones removed, new ones appended. */
export function applyOrigins(text: string, file: string, stage: string, current: string[], next: string[]): { text: string; changed: number } {
  const editor = new StackFileEditor(text, file);
  let changed = 0;
  for (const origin of current) if (!next.includes(origin) && editor.removeOrigin(stage, origin)) changed++;
  for (const origin of next) if (!current.includes(origin) && editor.addOrigin(stage, origin)) changed++;
  return { text: changed > 0 ? editor.toString() : text, changed };
}

export function originsRevision(origins: string[]): string {
  return fingerprint(origins);
}

/** The Origins panel's host side for `stage`: checks as you type, and Save. */
export function originsHandlers(port: StackFilePort, stage: string): Pick<RequestHandlers, 'origins.check' | 'origins.save'> {
  return {
    'origins.check': ({ origins }) => ({ problems: checkOrigins(origins) }),
    'origins.save': async ({ origins }) => {
      const problems = checkOrigins(origins);
      const first = Object.values(problems)[0];
      if (first) throw new FormError(`Not saved: ${first}.`, problems);
      let changed = 0;
      await port.edit(`Saving the origins of "${stage}"`, (text, fresh) => {
        const current = fresh.stages.find(s => s.name === stage);
        if (!current) throw new StagecraftError(`Stack "${fresh.name}" has no stage "${stage}" any more.`, { kind: 'input' });
        const result = applyOrigins(text, fresh.file, stage, current.origins, origins);
        changed = result.changed;
        return result.text;
      });
      return { changed, revision: originsRevision((await stageOf(port, stage)).stage.origins) };
    },
  };
}
