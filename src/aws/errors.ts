import { StagecraftError, isAbortError } from '../core/errors';

/** What was being done, and as whom and where, so a failure message can say how to fix it. */
export interface AwsCallContext {
  /** "prod: create change set for shop-prod" — what the user reads first. */
  action: string;
  profile?: string;
  region?: string;
  /** The endpoint override in effect, if any. */
  endpoint?: string;
}

interface SdkErrorLike {
  name?: string;
  message?: string;
  code?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
  $fault?: string;
  hostname?: string;
}

const CREDENTIAL_INVALID = new Set(['UnrecognizedClientException', 'InvalidClientTokenId', 'InvalidSignatureException', 'SignatureDoesNotMatch', 'IncompleteSignature', 'AuthFailure']);
const CREDENTIAL_EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired', 'TokenRefreshRequired']);
const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'UnauthorizedException', 'AuthorizationError']);
const THROTTLED = new Set(['Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded', 'ProvisionedThroughputExceededException', 'SlowDown', 'PriorRequestNotComplete']);
const NETWORK = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

function profileArg(profile?: string): string {
  return profile ? ` --profile ${profile}` : '';
}

function who(ctx: AwsCallContext): string {
  const parts = [ctx.profile ? `profile "${ctx.profile}"` : 'the default credentials', ctx.region ? `region ${ctx.region}` : undefined].filter(Boolean);
  return parts.join(', ');
}

/** The error name the SDK gives (service exceptions carry it as `name`; some older shapes as Code). */
export function awsErrorName(err: unknown): string {
  const e = err as SdkErrorLike;
  return e?.name && e.name !== 'Error' ? e.name : (e?.Code ?? e?.code ?? 'Error');
}

/**
 * Turns anything an AWS SDK call threw into a StagecraftError whose message names the action and
 * whose hint is the next step: `aws sso login --profile NAME` for an expired SSO session, the
 * setting to check for an unreachable endpoint, and so on. Cancellation stays cancellation.
 */
export function toAwsError(err: unknown, ctx: AwsCallContext): StagecraftError {
  if (err instanceof StagecraftError) return err;
  if (isAbortError(err) || (err as SdkErrorLike)?.name === 'AbortError') return StagecraftError.cancelled(ctx.action);
  const e = (err ?? {}) as SdkErrorLike;
  const name = awsErrorName(err);
  const message = (e.message ?? String(err)).trim();
  const make = (text: string, hint?: string, kind: 'failure' | 'input' | 'unavailable' = 'failure') =>
    new StagecraftError(`${ctx.action}: ${text}`, { kind, hint, cause: err });

  // Credentials: missing, expired (SSO or session), invalid.
  if (/SSO session|sso login/i.test(message)) {
    return make(`the AWS SSO session of ${who(ctx)} has expired.`, `Run \`aws sso login${profileArg(ctx.profile)}\`, then try again.`);
  }
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(message)) {
    if (/profile .*(could not be found|was not found)|could not resolve credentials using profile/i.test(message)) {
      return make(`the AWS profile "${ctx.profile ?? ''}" is missing or incomplete in ~/.aws/config and ~/.aws/credentials.`, 'Choose another profile (Stagecraft: Select AWS Profile) or fix `profile:` of the stage in stagecraft.yaml.', 'input');
    }
    return make(
      `no AWS credentials were found for ${who(ctx)} (${message.split('\n')[0]}).`,
      `Run \`aws configure${profileArg(ctx.profile)}\` or \`aws sso login${profileArg(ctx.profile)}\`, or choose a profile with Stagecraft: Select AWS Profile.`,
    );
  }
  if (CREDENTIAL_EXPIRED.has(name) || /security token .* expired|token has expired/i.test(message)) {
    return make(
      `the AWS credentials of ${who(ctx)} have expired.`,
      ctx.profile ? `Refresh them: \`aws sso login${profileArg(ctx.profile)}\` for an SSO profile, or renew the keys or role session of the profile.` : 'Refresh the session credentials (AWS_SESSION_TOKEN) or run `aws sso login`.',
    );
  }
  if (CREDENTIAL_INVALID.has(name)) {
    return make(`AWS does not accept the credentials of ${who(ctx)} (${name}: ${message}).`, `Check the access key of the profile (\`aws configure${profileArg(ctx.profile)}\`) and that the clock of this machine is right.`);
  }
  if (ACCESS_DENIED.has(name) || /not authorized to perform/i.test(message)) {
    return make(`${who(ctx)} is not allowed to do this: ${message}`, 'Ask your AWS administrator for the permission named above, or choose a profile that has it (Stagecraft: Select AWS Profile).');
  }
  if (THROTTLED.has(name)) {
    const attempts = e.$metadata?.attempts;
    return make(`AWS throttled the request${attempts ? ` (${attempts} attempts with backoff)` : ''}: ${message}`, 'Wait a minute and try again; other tools using this account may be making many calls.');
  }

  // Where: region and endpoint.
  if (/region is missing/i.test(message)) {
    return make('no AWS region is set.', `Set \`region:\` on the stage in stagecraft.yaml, or a region for ${ctx.profile ? `profile ${ctx.profile} in ~/.aws/config` : 'your default profile (aws configure)'}, or AWS_REGION.`, 'input');
  }
  if (/invalid region|region not accepted|region.*not valid|UnrecognizedRegion/i.test(message) || name === 'InvalidRegion') {
    return make(`"${ctx.region ?? ''}" is not an AWS region (${message}).`, 'Fix `region:` of the stage in stagecraft.yaml (for example us-east-1).', 'input');
  }
  const code = e.code ?? '';
  if (NETWORK.has(code) || NETWORK.has(name) || /getaddrinfo|ECONNREFUSED|socket hang up|TimeoutError/i.test(`${message} ${name}`)) {
    if (ctx.endpoint) {
      return make(`cannot reach the endpoint override ${ctx.endpoint} (${code || name}).`, 'Start the emulator (LocalStack or moto) there, or clear the setting stagecraft.aws.endpoint and AWS_ENDPOINT_URL to use AWS.', 'unavailable');
    }
    return make(`cannot reach AWS${ctx.region ? ` in ${ctx.region}` : ''} (${code || name}: ${message}).`, `Check the network and that "${ctx.region ?? ''}" is the right region for this stage.`, 'unavailable');
  }

  // The service said no to what we asked: its message is the most useful thing we have.
  if (name === 'ValidationError' || name === 'ValidationException' || name === 'InvalidParameterException' || name === 'InvalidParameterValueException') {
    return make(`AWS rejected the request: ${message}`);
  }
  const status = e.$metadata?.httpStatusCode;
  return make(`${name}${status ? ` (HTTP ${status})` : ''}: ${message}`);
}
