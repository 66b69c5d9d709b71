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

/** Context keys set with `setContext`, used in `when` clauses. */
export const CONTEXT_KEYS = {
  hasStack: 'stagecraft.hasStack',
} as const;
