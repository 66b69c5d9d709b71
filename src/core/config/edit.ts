import { isMap, isScalar, isSeq, parseDocument, YAMLMap, YAMLSeq, type Document, type Node, type ToStringOptions } from 'yaml';
import { envNameProblem, envValueProblem } from '../inputRules';
import { StagecraftError } from '../errors';
import type { EnvValue, ProviderName, Stack } from '../model';
import { nameProblem } from '../naming';
import { originProblem } from '../origins';
import { carryEdit } from './patch';

/**
 * Edits of `stagecraft.yaml` through the yaml Document API: comments, key order and the
 * file's own indentation survive, and only the lines an edit touches change.
 */
export class StackFileEditor {
  private readonly document: Document;
  /** The document as read, printed next to the edited one so only the differences are carried. */
  private readonly pristine: Document;
  private style: ToStringOptions;

  constructor(private readonly text: string, private readonly file = 'stagecraft.yaml') {
    this.document = parseDocument(text, { keepSourceTokens: false });
    if (this.document.errors.length > 0) {
      throw new StagecraftError(`${file} has YAML syntax errors; fix them before editing it from Stagecraft.`, { kind: 'input' });
    }
    // Parsed again rather than cloned: clone() drops details such as the `...` end marker.
    this.pristine = parseDocument(text, { keepSourceTokens: false });
    this.style = detectStyle(text);
  }

  /** The original text with only the edited lines changed. */
  toString(): string {
    const printed = this.document.toString(this.style);
    const carried = carryEdit(this.text, this.pristine.toString(this.style), printed);
    if (carried === this.text || sameData(carried, printed)) return carried;
    // A layout the line carrying cannot follow (`-` alone on its line, …): print the whole
    // document instead. Comments and order survive; only spacing is normalised.
    return this.text.includes('\r\n') ? printed.replace(/\n/g, '\r\n') : printed;
  }

  addStage(input: NewStage, stack?: Stack): void {
    if (stack) {
      const problem = newStageProblem(stack, input.name);
      if (problem) throw new StagecraftError(problem, { kind: 'input' });
    }
    const stages = this.stagesSeq(true);
    const node = new YAMLMap();
    node.set('name', input.name);
    node.set('provider', input.provider);
    // The provider's own keys as its Add Stage fields gave them: texts (where the stage runs)
    // follow `provider`, switches follow the shared switches.
    const options = Object.entries(input.options ?? {});
    for (const [key, value] of options) if (typeof value === 'string') node.set(key, value);
    if (input.database === 'postgres') node.set('database', 'postgres');
    node.set('requireApproval', input.requireApproval ?? false);
    for (const [key, value] of options) if (typeof value === 'boolean') node.set(key, value);
    if (input.branches && input.branches.length > 0) node.set('branches', this.document.createNode(input.branches));
    const at = input.first ? 0 : input.after === undefined ? stages.items.length : this.stageIndex(input.after) + 1;
    // Stages the file separates with blank lines get one for the new stage too.
    if (stages.items.slice(1).some(item => (item as Node).spaceBefore)) {
      if (at > 0) node.spaceBefore = true;
      else if (stages.items[0]) (stages.items[0] as Node).spaceBefore = true;
    }
    // `stages: []` grows into a block list, one key per line like the rest of the file.
    if (stages.items.length === 0) stages.flow = false;
    stages.items.splice(at, 0, node);
  }

  setEnv(stage: string, name: string, value: EnvValue): void {
    const problem = envNameProblem(name) ?? (typeof value === 'string' ? envValueProblem(name, value) : undefined);
    if (problem) throw new StagecraftError(problem, { kind: 'input' });
    const env = this.stageChild(stage, 'env', () => new YAMLMap());
    if (!isMap(env)) throw this.shapeError(stage, 'env', 'a mapping');
    // A secret reference is written `{ secret: NAME }`, on one line like the file's own examples.
    env.set(name, typeof value === 'string' ? value : this.document.createNode(value, { flow: true }));
  }

  /** The stage's current value of `name` (a string or a secret reference), if it sets one. */
  envValue(stage: string, name: string): EnvValue | undefined {
    const env = this.stageMap(stage).get('env', true);
    if (!isMap(env) || !env.has(name)) return undefined;
    const node: unknown = env.get(name, true);
    const value: unknown = isScalar(node) ? node.value : isMap(node) ? node.toJSON() : undefined;
    if (typeof value === 'string') return value;
    if (value && typeof value === 'object' && typeof (value as { secret?: unknown }).secret === 'string') return { secret: (value as { secret: string }).secret };
    return value === undefined || value === null ? undefined : String(value);
  }

  unsetEnv(stage: string, name: string): boolean {
    const env = this.stageMap(stage).get('env', true);
    if (!isMap(env) || !env.has(name)) return false;
    env.delete(name);
    return true;
  }

  addOrigin(stage: string, origin: string): boolean {
    const problem = originProblem(origin);
    if (problem) throw new StagecraftError(problem, { kind: 'input' });
    const origins = this.stageChild(stage, 'origins', () => new YAMLSeq());
    if (!isSeq(origins)) throw this.shapeError(stage, 'origins', 'a list');
    if (origins.items.some(i => isScalar(i) && i.value === origin)) return false;
    this.keepFlowPadding(origins);
    origins.add(origin);
    return true;
  }

  removeOrigin(stage: string, origin: string): boolean {
    const origins = this.stageMap(stage).get('origins', true);
    if (!isSeq(origins)) return false;
    const i = origins.items.findIndex(item => isScalar(item) && item.value === origin);
    if (i < 0) return false;
    this.keepFlowPadding(origins);
    origins.items.splice(i, 1);
    return true;
  }

  /** Sets a plain field of a stage (database, requireApproval, …). */
  setStageField(stage: string, key: string, value: string | boolean | number): void {
    this.stageMap(stage).set(key, value);
  }

  private stagesSeq(create: boolean): YAMLSeq {
    const root = this.document.contents;
    if (!isMap(root)) throw new StagecraftError(`${this.file} is not a mapping; expected \`stack:\` and \`stages:\` at the top.`, { kind: 'input' });
    let stages: unknown = root.get('stages', true);
    if ((stages === undefined || (isScalar(stages) && stages.value === null)) && create) {
      stages = new YAMLSeq();
      root.set('stages', stages);
    }
    if (!isSeq(stages)) throw new StagecraftError(`${this.file}: "stages" must be a list.`, { kind: 'input' });
    return stages;
  }

  private stageIndex(name: string): number {
    const i = this.stagesSeq(false).items.findIndex(item => isMap(item) && item.get('name') === name);
    if (i < 0) throw new StagecraftError(`${this.file} has no stage named "${name}".`, { kind: 'input' });
    return i;
  }

  private stageMap(name: string): YAMLMap {
    return this.stagesSeq(false).items[this.stageIndex(name)] as YAMLMap;
  }

  private stageChild(stage: string, key: string, create: () => YAMLMap | YAMLSeq): unknown {
    const map = this.stageMap(stage);
    const existing = map.get(key, true);
    if (existing === undefined || (isScalar(existing) && existing.value === null)) {
      const fresh = create();
      // `env:   # later` keeps its comment (the printer puts it above the first entry).
      if (isScalar(existing) && existing.comment) fresh.commentBefore = existing.comment;
      map.set(key, fresh);
      return fresh;
    }
    return existing;
  }

  /** An edited `[a, b]` keeps its own bracket spacing, whatever other flow collections use. */
  private keepFlowPadding(seq: YAMLSeq): void {
    if (!seq.flow || !seq.range || seq.items.length === 0) return;
    this.style = { ...this.style, flowCollectionPadding: /^\[\s/.test(this.text.slice(seq.range[0], seq.range[1])) };
  }

  private shapeError(stage: string, key: string, expected: string): StagecraftError {
    return new StagecraftError(`${this.file}: stage "${stage}" has "${key}" that is not ${expected}; fix it by hand first.`, { kind: 'input' });
  }
}

export interface NewStage {
  name: string;
  provider: ProviderName;
  /** The provider's own stage keys (texts after `provider`, switches after `requireApproval`). */
  options?: Record<string, string | boolean>;
  database?: 'postgres' | 'none';
  requireApproval?: boolean;
  branches?: string[];
  /** Name of the stage the new one follows; the end of the list when absent. */
  after?: string;
  /** Put the new stage first in the promotion order. */
  first?: boolean;
}

/**
 * Why a stage named `name` cannot be added to `stack`, or undefined. Shared by every Add Stage
 * flow; `providerRule` is the stage's provider's own name rule (StackSchema.stageNameProblem).
 */
export function newStageProblem(stack: Pick<Stack, 'name' | 'stages'>, name: string, providerRule?: (stack: string, stage: string) => string | undefined): string | undefined {
  const bad = nameProblem(name, 'stage') ?? providerRule?.(stack.name, name);
  if (bad) return bad;
  if (stack.stages.some(s => s.name.toLowerCase() === name.toLowerCase())) return `stack "${stack.name}" already has a stage named "${name}"`;
  return undefined;
}

/** Whether two YAML texts hold the same data (and both parse). */
function sameData(a: string, b: string): boolean {
  const x = parseDocument(a);
  const y = parseDocument(b);
  return x.errors.length === 0 && y.errors.length === 0 && JSON.stringify(x.toJS()) === JSON.stringify(y.toJS());
}

/** Reads the file's own indentation so a rewrite does not re-indent lines it did not edit. */
function detectStyle(text: string): ToStringOptions {
  const indents = [...text.matchAll(/^( +)\S/gm)].map(m => m[1].length);
  const indent = indents.length > 0 ? Math.max(1, Math.min(...indents)) : 2;
  // A sequence under a key is "indented" when its dash sits deeper than the key.
  const seq = /^( *)[^\s#-][^:\n]*:\s*\n(?:\s*#.*\n|\s*\n)*( *)- /m.exec(text);
  const indentSeq = seq ? seq[2].length > seq[1].length : true;
  return { indent, indentSeq, lineWidth: 0, minContentWidth: 0, flowCollectionPadding: /\{ \S/.test(text) || !/\{\S/.test(text) };
}
