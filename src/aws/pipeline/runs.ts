import { randomUUID } from 'node:crypto';
import type { ActionExecutionDetail, PipelineExecutionSummary } from '@aws-sdk/client-codepipeline';
import { StagecraftError } from '../../core/errors';
import type { AwsClients } from '../clients';
import { sleep } from '../wait';
import { pendingApprovals, type PendingPipelineApproval } from './approvals';
import { PIPELINE, stageOfPipelineStage } from './template';

export type ExecutionStatus = 'InProgress' | 'Stopping' | 'Stopped' | 'Succeeded' | 'Superseded' | 'Failed' | 'Cancelled' | string;

const ACTIVE = new Set(['InProgress', 'Stopping']);

export interface StartRunRequest {
  pipelineName: string;
  commit: string;
  /** The S3 object version of the uploaded snapshot; absent for a connection source (the commit pins it). */
  sourceVersionId?: string;
  label: string;
  signal?: AbortSignal;
}

/** Starts a run pinned to one source revision, with the commit as the run's CommitId variable. */
export async function startPipelineRun(clients: AwsClients, req: StartRunRequest): Promise<string> {
  const { StartPipelineExecutionCommand } = await import('@aws-sdk/client-codepipeline');
  const cp = await clients.codePipeline();
  const out = await clients.call(`${req.label}: start the pipeline ${req.pipelineName}`, req.signal, o =>
    cp.send(
      new StartPipelineExecutionCommand({
        name: req.pipelineName,
        clientRequestToken: randomUUID(),
        variables: [{ name: PIPELINE.commitVariable, value: req.commit }],
        sourceRevisions: [
          req.sourceVersionId
            ? { actionName: 'Source', revisionType: 'S3_OBJECT_VERSION_ID', revisionValue: req.sourceVersionId }
            : { actionName: 'Source', revisionType: 'COMMIT_ID', revisionValue: req.commit },
        ],
      }),
      o,
    ),
  );
  if (!out.pipelineExecutionId) throw new StagecraftError(`${req.label}: CodePipeline started no run (no execution id returned).`);
  return out.pipelineExecutionId;
}

/** The runs still going (InProgress or Stopping), newest first: one call, and nothing else when idle. */
export async function activeRuns(clients: AwsClients, pipelineName: string, signal?: AbortSignal): Promise<PipelineExecutionSummary[]> {
  const { ListPipelineExecutionsCommand } = await import('@aws-sdk/client-codepipeline');
  const cp = await clients.codePipeline();
  const out = await clients.call(`List runs of ${pipelineName}`, signal, o => cp.send(new ListPipelineExecutionsCommand({ pipelineName, maxResults: 10 }), o));
  return (out.pipelineExecutionSummaries ?? []).filter(e => ACTIVE.has(e.status ?? ''));
}

/** One line of a run's progress, as the output channel shows it. */
export interface RunLine {
  time: Date;
  /** "Deploy-prod/Deploy" */
  action: string;
  /** The Stagecraft stage, for actions of a Deploy-<stage> pipeline stage. */
  stage?: string;
  status: string;
  text: string;
}

export interface WatchRunRequest {
  pipelineName: string;
  executionId: string;
  label: string;
  onLine: (line: RunLine) => void;
  /** A manual approval of this run started waiting (once per approval). */
  onApproval?: (approval: PendingPipelineApproval) => void;
  signal?: AbortSignal;
  /** First polling interval; it grows ×1.5 up to `maxPollMs` while nothing changes, and drops back on news. */
  pollMs?: number;
  maxPollMs?: number;
}

export function actionLine(d: ActionExecutionDetail): RunLine {
  const action = `${d.stageName}/${d.actionName}`;
  const result = d.output?.executionResult;
  const detail = [result?.externalExecutionSummary, result?.errorDetails?.message].filter(Boolean).join(' — ');
  return {
    time: d.lastUpdateTime ?? d.startTime ?? new Date(),
    action,
    stage: stageOfPipelineStage(d.stageName),
    status: d.status ?? 'Unknown',
    text: `${action}: ${d.status}${detail ? ` — ${detail}` : ''}${result?.externalExecutionUrl && d.status === 'Failed' ? ` (${result.externalExecutionUrl})` : ''}`,
  };
}

/**
 * Follows one run until it ends: each action's status changes once each (ListActionExecutions),
 * the run's status (ListPipelineExecutions), and approvals as they start waiting
 * (GetPipelineState). Polls with backoff, and only while the run is active.
 */
export async function watchPipelineRun(clients: AwsClients, req: WatchRunRequest): Promise<ExecutionStatus> {
  const cpm = await import('@aws-sdk/client-codepipeline');
  const cp = await clients.codePipeline();
  const seen = new Set<string>();
  const approvalsSeen = new Set<string>();
  const base = req.pollMs ?? 2_000;
  const max = req.maxPollMs ?? 15_000;
  let wait = base;
  for (;;) {
    let news = false;
    let token: string | undefined;
    const details: ActionExecutionDetail[] = [];
    do {
      const page = await clients.call(`${req.label}: read the run's actions`, req.signal, o =>
        cp.send(new cpm.ListActionExecutionsCommand({ pipelineName: req.pipelineName, filter: { pipelineExecutionId: req.executionId }, nextToken: token }), o),
      );
      details.push(...(page.actionExecutionDetails ?? []));
      token = page.nextToken;
    } while (token);
    // Oldest first, so lines read in the order things happened.
    details.sort((a, b) => (a.startTime?.getTime() ?? 0) - (b.startTime?.getTime() ?? 0) || (a.lastUpdateTime?.getTime() ?? 0) - (b.lastUpdateTime?.getTime() ?? 0));
    for (const d of details) {
      const key = `${d.actionExecutionId}:${d.status}`;
      if (seen.has(key)) continue;
      seen.add(key);
      news = true;
      req.onLine(actionLine(d));
    }

    const status = await executionStatus(clients, cp, cpm, req);
    if (!ACTIVE.has(status)) return status;

    if (req.onApproval) {
      for (const a of await pendingApprovals(clients, req.pipelineName, req.signal)) {
        if (a.executionId && a.executionId !== req.executionId) continue;
        if (approvalsSeen.has(a.token)) continue;
        approvalsSeen.add(a.token);
        news = true;
        req.onApproval(a);
      }
    }
    wait = news ? base : Math.min(Math.round(wait * 1.5), max);
    await sleep(wait, req.signal);
  }
}

async function executionStatus(clients: AwsClients, cp: import('@aws-sdk/client-codepipeline').CodePipelineClient, cpm: typeof import('@aws-sdk/client-codepipeline'), req: WatchRunRequest): Promise<ExecutionStatus> {
  let token: string | undefined;
  let pages = 0;
  do {
    const out = await clients.call(`${req.label}: read the run's status`, req.signal, o => cp.send(new cpm.ListPipelineExecutionsCommand({ pipelineName: req.pipelineName, maxResults: 25, nextToken: token }), o));
    const mine = out.pipelineExecutionSummaries?.find(e => e.pipelineExecutionId === req.executionId);
    if (mine) return mine.status ?? 'Unknown';
    token = out.nextToken;
  } while (token && ++pages < 8);
  throw new StagecraftError(`${req.label}: run ${req.executionId} is not among the recent runs of ${req.pipelineName}.`, { hint: 'Open the pipeline in the CodePipeline console.' });
}
