import type { CheckParsed, PersonalParsed, StackFileParsed, StageParsed } from './config/schema';

/** The value of a stage's `provider:`: the name of a registered ProviderModule. */
export type ProviderName = string;

/**
 * The stage keys only one provider reads. Empty here: each provider module declares its own
 * keys into this interface (declaration merging) next to the zod shape that validates them.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface StageOptions {}

export type EnvValue = string | { secret: string };

/** A stage as the rest of Stagecraft sees it: defaults applied, protection resolved. */
export interface Stage extends Omit<StageParsed, 'protected'>, StageOptions {
  protected: boolean;
  /** 0-based position in the stack's promotion order. */
  index: number;
  /** How long the approval gate waits ("7d", "12h"); absent means 7 days. */
  approvalTimeout?: string;
  /** Set on a developer's own stage (kept in the state folder, not in stagecraft.yaml). */
  personal?: PersonalStageInfo;
}

/** Who a personal stage belongs to and when it goes away. */
export interface PersonalStageInfo {
  /** git user.name of its owner. */
  owner: string;
  /** The owner's identity (git user.email, else user.name): what tells two same-slug developers apart. */
  ownerId: string;
  /** The branch that last deployed to it. */
  branch: string;
  createdAt: string;
  lastDeployAt?: string;
  /** When it is destroyed unless deployed or extended again (ISO time). */
  expiresAt: string;
}

/**
 * An HTTP check run against a stage after deploy: `method path` must answer `expectStatus` (and
 * contain `contains`); without `expectStatus` (the default check, from service.healthCheck) any 2xx,
 * the health check's own rule.
 */
export type SyntheticCheck = Omit<CheckParsed, 'expectStatus'> & { expectStatus?: number };

export interface Service {
  dockerfile: string;
  port: number;
  healthCheck: string;
  build?: string;
  start?: string;
  migrate?: string;
  /** Synthetic checks; absent means a GET of `healthCheck` expecting 200. */
  checks?: SyntheticCheck[];
}

export interface Stack {
  name: string;
  branchModel: StackFileParsed['branchModel'];
  service: Service;
  stages: Stage[];
  /** The `personal:` block: the template of feature branches' own stages. */
  personal?: PersonalParsed;
  /** The `notifications:` list: webhooks told of runs, approvals and rollbacks. */
  notifications?: StackFileParsed['notifications'];
  /** Absolute path of the folder holding `stagecraft.yaml`. */
  root: string;
  /** Absolute path of `stagecraft.yaml`. */
  file: string;
}

export type StageStatusKind = 'not-deployed' | 'deploying' | 'healthy' | 'failed' | 'awaiting-approval' | 'stopped' | 'unknown';

/** What a provider (or the recorded state) knows of a stage at a moment. */
export interface StageStatus {
  kind: StageStatusKind;
  commit?: string;
  artifact?: string;
  url?: string;
  updatedAt?: string;
  detail?: string;
}

export const STATUS_LABELS: Record<StageStatusKind, string> = {
  'not-deployed': 'not deployed',
  deploying: 'deploying',
  healthy: 'healthy',
  failed: 'failed',
  'awaiting-approval': 'awaiting approval',
  stopped: 'stopped',
  unknown: 'unknown',
};

/** One built artifact, the same for every stage a run promotes it to. */
export interface ArtifactRef {
  /** Content hash of the built artifact. */
  id: string;
  commit: string;
}
