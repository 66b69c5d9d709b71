/** Every command id, view id and contextValue of the extension, in one place (package.json must match). */
export const COMMANDS = {
  createStack: 'stagecraft.createStack',
  addStage: 'stagecraft.addStage',
  deployStage: 'stagecraft.deployStage',
  runPipeline: 'stagecraft.runPipeline',
  approvePromotion: 'stagecraft.approvePromotion',
  rejectPromotion: 'stagecraft.rejectPromotion',
  editEnvironmentVariables: 'stagecraft.editEnvironmentVariables',
  editOrigins: 'stagecraft.editOrigins',
  showDatabaseSecret: 'stagecraft.showDatabaseSecret',
  rotateDatabasePassword: 'stagecraft.rotateDatabasePassword',
  tailLogs: 'stagecraft.tailLogs',
  tailLogsWithOptions: 'stagecraft.tailLogsWithOptions',
  installPrecommitHook: 'stagecraft.installPrecommitHook',
  destroyStage: 'stagecraft.destroyStage',
  refresh: 'stagecraft.refresh',
  showProblems: 'stagecraft.showProblems',
  openStackFile: 'stagecraft.openStackFile',
  showLog: 'stagecraft.showLog',
  resumeRun: 'stagecraft.resumeRun',
  selectAwsProfile: 'stagecraft.selectAwsProfile',
  extendStage: 'stagecraft.extendStage',
  openReadme: 'stagecraft.openReadme',
  openChangelog: 'stagecraft.openChangelog',
  openWalkthrough: 'stagecraft.openWalkthrough',
  /** The view title's "+": never takes the selected node as its argument. */
  addStageFromTitle: 'stagecraft.addStageFromTitle',
  openStageUrl: 'stagecraft.openStageUrl',
  copyStageUrl: 'stagecraft.copyStageUrl',
  showDrift: 'stagecraft.showDrift',
} as const;

/** The Get Started walkthrough (contributes.walkthroughs), as VS Code names it: <publisher>.<name>#<id>. */
export const WALKTHROUGH = 'stagecraft.stagecraft#gettingStarted';

export const VIEWS = {
  container: 'stagecraft',
  stacks: 'stagecraft.stacks',
} as const;

export const CONTEXT_VALUES = {
  stack: 'stagecraft.stack',
  stage: 'stagecraft.stage',
  stageProtected: 'stagecraft.stage.protected',
  stageAwaitingApproval: 'stagecraft.stage.awaitingApproval',
  /** A developer's own stage: it expires, and can be extended. */
  stagePersonal: 'stagecraft.stage.personal',
  error: 'stagecraft.error',
  placeholder: 'stagecraft.placeholder',
} as const;

/**
 * A stage row's contextValue: its kind, then what it has, each as ` +flag` (`stagecraft.stage.protected +url +database`),
 * so menus match the kind with `=~ /^stagecraft\.stage\.protected\b/` and a trait with `=~ /\+url\b/`.
 */
export function stageContextValue(kind: string, has: { url?: boolean; database?: boolean; drifted?: boolean }): string {
  return [kind, ...Object.entries(has).filter(([, yes]) => yes).map(([flag]) => `+${flag}`)].join(' ');
}

/** Context keys set with `setContext`, used in `when` clauses. */
export const CONTEXT_KEYS = {
  hasStack: 'stagecraft.hasStack',
  /** A workspace folder has no stagecraft.yaml yet (Create Stack can run). */
  folderWithoutStack: 'stagecraft.folderWithoutStack',
  /** A run waits for an approval (Approve/Reject Promotion can run). */
  approvalWaiting: 'stagecraft.approvalWaiting',
  /** A run record shows an approval waiting (local stages: their status does not say so). */
  approvalRecorded: 'stagecraft.approvalRecorded',
  /** A run was cut off (Resume Interrupted Run can run). */
  runInterrupted: 'stagecraft.runInterrupted',
} as const;
