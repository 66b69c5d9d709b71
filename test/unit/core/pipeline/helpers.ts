import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseStackFile } from '../../../../src/core/config/load';
import { builtinSchema } from '../../support/providers';
import type { Stack, Stage } from '../../../../src/core/model';
import type { RollbackContext, RunEvent, RunEventType, Step, StepContext, StepExecutor, StepOutcome } from '../../../../src/core/pipeline';
import type { RunEvents } from '../../../../src/core/pipeline/events';

export const THREE_STAGES = `stack: shop
service:
  migrate: npm run migrate
stages:
  - name: dev
  - name: test
  - name: prod
    requireApproval: true
`;

/** Temp folders made by a suite; `cleanup()` in an after hook. */
export class Temp {
  private readonly dirs: string[] = [];
  dir(): string {
    const d = mkdtempSync(join(tmpdir(), 'stagecraft-pipeline-'));
    this.dirs.push(d);
    return d;
  }
  cleanup(): void {
    for (const d of this.dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}

/** A stack parsed from real stagecraft.yaml text in a fresh folder (optionally with a package.json). */
export function makeStack(temp: Temp, yaml = THREE_STAGES, scripts?: Record<string, string>): Stack {
  const root = temp.dir();
  writeFileSync(join(root, 'stagecraft.yaml'), yaml);
  if (scripts) writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'svc', scripts }));
  const parsed = parseStackFile(yaml, join(root, 'stagecraft.yaml'), builtinSchema());
  if (!parsed.stack) throw new Error(`bad test stack: ${JSON.stringify(parsed.problems)}`);
  return parsed.stack;
}

type Script = StepOutcome | ((step: Step, ctx: StepContext) => Promise<StepOutcome> | StepOutcome);

/**
 * A scripted stand-in for a provider's executor (the engine's boundary): each step succeeds
 * unless the script says otherwise; every call is recorded.
 */
export class ScriptedExecutor implements StepExecutor {
  readonly calls: Array<{ id: string; artifact?: string; commit: string; stageOutputs: Record<string, string> }> = [];
  readonly rollbacks: Array<{ stage: string; reason: string; aborted: boolean }> = [];
  artifactGone = false;
  builds = 0;

  constructor(private readonly script: Record<string, Script> = {}, private readonly artifactId = 'sha256-' + 'ab12'.repeat(8)) {}

  async execute(step: Step, ctx: StepContext): Promise<StepOutcome> {
    this.calls.push({ id: step.id, artifact: ctx.artifact?.id, commit: ctx.run.commit, stageOutputs: { ...ctx.stageOutputs } });
    ctx.log(`running ${step.id}`);
    const scripted = this.script[step.id];
    if (scripted) return typeof scripted === 'function' ? scripted(step, ctx) : scripted;
    if (step.kind === 'artifact') {
      this.builds++;
      return { status: 'succeeded', summary: 'built', outputs: { artifact: this.artifactId } };
    }
    if (step.kind === 'deploy') return { status: 'succeeded', summary: 'candidate up', outputs: { url: `http://127.0.0.1:1/${step.stage}` } };
    return { status: 'succeeded', summary: `${step.kind} ok` };
  }

  async rollback(stage: Stage, ctx: RollbackContext): Promise<void> {
    this.rollbacks.push({ stage: stage.name, reason: ctx.reason, aborted: ctx.signal.aborted });
  }

  async artifactExists(): Promise<boolean> {
    return !this.artifactGone;
  }

  ids(): string[] {
    return this.calls.map(c => c.id);
  }
}

/** Resolves with the first event of `type` that matches. */
export function nextEvent<T extends RunEventType>(events: RunEvents, type: T, match: (e: Extract<RunEvent, { type: T }>) => boolean = () => true): Promise<Extract<RunEvent, { type: T }>> {
  return new Promise(resolve => {
    const off = events.on(type, e => {
      if (!match(e)) return;
      off();
      resolve(e);
    });
  });
}

/** A step that waits until the run is cancelled (or the test ends it), like a long deploy. */
export function hangs(): Script {
  return (_step, ctx) =>
    new Promise((_resolve, reject) => {
      const abort = () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
      if (ctx.signal.aborted) return abort();
      ctx.signal.addEventListener('abort', abort, { once: true });
    });
}

/** Starts engineChild (compiled .js, or .ts through tsx while developing) with arguments. */
export function spawnChild(args: string[]): ChildProcess {
  const ts = __filename.endsWith('.ts');
  const file = join(__dirname, ts ? 'engineChild.ts' : 'engineChild.js');
  const nodeArgs = ts ? ['-r', require.resolve('tsx/cjs'), file, ...args] : [file, ...args];
  return spawn(process.execPath, nodeArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The first stdout line of a child parsed as JSON (the child prints one when it is ready). */
export function firstJsonLine(child: ChildProcess, timeoutMs = 20_000): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`child said nothing in ${timeoutMs} ms; stderr: ${err}`)), timeoutMs);
    child.stderr?.on('data', d => (err += d));
    child.stdout?.on('data', d => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        try {
          resolve(JSON.parse(out.slice(0, nl)) as Record<string, string>);
        } catch {
          reject(new Error(`child printed ${out.slice(0, nl)}; stderr: ${err}`));
        }
      }
    });
    child.on('exit', code => {
      clearTimeout(timer);
      if (!out.includes('\n')) reject(new Error(`child exited with ${code} before printing; stderr: ${err}`));
    });
  });
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise(resolve => child.on('exit', code => resolve(code)));
}
