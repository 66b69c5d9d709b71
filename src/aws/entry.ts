import type { AwsClientOptions } from './clients';
import { AwsProvider } from './provider';

/**
 * The AWS half of Stagecraft, reached only through register.ts (`loadAws()`), so activation never
 * evaluates it; the SDK packages it imports live in dist/aws-sdk.js (see src/aws/sdk.ts).
 */
export { AwsProvider, type AwsProviderOptions, type AwsWorkContext } from './provider';
export { AwsClients, type AwsClientOptions } from './clients';
export { listProfiles, type AwsProfileInfo } from './profiles';
export { callerIdentity, type AwsIdentity } from './identity';
export { summarizeReview, type ChangeReview, type ResourceChange } from './cfn/changeSet';
export { formatEvent, type StackEventLine } from './cfn/events';
export type { AwsStageStatus } from './stageStatus';

let shared: AwsProvider | undefined;

/** One provider per process, so its clients, credentials and status cache are shared by every caller. */
export function sharedAwsProvider(defaults: () => AwsClientOptions): AwsProvider {
  shared ??= new AwsProvider({ clientDefaults: defaults });
  return shared;
}

/** Forgets clients and cached statuses: after Select AWS Profile or an endpoint change. */
export async function resetAws(): Promise<void> {
  shared?.invalidate();
  await shared?.pool.reset();
}
