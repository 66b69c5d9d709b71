import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { StagecraftError } from '../errors';
import type { ArtifactRef, Service, Stack, Stage, SyntheticCheck } from '../model';
import type { Step } from './types';

export interface PlanOptions {
  commit: string;
  branch?: string;
  /** Only these stages (kept in the stack's order); all stages when absent. */
  stages?: string[];
  /** Promote an artifact that already exists: no source or build steps. */
  artifact?: ArtifactRef;
  /** Whether the service has a lint script; read from the stack folder's package.json when absent. */
  lint?: boolean;
  /** false: no migration steps (a rollback never runs a migration backwards). */
  migrate?: boolean;
}

/**
 * The ordered steps of a run, after the reference architecture: Source → Build (the artifact
 * once, then unit tests, secret scan, code quality, SBOM, dependency audit) → each stage in
 * promotion order (approval gate, migration, deploy, health, synthetic checks, promote).
 */
export function planRun(stack: Stack, options: PlanOptions): Step[] {
  const stages = selectStages(stack, options.stages);
  const steps: Step[] = [];
  if (!options.artifact) {
    steps.push({ id: 'source', kind: 'source', group: 'source', label: 'Source' });
    const build = (kind: Step['kind'], label: string) => steps.push({ id: `build:${kind}`, kind, group: 'build', label });
    build('artifact', 'Build artifact');
    build('unit-tests', 'Unit tests');
    build('secret-scan', 'Secret scan');
    if (options.lint ?? hasLintScript(stack.root)) build('code-quality', 'Code quality (lint)');
    build('sbom', 'SBOM');
    build('audit', 'Dependency audit');
  }
  for (const stage of stages) steps.push(...stageSteps(options.migrate === false ? { ...stack.service, migrate: undefined } : stack.service, stage));
  return steps;
}

function stageSteps(service: Service, stage: Stage): Step[] {
  const step = (kind: Step['kind'], what: string, extra: Partial<Step> = {}): Step => ({
    id: `stage:${stage.name}:${kind}`,
    kind,
    group: 'stage',
    stage: stage.name,
    label: `${stage.name}: ${what}`,
    ...extra,
  });
  const steps: Step[] = [];
  if (stage.requireApproval) steps.push(step('approval', 'approval'));
  if (service.migrate) steps.push(step('migrate', 'database migration', { command: service.migrate }));
  steps.push(
    step('deploy', 'deploy'),
    step('health', 'health check', { healthPath: service.healthCheck }),
    step('synthetic', 'synthetic checks', { checks: syntheticChecks(service) }),
    step('promote', 'promote (switch traffic)'),
  );
  return steps;
}

/** The service's declared checks, or a GET of its health path expecting 200. */
export function syntheticChecks(service: Service): SyntheticCheck[] {
  if (service.checks && service.checks.length > 0) return service.checks;
  return [{ path: service.healthCheck, method: 'GET' }];
}

function selectStages(stack: Stack, names: string[] | undefined): Stage[] {
  if (!names) return stack.stages;
  for (const name of names) {
    if (!stack.stages.some(s => s.name === name)) {
      throw new StagecraftError(`Stack "${stack.name}" has no stage "${name}".`, {
        kind: 'input',
        hint: stack.stages.length ? `Its stages are: ${stack.stages.map(s => s.name).join(', ')}.` : 'Add a stage first: `stagecraft stage add NAME`.',
      });
    }
  }
  return stack.stages.filter(s => names.includes(s.name));
}

/** True when the package.json next to stagecraft.yaml declares a `lint` script. */
export function hasLintScript(root: string): boolean {
  try {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts?: Record<string, unknown> };
    return typeof pkg.scripts?.lint === 'string';
  } catch {
    return false;
  }
}
