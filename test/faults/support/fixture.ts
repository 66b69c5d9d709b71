import { spawn } from 'node:child_process';
import { CLI } from '../../unit/cli/support/cli';
import { CLI_ENV, ensureCliBuilt } from '../../unit/e2e/support/cli';
import { destroyStages } from '../../unit/e2e/support/cleanup';
import { SampleRepo } from '../../unit/e2e/support/sampleRepo';

/**
 * One repository and one built CLI for every fault suite (each suite uses its own stage of it),
 * so the artifact is built once and the suites stay short. Torn down by the root `after` below.
 */
export const FAULT_STAGES = ['locked', 'healing', 'edits'] as const;

const STACK_YAML = `# The fault suites' stack: one stage per suite.
stack: faults

service:
  dockerfile: Dockerfile
  port: 8080
  healthCheck: /health
  migrate: npm run migrate

stages:
  - name: locked
    provider: local

  - name: healing
    provider: local
    database: postgres

  - name: edits
    provider: local
    env:
      KEPT: "yes"   # a comment every edit must keep
`;

let shared: SampleRepo | undefined;

export function faultRepo(): SampleRepo {
  if (!shared) {
    ensureCliBuilt();
    shared = new SampleRepo({ stackYaml: STACK_YAML, keepTests: ['config.test.js'] });
  }
  return shared;
}

after(async function () {
  this.timeout(120_000);
  if (!shared) return;
  const problems = await destroyStages(shared.dir, [...FAULT_STAGES]);
  if (problems.length) console.log(`    cleanup: ${problems.join('\n    cleanup: ')}`);
  shared.remove();
  shared = undefined;
});

/** The CLI with `input` on its standard input (for `env set --secret`). */
export function cliWithInput(args: string[], cwd: string, input: string): Promise<{ code: number | null; output: string }> {
  return new Promise(resolve => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, ...CLI_ENV }, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.on('close', code => resolve({ code, output }));
    child.stdin.end(input);
  });
}
