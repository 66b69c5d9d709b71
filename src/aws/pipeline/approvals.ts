import { StagecraftError } from '../../core/errors';
import type { AwsClients } from '../clients';
import { awsErrorName } from '../errors';
import { PIPELINE, pipelineStageName, stageOfPipelineStage } from './template';

/** A manual approval waiting in CodePipeline: its token is what PutApprovalResult needs. */
export interface PendingPipelineApproval {
  /** The Stagecraft stage it guards. */
  stage: string;
  pipelineStage: string;
  action: string;
  token: string;
  executionId?: string;
  since?: Date;
}

/** The approvals waiting now, from GetPipelineState; none when the pipeline does not exist. */
export async function pendingApprovals(clients: AwsClients, pipelineName: string, signal?: AbortSignal): Promise<PendingPipelineApproval[]> {
  const { GetPipelineStateCommand } = await import('@aws-sdk/client-codepipeline');
  const cp = await clients.codePipeline();
  let state;
  try {
    state = await clients.call(`Read the state of ${pipelineName}`, signal, o => cp.send(new GetPipelineStateCommand({ name: pipelineName }), o));
  } catch (err) {
    if (awsErrorName((err as { cause?: unknown }).cause ?? err) === 'PipelineNotFoundException') return [];
    throw err;
  }
  const pending: PendingPipelineApproval[] = [];
  for (const s of state.stageStates ?? []) {
    const stage = stageOfPipelineStage(s.stageName);
    if (!stage) continue;
    for (const a of s.actionStates ?? []) {
      const latest = a.latestExecution;
      if (a.actionName !== PIPELINE.approveAction || latest?.status !== 'InProgress' || !latest.token) continue;
      pending.push({ stage, pipelineStage: s.stageName!, action: a.actionName, token: latest.token, executionId: s.latestExecution?.pipelineExecutionId, since: latest.lastStatusChange });
    }
  }
  return pending;
}

export interface DecideRequest {
  pipelineName: string;
  stage: string;
  decision: 'Approved' | 'Rejected';
  /** What the approver says; kept with the run in CodePipeline. */
  comment?: string;
  by?: string;
  label: string;
  signal?: AbortSignal;
}

/** Approves or rejects the promotion waiting at a stage: finds its token, then PutApprovalResult. */
export async function decideApproval(clients: AwsClients, req: DecideRequest): Promise<PendingPipelineApproval> {
  const waiting = (await pendingApprovals(clients, req.pipelineName, req.signal)).find(a => a.stage === req.stage);
  if (!waiting) {
    throw new StagecraftError(`${req.label}: no promotion waits for approval at ${req.stage} in ${req.pipelineName}.`, {
      kind: 'input',
      hint: `Only a run that reached ${pipelineStageName(req.stage)}/${PIPELINE.approveAction} can be approved or rejected; refresh the tree to see where runs are.`,
    });
  }
  const { PutApprovalResultCommand } = await import('@aws-sdk/client-codepipeline');
  const cp = await clients.codePipeline();
  const verb = req.decision === 'Approved' ? 'approved' : 'rejected';
  // CodePipeline keeps at most 512 characters of summary.
  const summary = (req.comment?.trim() || `${verb} in Stagecraft${req.by ? ` by ${req.by}` : ''}`).slice(0, 512);
  try {
    await clients.call(`${req.label}: ${verb === 'approved' ? 'approve' : 'reject'} the promotion to ${req.stage}`, req.signal, o =>
      cp.send(new PutApprovalResultCommand({ pipelineName: req.pipelineName, stageName: waiting.pipelineStage, actionName: waiting.action, token: waiting.token, result: { status: req.decision, summary } }), o),
    );
  } catch (err) {
    const name = awsErrorName((err as { cause?: unknown }).cause ?? err);
    if (name === 'InvalidApprovalTokenException' || name === 'ApprovalAlreadyCompletedException') {
      throw new StagecraftError(`${req.label}: the approval at ${req.stage} was already decided or has expired.`, { kind: 'input', cause: err, hint: 'Refresh the tree to see the run’s current state.' });
    }
    throw err;
  }
  return waiting;
}
