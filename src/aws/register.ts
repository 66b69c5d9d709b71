import { registerProvider } from '../core/providers';

/** Loaded on first use only; see entry.ts. */
export type AwsModule = typeof import('./entry');

/** What the environment decides for AWS calls: the endpoint setting and the profile picked in the UI. */
export interface AwsDefaults {
  endpoint?: string;
  profile?: string;
  region?: string;
}

let defaults: () => AwsDefaults = () => ({});
let loaded: Promise<AwsModule> | undefined;

/**
 * The AWS module, evaluated on first call. The SDK packages it imports are in dist/aws-sdk.js,
 * apart from dist/extension.js (see esbuild.mjs and sdk.ts).
 */
export function loadAws(): Promise<AwsModule> {
  loaded ??= import('./entry.js');
  return loaded;
}

/** Where the UI feeds the endpoint setting and the selected profile; read at every client creation. */
export function setAwsDefaults(read: () => AwsDefaults): void {
  defaults = read;
}

/** The process's one AWS provider (loading the AWS module on first call), with the defaults set above. */
export async function awsProvider(): Promise<import('./provider').AwsProvider> {
  return (await loadAws()).sharedAwsProvider(() => clientDefaults());
}

/** Makes the `aws` provider available; nothing of it loads until a stage of it is used. */
export function registerAwsProvider(): void {
  registerProvider('aws', awsProvider);
}

function clientDefaults(): AwsDefaults {
  const d = defaults();
  // Empty strings from settings mean "not set".
  return { endpoint: d.endpoint || undefined, profile: d.profile || undefined, region: d.region || undefined };
}
