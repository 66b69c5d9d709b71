/** The provider-independent pipeline engine: plan, run, persist, approve, resume. */
export * from './types';
export { planRun, syntheticChecks, hasLintScript, type PlanOptions } from './plan';
export { startRun, resumeRun, rerun, runPipeline, type StartRunOptions, type ResumeRunOptions, type RunHandle, type EngineTiming, type CommonOptions } from './engine';
export { approve, reject, findPendingApproval, findPendingApprovals, pendingApprovalAt, pendingApprovalsOf, type ApprovalDecision, type PendingApproval, type DecisionInput, type ApprovalTarget } from './approvals';
export { listRuns, listRunIds, readRun, readRunLog, latestRun, isRunLive, runDir, runsDir, runOfFile } from './store';
export { parseDuration, formatDuration, DEFAULT_APPROVAL_TIMEOUT } from './duration';
export { reuseRecordedChecks, recordedCheck, REUSABLE_CHECK_KINDS } from './reusedChecks';
export { runHttpChecks, runHttpCheck, type CheckResult } from './checks';
export { RunEvents } from './events';
