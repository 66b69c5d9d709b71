import type { ACMClient } from '@aws-sdk/client-acm';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { CodeBuildClient } from '@aws-sdk/client-codebuild';
import type { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import type { CodeStarConnectionsClient } from '@aws-sdk/client-codestar-connections';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ECRClient } from '@aws-sdk/client-ecr';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import type { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { throwIfAborted } from '../core/errors';
import { toAwsError, type AwsCallContext } from './errors';

/**
 * Everything that decides which account and region a call goes to. Stages may set `profile` and
 * `region` in stagecraft.yaml; otherwise the selected profile (Select AWS Profile), then the SDK's
 * own defaults (AWS_PROFILE, AWS_REGION, ~/.aws/config) apply.
 */
export interface AwsClientOptions {
  profile?: string;
  region?: string;
  /** Endpoint override (the stagecraft.aws.endpoint setting). Empty: AWS_ENDPOINT_URL if set, else AWS. */
  endpoint?: string;
  /** Fixed credentials or a provider (tests, moto); otherwise the profile or the default chain. */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Attempts per call including the first, with exponential backoff and jitter. Default 4. */
  maxAttempts?: number;
  /** Per-request socket timeout in ms. Default 30 s, so a silent endpoint does not hang a command. */
  requestTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** What an SDK client constructor accepts here (the parts every client shares). */
interface SharedClientConfig {
  region?: string;
  profile?: string;
  endpoint?: string;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  maxAttempts: number;
  retryMode: 'adaptive';
  forcePathStyle?: boolean;
  requestHandler: { connectionTimeout: number; requestTimeout: number };
}

type ClientClass<T> = new (config: SharedClientConfig) => T;

/**
 * The one factory for AWS SDK v3 clients. Each client module is imported on first use (the SDK
 * never loads at extension activation), built once per factory, and shares one credential
 * provider: the named profile through `fromIni` (SSO, assume-role and credential_process profiles
 * included), or the SDK's default chain (environment, SSO, profiles, container and instance roles).
 */
export class AwsClients {
  private readonly clients = new Map<string, Promise<unknown>>();
  private credentialProvider?: Promise<AwsCredentialIdentity | AwsCredentialIdentityProvider>;

  constructor(readonly options: AwsClientOptions = {}) {}

  get profile(): string | undefined {
    return this.options.profile;
  }

  get region(): string | undefined {
    return this.options.region;
  }

  /** The endpoint override in effect: the setting first, then AWS_ENDPOINT_URL (which the SDK reads itself too). */
  get endpoint(): string | undefined {
    return this.options.endpoint || (this.options.env ?? process.env).AWS_ENDPOINT_URL || undefined;
  }

  cloudFormation(): Promise<CloudFormationClient> {
    return this.client('cloudformation', async () => (await import('@aws-sdk/client-cloudformation')).CloudFormationClient);
  }

  ecs(): Promise<ECSClient> {
    return this.client('ecs', async () => (await import('@aws-sdk/client-ecs')).ECSClient);
  }

  codePipeline(): Promise<CodePipelineClient> {
    return this.client('codepipeline', async () => (await import('@aws-sdk/client-codepipeline')).CodePipelineClient);
  }

  secretsManager(): Promise<SecretsManagerClient> {
    return this.client('secretsmanager', async () => (await import('@aws-sdk/client-secrets-manager')).SecretsManagerClient);
  }

  logs(): Promise<CloudWatchLogsClient> {
    return this.client('logs', async () => (await import('@aws-sdk/client-cloudwatch-logs')).CloudWatchLogsClient);
  }

  sts(): Promise<STSClient> {
    return this.client('sts', async () => (await import('@aws-sdk/client-sts')).STSClient);
  }

  s3(): Promise<S3Client> {
    return this.client('s3', async () => (await import('@aws-sdk/client-s3')).S3Client);
  }

  ecr(): Promise<ECRClient> {
    return this.client('ecr', async () => (await import('@aws-sdk/client-ecr')).ECRClient);
  }

  codeBuild(): Promise<CodeBuildClient> {
    return this.client('codebuild', async () => (await import('@aws-sdk/client-codebuild')).CodeBuildClient);
  }

  rds(): Promise<RDSClient> {
    return this.client('rds', async () => (await import('@aws-sdk/client-rds')).RDSClient);
  }

  acm(): Promise<ACMClient> {
    return this.client('acm', async () => (await import('@aws-sdk/client-acm')).ACMClient);
  }

  serviceQuotas(): Promise<ServiceQuotasClient> {
    return this.client('service-quotas', async () => (await import('@aws-sdk/client-service-quotas')).ServiceQuotasClient);
  }

  codeStarConnections(): Promise<CodeStarConnectionsClient> {
    return this.client('codestar-connections', async () => (await import('@aws-sdk/client-codestar-connections')).CodeStarConnectionsClient);
  }

  /** EC2 (VPCs, internet gateways, Elastic IPs): only a few read commands are bundled, see src/aws/sdk.ts. */
  ec2(): Promise<EC2Client> {
    return this.client('ec2', async () => (await import('@aws-sdk/client-ec2')).EC2Client);
  }

  /** Elastic Load Balancing v2 (load balancers, listener rules): a few read commands bundled, see src/aws/sdk.ts. */
  elbv2(): Promise<ElasticLoadBalancingV2Client> {
    return this.client('elbv2', async () => (await import('@aws-sdk/client-elastic-load-balancing-v2')).ElasticLoadBalancingV2Client);
  }

  /** The region calls actually go to (the SDK may have found it in the profile or the environment). */
  async resolvedRegion(): Promise<string | undefined> {
    if (this.options.region) return this.options.region;
    try {
      const sts = await this.sts();
      return await sts.config.region();
    } catch {
      return undefined;
    }
  }

  /**
   * Runs one SDK call with the caller's AbortSignal and turns any failure into a StagecraftError
   * naming `action` with the next step. The SDK has already retried throttling and transient
   * errors (bounded by maxAttempts) before this sees them.
   */
  async call<T>(action: string, signal: AbortSignal | undefined, run: (options: { abortSignal?: AbortSignal }) => Promise<T>): Promise<T> {
    throwIfAborted(signal, action);
    try {
      return await run({ abortSignal: signal });
    } catch (err) {
      throw toAwsError(err, this.context(action));
    }
  }

  context(action: string): AwsCallContext {
    return { action, profile: this.options.profile, region: this.options.region, endpoint: this.endpoint };
  }

  /** Stops every client's connection pool (for the CLI, so the process can exit at once). */
  async destroy(): Promise<void> {
    const all = await Promise.allSettled([...this.clients.values()]);
    this.clients.clear();
    for (const c of all) if (c.status === 'fulfilled') (c.value as { destroy(): void }).destroy();
  }

  private client<T>(key: string, load: () => Promise<ClientClass<T>>): Promise<T> {
    let made = this.clients.get(key) as Promise<T> | undefined;
    if (!made) {
      made = Promise.all([load(), this.credentials()]).then(([Client, credentials]) => new Client(this.config(credentials)));
      // A failed import or credential set-up is not cached: the next call tries again.
      made.catch(() => this.clients.delete(key));
      this.clients.set(key, made);
    }
    return made;
  }

  private config(credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider): SharedClientConfig {
    const endpoint = this.endpoint;
    return {
      region: this.options.region,
      profile: this.options.profile,
      endpoint: this.options.endpoint || undefined,
      credentials,
      maxAttempts: this.options.maxAttempts ?? 4,
      // Standard exponential backoff with jitter, plus client-side rate limiting once throttled.
      retryMode: 'adaptive',
      // Emulators (LocalStack, moto) serve buckets by path, not by virtual host.
      forcePathStyle: endpoint ? true : undefined,
      requestHandler: { connectionTimeout: 5_000, requestTimeout: this.options.requestTimeoutMs ?? 30_000 },
    };
  }

  private credentials(): Promise<AwsCredentialIdentity | AwsCredentialIdentityProvider> {
    this.credentialProvider ??= (async () => {
      if (this.options.credentials) return this.options.credentials;
      const { fromIni, fromNodeProviderChain } = await import('@aws-sdk/credential-providers');
      // An explicitly chosen profile wins over AWS_ACCESS_KEY_ID in the environment; the chain would not.
      const provider = this.options.profile ? fromIni({ profile: this.options.profile }) : fromNodeProviderChain();
      return memoizeCredentials(provider);
    })();
    return this.credentialProvider;
  }
}

/** Shares one resolution between all clients of a factory, refreshing five minutes before expiry. */
export function memoizeCredentials(provider: AwsCredentialIdentityProvider): AwsCredentialIdentityProvider {
  let current: AwsCredentialIdentity | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;
  const fresh = (c: AwsCredentialIdentity) => !c.expiration || c.expiration.getTime() - Date.now() > 5 * 60_000;
  return async () => {
    if (current && fresh(current)) return current;
    pending ??= provider()
      .then(c => (current = c))
      .finally(() => (pending = undefined));
    return pending;
  };
}

/**
 * Factories by profile and region, so every stage of a stack in the same account and region shares
 * clients (and their connection pools and credentials).
 */
export class AwsClientPool {
  private readonly pool = new Map<string, AwsClients>();

  constructor(private readonly defaults: () => AwsClientOptions) {}

  get(target: { profile?: string; region?: string }): AwsClients {
    const d = this.defaults();
    const options: AwsClientOptions = { ...d, profile: target.profile ?? d.profile, region: target.region ?? d.region };
    const key = JSON.stringify([options.profile ?? '', options.region ?? '', options.endpoint ?? '', options.credentials ? 'fixed' : 'chain']);
    let clients = this.pool.get(key);
    if (!clients) {
      clients = new AwsClients(options);
      this.pool.set(key, clients);
    }
    return clients;
  }

  /** Forgets every client, e.g. after the user selected another profile or changed the endpoint. */
  async reset(): Promise<void> {
    const all = [...this.pool.values()];
    this.pool.clear();
    await Promise.all(all.map(c => c.destroy()));
  }
}
