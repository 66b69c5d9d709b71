/** What one run did with a commit at one stage, as the ledger shows it. */
export interface StageAttempt {
  stage: string;
  runId: string;
  /**
   * `serving`: the stage runs this commit now (from this run); `served`: it did, something newer
   * replaced it; `rolled-back`: the deploy failed a check and the stage kept what it had; `failed`,
   * `rejected`, `in-progress` as the run says.
   */
  outcome: 'serving' | 'served' | 'rolled-back' | 'failed' | 'rejected' | 'in-progress';
  /** When the stage switched to it (promote), else when the run reached the stage. */
  at: string;
  artifact?: string;
  /** The run redeployed an earlier release (`stagecraft rollback`). */
  rollback?: boolean;
  approval?: { decision: string; by?: string; at?: string; comment?: string; evidenceDigest?: string };
  /** One line from the run when it did not succeed here. */
  detail?: string;
}

/** A commit of the ledger: what git says of it and every stage attempt the run records hold. */
export interface LedgerEntry {
  commit: string;
  subject?: string;
  author?: string;
  /** Author date (ISO). */
  date?: string;
  /** The artifact built from it (content hash), when a run recorded one. */
  artifact?: string;
  /** Stages that run this commit now. */
  current: string[];
  /** Newest first. */
  attempts: StageAttempt[];
  /** Newest of its attempts and its author date: the ledger's order. */
  latest: string;
}

export interface CommitInfo {
  hash: string;
  author: string;
  date: string;
  subject: string;
}

export interface LedgerOptions {
  /** Only commits that reached (or tried) this stage, and only that stage's attempts. */
  stage?: string;
  /** At most this many entries (newest first). */
  limit?: number;
}
