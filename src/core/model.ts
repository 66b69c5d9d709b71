import type { CheckParsed, StackFileParsed, StageParsed } from './config/schema';

export type ProviderName = 'local' | 'aws';

export type EnvValue = string | { secret: string };

/** A stage as the rest of Stagecraft sees it: defaults applied, protection resolved. */
export interface Stage extends Omit<StageParsed, 'protected'> {
  protected: boolean;
  /** 0-based position in the stack's promotion order. */
  index: number;
  /** How long the approval gate waits ("7d", "12h"); absent means 7 days. */
  approvalTimeout?: string;
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
