/**
 * The AWS half of Stagecraft, reached only through module.ts (`loadAws()`), so activation never
 * evaluates it; the SDK packages it imports live in dist/aws-sdk.js (see src/aws/sdk.ts).
 */
export { AwsProvider, type AwsProviderOptions, type AwsWorkContext } from './provider';
export { AwsClients, type AwsClientOptions } from './clients';
export { listProfiles, type AwsProfileInfo } from './profiles';
export { callerIdentity, type AwsIdentity } from './identity';
export { summarizeReview, type ChangeReview, type ResourceChange } from './cfn/changeSet';
export { formatEvent, type StackEventLine } from './cfn/events';
export type { AwsStageStatus } from './stageStatus';
export { runDoctor, formatDoctorReport, type DoctorReport, type DoctorCheck } from './doctor';
export { PRICES } from './prices';
