import type { AwsClients } from './clients';

/** Who the calls run as: what the status bar shows. */
export interface AwsIdentity {
  account: string;
  arn: string;
  profile?: string;
  region?: string;
}

/** STS GetCallerIdentity: needs no permission, so it tests the credentials and nothing else. */
export async function callerIdentity(clients: AwsClients, signal?: AbortSignal): Promise<AwsIdentity> {
  const { GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
  const sts = await clients.sts();
  const out = await clients.call('Check AWS credentials', signal, o => sts.send(new GetCallerIdentityCommand({}), o));
  return { account: out.Account ?? '', arn: out.Arn ?? '', profile: clients.profile, region: await clients.resolvedRegion() };
}
