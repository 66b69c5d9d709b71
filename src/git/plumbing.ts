import { spawn } from 'node:child_process';
import { StagecraftError } from '../core/errors';

/**
 * Runs one git plumbing command and returns its raw stdout. Raw, because the outputs read here
 * are NUL-separated path lists and blob contents, which line-based runners would mangle.
 */
export function gitBytes(cwd: string, args: string[], options: { signal?: AbortSignal; input?: Buffer | string } = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(StagecraftError.cancelled(`git ${args[0]}`));
      return;
    }
    const child = spawn('git', args, { cwd, stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], signal: options.signal });
    const out: Buffer[] = [];
    let err = '';
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => (err += b.toString('utf8')));
    child.on('error', e => {
      if (options.signal?.aborted) reject(StagecraftError.cancelled(`git ${args[0]}`));
      else reject(new StagecraftError(`Could not run git ${args[0]}: ${e.message}`, { cause: e, hint: 'Is git installed and on PATH?' }));
    });
    child.on('close', code => {
      if (options.signal?.aborted) reject(StagecraftError.cancelled(`git ${args[0]}`));
      else if (code === 0) resolve(Buffer.concat(out));
      else reject(new GitError(`git ${args.join(' ')} failed in ${cwd}: ${err.trim() || `exit ${code}`}`, code ?? -1));
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

export class GitError extends StagecraftError {
  constructor(message: string, readonly exitCode: number) {
    super(message, { kind: 'failure' });
  }
}

export async function gitText(cwd: string, args: string[], signal?: AbortSignal): Promise<string> {
  return (await gitBytes(cwd, args, { signal })).toString('utf8');
}

/** Splits `-z` output into its entries. */
export function splitNul(output: Buffer | string): string[] {
  const text = typeof output === 'string' ? output : output.toString('utf8');
  return text.split('\0').filter(s => s.length > 0);
}
