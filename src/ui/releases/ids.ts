/** Ids of the Releases view, its commands and its nodes (package.json must match). */
export const RELEASES = {
  view: 'stagecraft.releases',
  rollBackStage: 'stagecraft.rollBackStage',
  promoteRelease: 'stagecraft.promoteRelease',
  filterReleases: 'stagecraft.filterReleases',
  refreshReleases: 'stagecraft.refreshReleases',
  /** contextValues */
  commit: 'stagecraft.release',
  attempt: 'stagecraft.releaseAttempt',
  attemptServed: 'stagecraft.releaseAttempt.served',
  stack: 'stagecraft.releaseStack',
} as const;
