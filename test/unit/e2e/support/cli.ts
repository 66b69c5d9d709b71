import { spawn, type ChildProcess } from 'node:child_process';
import { CLI, ensureCliBuilt } from '../../cli/support/cli';

export { ensureCliBuilt };

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved as they came, for assertion messages. */
  output: string;
}

/**
 * Settings every CLI process of the suite gets: a short health timeout keeps "never healthy" tests
 * short; ELECTRON_RUN_AS_NODE lets the integration suite run the CLI with VS Code's own binary.
 */
export const CLI_ENV: NodeJS.ProcessEnv = { NO_COLOR: '1', STAGECRAFT_HEALTH_TIMEOUT_MS: '4000', ELECTRON_RUN_AS_NODE: '1' };

/**
 * `node dist/cli.js …` as a child process whose output can be waited on line by line, killed, and
 * awaited. The real CLI, the way a person or CI runs it.
 */
export class CliProcess {
  readonly child: ChildProcess;
  readonly done: Promise<CliResult>;
  private stdout = '';
  private stderr = '';
  private output = '';
  private waiters: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];

  constructor(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, ...CLI_ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => this.take(d, 'stdout'));
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => this.take(d, 'stderr'));
    this.done = new Promise(resolve => {
      this.child.on('close', (code, signal) => {
        for (const w of this.waiters.splice(0)) w.resolve(null as unknown as RegExpMatchArray);
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr, output: this.output });
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  get text(): string {
    return this.output;
  }

  /** Resolves with the first match of `pattern` in the output so far or to come; rejects on exit or timeout. */
  async waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    const now = this.output.match(pattern);
    if (now) return now;
    let timer: NodeJS.Timeout | undefined;
    const found = await Promise.race([
      new Promise<RegExpMatchArray>(resolve => this.waiters.push({ pattern, resolve })),
      new Promise<undefined>(resolve => (timer = setTimeout(() => resolve(undefined), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (!found) {
      const why = this.child.exitCode !== null || this.child.signalCode !== null ? 'the CLI exited first' : `not within ${timeoutMs} ms`;
      throw new Error(`Waited for ${pattern} in the output of the CLI, ${why}. Output so far:\n${this.output}`);
    }
    return found;
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }

  private take(data: string, stream: 'stdout' | 'stderr'): void {
    if (stream === 'stdout') this.stdout += data;
    else this.stderr += data;
    this.output += data;
    this.waiters = this.waiters.filter(w => {
      const m = this.output.match(w.pattern);
      if (m) w.resolve(m);
      return !m;
    });
  }
}

/** Runs the CLI to the end. */
export function cli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new CliProcess(args, cwd, env).done;
}

/** Runs the CLI and fails with its whole output unless it exits with `expected`. */
export async function cliOk(args: string[], cwd: string, expected = 0): Promise<CliResult> {
  const result = await cli(args, cwd);
  if (result.code !== expected) throw new Error(`stagecraft ${args.join(' ')} exited ${result.code ?? result.signal} (expected ${expected}):\n${result.output}`);
  return result;
}

export interface StageView {
  name: string;
  status: string;
  commit: string | null;
  url: string | null;
}

/** `stagecraft status --json`: each stage's state, commit and URL. */
export async function stageStatus(cwd: string): Promise<Record<string, StageView>> {
  const result = await cliOk(['status', '--json'], cwd);
  const parsed = JSON.parse(result.stdout) as { stages: StageView[] };
  return Object.fromEntries(parsed.stages.map(s => [s.name, s]));
}

/** The stage's URL from `stagecraft status --json`; fails when the stage has none. */
export async function stageUrl(cwd: string, stage: string): Promise<string> {
  const view = (await stageStatus(cwd))[stage];
  if (!view?.url) throw new Error(`stagecraft status shows no URL for stage ${stage}: ${JSON.stringify(view)}`);
  return view.url;
}

export interface RunView {
  id: string;
  status: string;
  commit: string;
  stages: string[];
  outcome: string | null;
}

/** `stagecraft pipeline list --json`, newest first. */
export async function listRuns(cwd: string): Promise<RunView[]> {
  const result = await cliOk(['pipeline', 'list', '--json'], cwd);
  return JSON.parse(result.stdout) as RunView[];
}
