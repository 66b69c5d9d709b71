import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { StagecraftError } from '../core/errors';
import { runShell, type RunResult } from '../core/exec';
import type { Stack, Stage } from '../core/model';
import type { ArtifactRef } from '../core/provider';
import { runDir, type RollbackContext, type Step, type StepContext, type StepExecutor, type StepOutcome } from '../core/pipeline';
import { stateDir } from '../core/workspace';
import { exportCommit, repoLocation } from '../git/archive';
import { readRepoFacts } from '../git/repo';
import { buildArtifact, loadArtifact, type BuiltArtifact } from './build';
import { ensureStageDatabase } from './database';
import { installNodeDependencies } from './dependencyCache';
import { checkHealth, openRuntime, runSyntheticChecks, startCandidate } from './stageDeployer';
import { stageEnvironment } from './stageEnv';

/**
 * Runs pipeline steps on this machine: the commit is exported as committed, built once into a
 * content-addressed artifact, checked (tests, secret scan, lint, SBOM, audit), and promoted
 * stage by stage through each stage's runtime (blue/green behind its proxy).
 */
export class LocalStepExecutor implements StepExecutor {
  constructor(private readonly stack: Stack) {}

  async execute(step: Step, ctx: StepContext): Promise<StepOutcome> {
    switch (step.kind) {
      case 'source':
        return this.source(ctx);
      case 'artifact':
        return this.artifact(ctx);
      case 'unit-tests':
        return this.packageScript(ctx, 'test', 'unit tests');
      case 'secret-scan':
        return this.secretScan(ctx);
      case 'code-quality':
        return this.packageScript(ctx, 'lint', 'code quality');
      case 'sbom':
        return this.sbom(ctx);
      case 'audit':
        return this.audit(ctx);
      case 'approval':
        // The engine holds approval gates itself.
        return { status: 'skipped', summary: 'handled by the engine' };
      case 'migrate':
        return this.migrate(step, ctx);
      case 'deploy':
        return this.deploy(step, ctx);
      case 'health':
        return checkHealth(this.stack, this.stage(step), this.candidateUrl(step, ctx), ctx);
      case 'synthetic':
        return runSyntheticChecks(this.stack, this.candidateUrl(step, ctx), ctx);
      case 'promote':
        return this.promote(step, ctx);
    }
  }

  async rollback(stage: Stage, ctx: RollbackContext): Promise<void> {
    const runtime = await openRuntime(this.stack, stage, ctx, false);
    if (!runtime) return;
    const status = await runtime.status();
    if (status.candidate) {
      await runtime.discardCandidate();
      ctx.log(`discarded the candidate ${status.candidate.commit.slice(0, 8)} (${ctx.reason})`);
    }
  }

  async artifactExists(artifact: ArtifactRef): Promise<boolean> {
    return loadArtifact(this.artifactsDir(), artifact.id).then(() => true, () => false);
  }

  private async source(ctx: StepContext): Promise<StepOutcome> {
    const facts = await readRepoFacts(this.stack.root);
    const dir = await this.sourceDir(ctx);
    const dirty = facts.commit === ctx.run.commit && facts.dirty;
    const summary = `commit ${ctx.run.commit.slice(0, 8)}${ctx.run.branch ? ` on ${ctx.run.branch}` : ''} exported to ${path.relative(this.stack.root, dir)}`;
    if (dirty) {
      return { status: 'warning', summary: `${summary}; the working tree has uncommitted changes, which this run does not include` };
    }
    return { status: 'succeeded', summary };
  }

  private async artifact(ctx: StepContext): Promise<StepOutcome> {
    const dir = await this.sourceDir(ctx);
    if (this.stack.service.build) {
      const result = await this.shell(this.stack.service.build, dir, ctx, process.env);
      if (result.code !== 0) return failed(`build command "${this.stack.service.build}" exited ${result.code}`, result);
    }
    const built = await buildArtifact({ root: dir, dockerfile: this.stack.service.dockerfile, commit: ctx.run.commit, artifactsDir: this.artifactsDir(), cacheDir: path.join(stateDir(this.stack.root), 'build-cache'), signal: ctx.signal, log: ctx.log });
    return {
      status: 'succeeded',
      summary: `${built.reused ? 'reused' : 'built'} artifact ${built.id.slice(0, 12)} (${built.manifest.runtime.binary} ${built.manifest.runtime.version})`,
      outputs: { artifact: built.id },
    };
  }

  private async packageScript(ctx: StepContext, script: string, what: string): Promise<StepOutcome> {
    const dir = await this.sourceDir(ctx);
    const pkg = await readPackageJson(dir);
    if (!pkg?.scripts?.[script]) return { status: 'skipped', summary: `no "${script}" script in package.json` };
    // `npm init` writes a test script that only fails: it means "no tests", not "tests fail".
    if (/Error: no test specified/.test(pkg.scripts[script])) return { status: 'skipped', summary: `the "${script}" script is npm init's placeholder ("no test specified")` };
    await this.installDependencies(dir, ctx);
    const result = await this.shell(`npm run --silent ${script}`, dir, ctx, { ...process.env, CI: 'true' });
    if (result.code !== 0) return failed(`${what} failed: npm run ${script} exited ${result.code}`, result);
    return { status: 'succeeded', summary: `${what} passed (npm run ${script}, ${(result.durationMs / 1000).toFixed(1)} s)` };
  }

  private async secretScan(ctx: StepContext): Promise<StepOutcome> {
    const dir = await this.sourceDir(ctx);
    const { scanPaths } = await import('../core/scan/sources.js');
    // The export is the commit's files exactly, so every file in it is scanned. (Asking git which
    // files to scan would list none: the export sits under .stagecraft/, which the repository ignores.)
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
    const dir = await this.sourceDir(ctx);
    if (!(await readPackageJson(dir))) return { status: 'skipped', summary: 'not a Node service (no package.json): no SBOM generator for it' };
    const lockOnly = await exists(path.join(dir, 'package-lock.json'));
    const result = await this.shell(`npm sbom --sbom-format cyclonedx${lockOnly ? ' --package-lock-only' : ''}`, dir, ctx, process.env, { quiet: true });
    if (result.code !== 0) return failed(`npm sbom exited ${result.code}`, result);
    const target = path.join(runDir(this.stack.root, ctx.run.id), 'sbom.cdx.json');
    await fs.writeFile(target, result.stdout ?? '');
    const components = countComponents(result.stdout ?? '');
    return { status: 'succeeded', summary: `CycloneDX SBOM with ${components} components: ${path.relative(this.stack.root, target)}` };
  }

  private async audit(ctx: StepContext): Promise<StepOutcome> {
    const dir = await this.sourceDir(ctx);
    if (!(await exists(path.join(dir, 'package-lock.json')))) {
      return { status: (await readPackageJson(dir)) ? 'warning' : 'skipped', summary: 'no package-lock.json: dependencies not audited' };
    }
    const result = await this.shell('npm audit --json --omit=dev', dir, ctx, { ...process.env, npm_config_audit: 'true' }, { quiet: true });
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

  private async migrate(step: Step, ctx: StepContext): Promise<StepOutcome> {
    const stage = this.stage(step);
    const artifact = await this.builtArtifact(ctx);
    if (stage.database === 'postgres') await ensureStageDatabase(this.stack.root, stage.name, { signal: ctx.signal, log: ctx.log });
    const env = await stageEnvironment(this.stack, stage, artifact.manifest.env, ctx.run.commit);
    const command = step.command ?? this.stack.service.migrate!;
    const result = await this.shell(command, artifact.appDir, ctx, { PATH: process.env.PATH, HOME: process.env.HOME, ...env });
    if (result.code !== 0) return failed(`migration "${command}" exited ${result.code} on ${stage.name}`, result);
    return { status: 'succeeded', summary: `migration "${command}" done` };
  }

  private async deploy(step: Step, ctx: StepContext): Promise<StepOutcome> {
    const stage = this.stage(step);
    const artifact = await this.builtArtifact(ctx);
    const candidate = await startCandidate(this.stack, stage, artifact, ctx.run.commit, ctx);
    const outputs: Record<string, string> = { url: candidate.url };
    if (candidate.previous) {
      outputs.previousCommit = candidate.previous.commit;
      outputs.previousArtifact = candidate.previous.artifactId;
    }
    const mode = candidate.version.mode === 'stop-then-start' ? ' (stop-then-start: the app ignores PORT)' : '';
    return { status: 'succeeded', summary: `candidate ${ctx.run.commit.slice(0, 8)} running on ${candidate.url}${mode}`, outputs };
  }

  private async promote(step: Step, ctx: StepContext): Promise<StepOutcome> {
    const stage = this.stage(step);
    const runtime = await openRuntime(this.stack, stage, ctx, false);
    if (!runtime) throw new StagecraftError(`Stage "${stage.name}" has no running runtime to switch; deploy it again.`);
    await runtime.promoteCandidate();
    const status = await runtime.status();
    return { status: 'succeeded', summary: `${stage.name} now serves ${ctx.run.commit.slice(0, 8)} at ${status.url}`, outputs: status.url ? { url: status.url } : undefined };
  }

  private stage(step: Step): Stage {
    const stage = this.stack.stages.find(s => s.name === step.stage);
    if (!stage) throw new StagecraftError(`Step ${step.id} names stage "${step.stage}", which stagecraft.yaml no longer has.`, { kind: 'input' });
    return stage;
  }

  private candidateUrl(step: Step, ctx: StepContext): string {
    const url = ctx.stageOutputs.url;
    if (!url) throw new StagecraftError(`Step ${step.id}: no candidate address from the deploy step; run the stage's deploy again.`);
    return url;
  }

  private artifactsDir(): string {
    return path.join(stateDir(this.stack.root), 'artifacts');
  }

  private async builtArtifact(ctx: StepContext): Promise<BuiltArtifact> {
    if (!ctx.artifact) throw new StagecraftError('No artifact for this run: the build step did not run or did not record it.');
    return loadArtifact(this.artifactsDir(), ctx.artifact.id);
  }

  /** The commit's files as committed, under `.stagecraft/sources/<commit>`, exported once. */
  private async sourceDir(ctx: StepContext): Promise<string> {
    const { top, subdir } = await repoLocation(this.stack.root);
    return exportCommit(top, ctx.run.commit, subdir, path.join(stateDir(this.stack.root), 'sources', ctx.run.commit), ctx.signal);
  }

  private async installDependencies(dir: string, ctx: StepContext): Promise<void> {
    await installNodeDependencies(dir, path.join(stateDir(this.stack.root), 'deps'), {
      run: (command, cwd) => this.shell(command, cwd, ctx, process.env),
      log: ctx.log,
    });
  }

  /** Runs a command for a step; `quiet` keeps machine-readable stdout out of the run log and returns it whole. */
  private shell(command: string, cwd: string, ctx: StepContext, env: NodeJS.ProcessEnv, opts: { quiet?: boolean } = {}): Promise<RunResult> {
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
}

function failed(summary: string, result: RunResult): StepOutcome {
  const tail = result.output.trim().split('\n').slice(-5).join(' | ');
  return { status: 'failed', summary: tail ? `${summary}: ${tail}` : summary };
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
