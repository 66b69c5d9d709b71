import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { commitsBetween } from '../../git/commitRange';
import { orderedChanges } from '../deployReview';
import { runAttempts } from '../ledger/build';
import type { Stack, Stage } from '../model';
import { StagecraftError } from '../errors';
import { findPendingApproval, pendingApprovalsOf } from '../pipeline/approvals';
import { listRuns, readRun, runDir } from '../pipeline/store';
import type { RunRecord, StepKind } from '../pipeline/types';
import type { DeployReview, Provider } from '../provider';
import type { ProviderLookup } from '../providerModule';
import { redactor } from '../redact';
import { readStageState } from '../stageState';
import { stageConfigDiff } from './configDiff';

/** The checks of a run that an approver weighs (the build's own step is not a check). */
const CHECK_KINDS: StepKind[] = ['unit-tests', 'secret-scan', 'code-quality', 'sbom', 'audit'];
/** Enough to read; the rest is one `git log` away (the evidence says how many were left out). */
const COMMIT_LIMIT = 50;
const COMPONENT_LIMIT = 100;

/**
 * Everything an approver is shown before promoting a run to a stage, as plain data: the editor's
 * review panel and `stagecraft approve` render it, and the decision records its digest. It holds
 * no clock time of its own, so the same state gives the same evidence (and digest) everywhere.
 */
export interface ApprovalEvidence {
  version: 1;
  stack: string;
  stage: string;
  runId: string;
  /** The wait this evidence answers: a digest is never valid for another request. */
  requestId: string;
  candidate: { commit: string; artifact?: string; branch?: string };
  /** What the stage runs now (nothing when it never ran a version). */
  running: { commit?: string; artifact?: string; since?: string };
  commits: {
    list: { hash: string; subject: string; author: string; date: string }[];
    /** More commits than listed are in the range. */
    truncated: boolean;
    /** Commits the stage runs that the candidate lacks (a step back, another branch). */
    behind: number;
    note?: string;
  };
  /** How stagecraft.yaml configures the stage differently from the one before it (secrets by name). */
  config: { from?: string; changes: string[] };
  /** What the deploy will change (AWS: the change set), when the provider could say before deploying. */
  changeSet?: {
    summary: string;
    changes: { resource: string; type: string; kind: string; scope: string[] }[];
    /** The provider could not say in time (or at all): why. The summary then reads "change set not available: <why>". */
    unavailable?: string;
  };
  /** The run's checks as recorded. */
  checks: { kind: StepKind; label: string; status: string; summary?: string }[];
  /** The SBOM of the candidate against the one of the release the stage runs. */
  sbom?: { components: number; comparedWith?: string; added: string[]; addedTotal: number };
  /** Approvals the candidate commit already got at the stages before this one (the ledger). */
  approvals: { stage: string; decision: string; by?: string; at?: string; comment?: string; runId: string }[];
}

export interface EvidenceOptions {
  /** The request to review: its run; else the newest run waiting at `stage`. */
  runId?: string;
  /** AWS: the change set the deploy would apply (from the provider); absent: asked of `providers`. */
  changeSet?: DeployReview;
  /** The stage's provider is asked what the deploy would change, when it can say (previewChanges). */
  providers?: ProviderLookup;
  /** How long that may take before the evidence says it is not available (60 s). */
  previewTimeoutMs?: number;
  signal?: AbortSignal;
}

const PREVIEW_TIMEOUT_MS = 60_000;

/**
 * Builds the evidence for the promotion a Stagecraft run waits for at `stage` of `stack`; undefined
 * when no run waits there (a provider's own pipeline may: it has no run record to show).
 */
export async function buildEvidence(stack: Stack, stage: string, options: EvidenceOptions = {}): Promise<ApprovalEvidence | undefined> {
  const run = await waitingRun(stack.root, stage, options.runId);
  if (!run) return undefined;
  const pending = pendingApprovalsOf(run).find(p => p.stage === stage);
  if (!pending) throw new StagecraftError(`Run ${run.id} is not waiting for an approval of ${stage} (it is ${run.status}).`, { kind: 'input' });
  const target = stack.stages.find(s => s.name === stage);
  const source = target && target.index > 0 ? stack.stages[target.index - 1] : undefined;
  const running = await readStageState(stack.root, stage);
  const range = await commitsBetween(stack.root, running.commit, run.commit, COMMIT_LIMIT);
  const runs = await listRuns(stack.root, { limit: 200 }).catch(() => [] as RunRecord[]);

  const evidence: ApprovalEvidence = {
    version: 1,
    stack: stack.name,
    stage,
    runId: run.id,
    requestId: pending.requestId,
    candidate: { commit: run.commit, artifact: run.artifact?.id, branch: run.branch },
    running: { commit: running.commit, artifact: running.artifact, since: running.commit ? running.updatedAt : undefined },
    commits: {
      list: range.commits.map(c => ({ hash: c.hash, subject: c.subject, author: c.author, date: c.date })),
      truncated: range.truncated,
      behind: range.behind,
      note: range.note,
    },
    config: { from: source?.name, changes: source && target ? stageConfigDiff(source, target) : [] },
    changeSet: await changeSetOf(stack, target, run, options),
    checks: run.steps.filter(s => CHECK_KINDS.includes(s.kind)).map(s => ({ kind: s.kind, label: s.label, status: s.status, summary: s.summary })),
    sbom: await sbomDelta(stack.root, run, runs, running.commit),
    approvals: earlierApprovals(stack, stage, run.commit, runs),
  };
  // Summaries and comments come from processes and people: nothing secret-like leaves here.
  return JSON.parse(redactor.redact(JSON.stringify(evidence))) as ApprovalEvidence;
}

/**
 * The change set the evidence shows: the one given, else the provider's preview of the run's
 * artifact on the stage, bounded in time. A failure is said, never thrown: an approval must not
 * wait on AWS.
 */
async function changeSetOf(stack: Stack, target: Stage | undefined, run: RunRecord, options: EvidenceOptions): Promise<ApprovalEvidence['changeSet']> {
  const shown = (review: DeployReview) => ({
    summary: review.summary,
    changes: orderedChanges(review).map(c => ({ resource: c.resource, type: c.type, kind: c.kind, scope: [...c.scope] })),
  });
  if (options.changeSet) return shown(options.changeSet);
  if (!options.providers || !target) return undefined;
  let provider: Provider;
  try {
    provider = await options.providers.get(target.provider, `Review the promotion to ${target.name}`);
  } catch {
    return undefined;
  }
  if (!provider.previewChanges) return undefined;
  const unavailable = (reason: string) => ({ summary: `change set not available: ${reason}`, changes: [], unavailable: reason });
  if (!run.artifact) return unavailable(`run ${run.id} has no artifact yet`);
  const limit = options.previewTimeoutMs ?? PREVIEW_TIMEOUT_MS;
  const controller = new AbortController();
  const stop = () => controller.abort();
  options.signal?.addEventListener('abort', stop, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`no answer within ${limit >= 1000 ? `${Math.round(limit / 1000)} s` : `${limit} ms`}`));
    }, limit);
  });
  try {
    // The race also ends a provider that does not heed the signal.
    return shown(await Promise.race([provider.previewChanges(stack, target, run.artifact, { signal: controller.signal }), timedOut]));
  } catch (err) {
    if (options.signal?.aborted) throw err;
    return unavailable((err as Error).message);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', stop);
  }
}

/** The run waiting at `stage`: a live one before an interrupted one, as the decision picks it. */
async function waitingRun(root: string, stage: string, runId: string | undefined): Promise<RunRecord | undefined> {
  if (runId) return readRun(root, runId);
  const pending = await findPendingApproval(root, stage);
  return pending && readRun(root, pending.runId);
}

function earlierApprovals(stack: Stack, stage: string, commit: string, runs: RunRecord[]): ApprovalEvidence['approvals'] {
  const index = stack.stages.find(s => s.name === stage)?.index ?? Infinity;
  const before = new Set(stack.stages.filter(s => s.index < index).map(s => s.name));
  const out: ApprovalEvidence['approvals'] = [];
  const seen = new Set<string>();
  // Newest run first: the latest decision at each earlier stage.
  for (const share of runs.map(runAttempts)) {
    for (const { commit: c, attempt } of share.items) {
      if (c !== commit || !before.has(attempt.stage) || seen.has(attempt.stage)) continue;
      const a = attempt.approval;
      if (!a || a.decision === 'waiting') continue;
      seen.add(attempt.stage);
      out.push({ stage: attempt.stage, decision: a.decision, by: a.by, at: a.at, comment: a.comment, runId: share.runId });
    }
  }
  return out.sort((a, b) => (stack.stages.find(s => s.name === a.stage)?.index ?? 0) - (stack.stages.find(s => s.name === b.stage)?.index ?? 0));
}

/** Components of the candidate's SBOM that the running release's SBOM does not list. */
async function sbomDelta(root: string, run: RunRecord, runs: RunRecord[], runningCommit: string | undefined): Promise<ApprovalEvidence['sbom']> {
  const mine = await components(root, run.id);
  if (!mine) return undefined;
  let theirs: Set<string> | undefined;
  let comparedWith: string | undefined;
  if (runningCommit) {
    for (const r of runs.filter(r => r.commit === runningCommit && r.id !== run.id)) {
      theirs = await components(root, r.id);
      if (theirs) {
        comparedWith = r.id;
        break;
      }
    }
  }
  const added = theirs ? [...mine].filter(c => !theirs.has(c)).sort() : [];
  return { components: mine.size, comparedWith, added: added.slice(0, COMPONENT_LIMIT), addedTotal: added.length };
}

/** `name@version` of each component of a run's CycloneDX SBOM, or undefined when it has none. */
async function components(root: string, runId: string): Promise<Set<string> | undefined> {
  try {
    const doc = JSON.parse(await fs.readFile(path.join(runDir(root, runId), 'sbom.cdx.json'), 'utf8')) as { components?: { name?: string; group?: string; version?: string }[] };
    return new Set((doc.components ?? []).map(c => `${c.group ? `${c.group}/` : ''}${c.name ?? '?'}@${c.version ?? '?'}`));
  } catch {
    return undefined;
  }
}
