import { spawn } from 'node:child_process';

export interface CfnLintMatch {
  Filename: string;
  Level: 'Error' | 'Warning' | 'Informational';
  Message: string;
  Rule: { Id: string };
  Location: { Start: { LineNumber: number; ColumnNumber: number } };
}

export class CfnLintMissing extends Error {}

/**
 * Runs AWS's cfn-lint once over all `files` (its start-up is slow, so one process for all).
 * cfn-lint exits non-zero when it finds anything; its JSON on stdout is the answer.
 */
export function cfnLint(files: string[], extraArgs: string[] = []): Promise<CfnLintMatch[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('cfn-lint', ['--format', 'json', ...extraArgs, '--', ...files], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', e =>
      reject((e as NodeJS.ErrnoException).code === 'ENOENT' ? new CfnLintMissing('cfn-lint is not installed: `pip install cfn-lint` (AWS CloudFormation Linter) and run the tests again') : e),
    );
    child.on('close', code => {
      try {
        resolve(out.trim() ? (JSON.parse(out) as CfnLintMatch[]) : []);
      } catch {
        reject(new Error(`cfn-lint exited ${code} without JSON output: ${err || out}`));
      }
    });
  });
}
