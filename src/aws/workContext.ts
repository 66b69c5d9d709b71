import type { WorkContext } from '../core/provider';
import type { ChangeReview } from './cfn/changeSet';
import type { StackEventLine } from './cfn/events';
import type { StackInfo } from './cfn/stacks';

/** What AWS work can also take, beyond the common WorkContext. */
export interface AwsWorkContext extends WorkContext {
  /** "Review changes" before a deploy executes: resolve false to stop with nothing changed. */
  review?: (review: ChangeReview) => Promise<boolean>;
  /** A stack left in ROLLBACK_COMPLETE: resolve true to delete it and create it again. */
  confirmRecreate?: (stack: StackInfo, why: string) => Promise<boolean>;
  /** Destroy a protected stage: the user explicitly confirmed it. */
  force?: boolean;
  /** Every stack event of a deploy or destroy, as it is read. */
  onStackEvent?: (event: StackEventLine) => void;
}
