import type { CliContext } from '../core/providerModule';

import { AWS_PROVIDER } from './name';

export { AWS_PROVIDER };

/** Loaded on first use only; see entry.ts. */
export type AwsModule = typeof import('./entry');

let loaded: Promise<AwsModule> | undefined;

/**
 * The AWS module, evaluated on first call. The SDK packages it imports are in dist/aws-sdk.js,
 * apart from dist/extension.js (see esbuild.mjs and sdk.ts). Required rather than import()ed:
 * import() of a .ts file does not resolve when the tests run the TypeScript directly.
 */
export function loadAws(): Promise<AwsModule> {
  loaded ??= Promise.resolve().then(() => require('./entry') as AwsModule);
  return loaded;
}

/** The AWS provider of the caller's Providers (one instance per composition root). */
export async function awsProviderOf(providers: CliContext['providers'], action: string): Promise<import('./provider').AwsProvider> {
  return (await providers.get(AWS_PROVIDER, action)) as import('./provider').AwsProvider;
}
