import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { exportCommit, repoLocation } from '../../git/archive';
import { readRepoFacts } from '../../git/repo';
import { runShell, type RunResult } from '../exec';
import type { Stack } from '../model';
import { stateDir } from '../workspace';
import { installNodeDependencies } from './dependencyCache';
import { runDir } from './store';
import type { RollbackContext, Step, StepContext, StepExecutor, StepKind, StepOutcome } from './types';

/** The steps that check the committed source: the same for every provider. */
export const SOURCE_CHECK_KINDS: ReadonlySet<StepKind> = new Set<StepKind>(['source', 'unit-tests', 'secret-scan', 'code-quality', 'sbom', 'audit']);

/**
 * A run's executor: the source checks (export, tests, secret scan, lint, SBOM, audit) run here,
 * on the commit exported as committed, whatever the stages' provider; approvals are the
 * engine's; everything else (artifact, migrate, deploy, health, promote, rollback) is the
 * provider's.
 */
export function runExecutor(stack: Stack, provider: StepExecutor): StepExecutor {
  const checks = new SourceChecks(stack);
  return {
    execute: (step, ctx) => {
      if (SOURCE_CHECK_KINDS.has(step.kind)) return checks.execute(step, ctx);
      if (step.kind === 'approval') return Promise.resolve({ status: 'skipped', summary: 'handled by the engine' });
      return provider.execute(step, ctx);
    },
    rollback: provider.rollback ? (stage, ctx: RollbackContext) => provider.rollback!(stage, ctx) : undefined,
    artifactExists: provider.artifactExists ? artifact => provider.artifactExists!(artifact) : undefined,
    runFinished: provider.runFinished ? run => provider.runFinished!(run) : undefined,
    readSecret: provider.readSecret ? (stage, name) => provider.readSecret!(stage, name) : undefined,
  };
}

/** The commit's files as committed, under `<state folder>/sources/<commit>`, exported once (retention removes it after the run). */
export async function exportedSource(stack: Stack, ctx: Pick<StepContext, 'run' | 'signal'>): Promise<string> {
  const { top, subdir } = await repoLocation(stack.root);
  return exportCommit(top, ctx.run.commit, subdir, path.join(stateDir(stack.root), 'sources', ctx.run.commit), ctx.signal);
}

/** Runs a command for a step; `quiet` keeps machine-readable stdout out of the run log and returns it whole. */
export function stepShell(command: string, cwd: string, ctx: Pick<StepContext, 'log' | 'signal'>, env: NodeJS.ProcessEnv, opts: { quiet?: boolean } = {}): Promise<RunResult> {
  ctx.log(`$ ${command}`);
  return runShell(command, {
    cwd,
    env,
    signal: ctx.signal,
    captureStdout: opts.quiet,
    onLine: (line, stream) => {
      if (!opts.quiet || stream === 'stderr') ctx.log(line);
    },
  });
}

/** A failed step's outcome with the last lines of what the command printed. */
export function failedOutcome(summary: string, result: RunResult): StepOutcome {
  const tail = result.output.trim().split('\n').slice(-5).join(' | ');
  return { status: 'failed', summary: tail ? `${summary}: ${tail}` : summary };
}

class SourceChecks {
  constructor(private readonly stack: Stack) {}

  execute(step: Step, ctx: StepContext): Promise<StepOutcome> {
    switch (step.kind) {
      case 'source':
        return this.source(ctx);
      case 'unit-tests':
        return this.packageScript(ctx, 'test', 'unit tests');
      case 'secret-scan':
        return this.secretScan(ctx);
      case 'code-quality':
        return this.packageScript(ctx, 'lint', 'code quality');
      case 'sbom':
        return this.sbom(ctx);
      default:
        return this.audit(ctx);
    }
  }

  private async source(ctx: StepContext): Promise<StepOutcome> {
    const facts = await readRepoFacts(this.stack.root);
    const dir = await exportedSource(this.stack, ctx);
    const dirty = facts.commit === ctx.run.commit && facts.dirty;
    const summary = `commit ${ctx.run.commit.slice(0, 8)}${ctx.run.branch ? ` on ${ctx.run.branch}` : ''} exported to ${dir}`;
    if (dirty) {
      return { status: 'warning', summary: `${summary}; the working tree has uncommitted changes, which this run does not include` };
    }
    return { status: 'succeeded', summary };
  }

  private async packageScript(ctx: StepContext, script: string, what: string): Promise<StepOutcome> {
    const dir = await exportedSource(this.stack, ctx);
    const pkg = await readPackageJson(dir);
    if (!pkg?.scripts?.[script]) return { status: 'skipped', summary: `no "${script}" script in package.json` };
    // `npm init` writes a test script that only fails: it means "no tests", not "tests fail".
    if (/Error: no test specified/.test(pkg.scripts[script])) return { status: 'skipped', summary: `the "${script}" script is npm init's placeholder ("no test specified")` };
    await installNodeDependencies(dir, path.join(stateDir(this.stack.root), 'deps'), {
      run: (command, cwd) => stepShell(command, cwd, ctx, process.env),
      log: ctx.log,
    });
    const result = await stepShell(`npm run --silent ${script}`, dir, ctx, { ...process.env, CI: 'true' });
    if (result.code !== 0) return failedOutcome(`${what} failed: npm run ${script} exited ${result.code}`, result);
    return { status: 'succeeded', summary: `${what} passed (npm run ${script}, ${(result.durationMs / 1000).toFixed(1)} s)` };
  }

  private async secretScan(ctx: StepContext): Promise<StepOutcome> {
    const dir = await exportedSource(this.stack, ctx);
    // Required on first use: secretlint is heavy (and import() of .ts does not resolve in the tests).
    const { scanPaths } = require('../scan/sources') as typeof import('../scan/sources');
    // The export is the commit's files exactly, so every file in it is scanned. (Asking git which
    // files to scan would list none: the export sits in the state folder, outside the repository.)
    const files = await exportedFiles(dir);
    const report = await scanPaths(dir, files, { signal: ctx.signal });
    const findings = report.findings;
    if (findings.length === 0) {
      if (report.scanned === 0) return { status: 'warning', summary: `NOT scanned: no file of commit ${ctx.run.commit.slice(0, 8)} could be read (${files.length} listed)` };
      return { status: 'succeeded', summary: `no secrets in ${report.scanned} files` };
    }
    for (const f of findings) ctx.log(`${f.file}:${f.line}:${f.column} ${f.ruleId}: ${f.message}`);
    return { status: 'failed', summary: `${findings.length} secret${findings.length === 1 ? '' : 's'} found (see the log); move them to stage secrets` };
  }

  private async sbom(ctx: StepContext): Promise<StepOutcome> {
    const dir = await exportedSource(this.stack, ctx);
    if (!(await readPackageJson(dir))) return { status: 'skipped', summary: 'not a Node service (no package.json): no SBOM generator for it' };
    const lockOnly = await exists(path.join(dir, 'package-lock.json'));
    const result = await stepShell(`npm sbom --sbom-format cyclonedx${lockOnly ? ' --package-lock-only' : ''}`, dir, ctx, process.env, { quiet: true });
    if (result.code !== 0) return failedOutcome(`npm sbom exited ${result.code}`, result);
    const target = path.join(runDir(this.stack.root, ctx.run.id), 'sbom.cdx.json');
    await fs.writeFile(target, result.stdout ?? '');
    const components = countComponents(result.stdout ?? '');
    return { status: 'succeeded', summary: `CycloneDX SBOM with ${components} components: ${target}` };
  }

  private async audit(ctx: StepContext): Promise<StepOutcome> {
    const dir = await exportedSource(this.stack, ctx);
    if (!(await exists(path.join(dir, 'package-lock.json')))) {
      return { status: (await readPackageJson(dir)) ? 'warning' : 'skipped', summary: 'no package-lock.json: dependencies not audited' };
    }
    const result = await stepShell('npm audit --json --omit=dev', dir, ctx, { ...process.env, npm_config_audit: 'true' }, { quiet: true });
    const report = parseAudit(result.stdout ?? '');
    if (!report) {
      const why = auditError(result.stdout ?? '') ?? `npm audit exited ${result.code}`;
      return { status: 'warning', summary: `dependencies NOT audited: the advisory service could not be used (${why})` };
    }
    const { critical, high, moderate, low } = report;
    const counts = `${critical} critical, ${high} high, ${moderate} moderate, ${low} low`;
    if (critical > 0) return { status: 'failed', summary: `dependency audit: ${counts}; fix the critical ones (npm audit fix)` };
    if (high > 0) return { status: 'warning', summary: `dependency audit: ${counts}` };
    return { status: 'succeeded', summary: `dependency audit: ${counts}` };
  }
}

/** The files of an exported commit, relative to it; node_modules installed for the checks is not the commit's. */
async function exportedFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== '.git') out.push(...(await exportedFiles(dir, rel)));
    } else if (entry.isFile() && rel !== EXPORT_MARKER) {
      out.push(rel);
    }
  }
  return out;
}

/** Written by exportCommit when an export is complete; not part of the commit. */
const EXPORT_MARKER = '.stagecraft-export-complete';

async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(() => true, () => false);
}

async function readPackageJson(dir: string): Promise<{ scripts?: Record<string, string> } | undefined> {
  try {
    return JSON.parse(await fs.readFile(path.join(dir, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  } catch {
    return undefined;
  }
}

function countComponents(json: string): number {
  try {
    return ((JSON.parse(json) as { components?: unknown[] }).components ?? []).length;
  } catch {
    return 0;
  }
}

/** The vulnerability counts of `npm audit --json`, or undefined when it did not produce a report. */
export function parseAudit(output: string): { critical: number; high: number; moderate: number; low: number } | undefined {
  try {
    const parsed = JSON.parse(output) as { metadata?: { vulnerabilities?: Record<string, number> }; error?: unknown };
    const v = parsed.metadata?.vulnerabilities;
    if (parsed.error || !v) return undefined;
    return { critical: v.critical ?? 0, high: v.high ?? 0, moderate: v.moderate ?? 0, low: v.low ?? 0 };
  } catch {
    return undefined;
  }
}

/** The reason npm gives when `npm audit --json` fails (it prints a JSON error object). */
function auditError(output: string): string | undefined {
  try {
    const parsed = JSON.parse(output) as { message?: string; error?: { summary?: string } };
    return parsed.message ?? parsed.error?.summary;
  } catch {
    return undefined;
  }
}
