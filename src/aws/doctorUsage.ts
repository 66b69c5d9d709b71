import type { AwsClients } from './clients';

/** What an account already uses of a quota, and what was not counted. */
export interface Usage {
  used: number;
  /** How it was counted, and what it leaves out. */
  how: string;
}

/** Lists every page of a Describe call that pages by NextToken (EC2) or Marker (ELBv2). */
async function countPages<T>(read: (token: string | undefined) => Promise<{ items: T[]; next?: string }>, keep: (item: T) => boolean = () => true): Promise<number> {
  let n = 0;
  let token: string | undefined;
  do {
    const page = await read(token);
    n += page.items.filter(keep).length;
    token = page.next;
  } while (token);
  return n;
}

export async function vpcsInUse(clients: AwsClients, signal?: AbortSignal): Promise<Usage> {
  const { DescribeVpcsCommand } = await import('@aws-sdk/client-ec2');
  const ec2 = await clients.ec2();
  const used = await countPages(async token => {
    const out = await clients.call('List the VPCs', signal, o => ec2.send(new DescribeVpcsCommand({ NextToken: token, MaxResults: 1000 }), o));
    return { items: out.Vpcs ?? [], next: out.NextToken };
  });
  return { used, how: 'VPCs in the region by DescribeVpcs, the default VPC included' };
}

export async function internetGatewaysInUse(clients: AwsClients, signal?: AbortSignal): Promise<Usage> {
  const { DescribeInternetGatewaysCommand } = await import('@aws-sdk/client-ec2');
  const ec2 = await clients.ec2();
  const used = await countPages(async token => {
    const out = await clients.call('List the internet gateways', signal, o => ec2.send(new DescribeInternetGatewaysCommand({ NextToken: token, MaxResults: 1000 }), o));
    return { items: out.InternetGateways ?? [], next: out.NextToken };
  });
  return { used, how: 'internet gateways in the region by DescribeInternetGateways' };
}

export async function elasticIpsInUse(clients: AwsClients, signal?: AbortSignal): Promise<Usage> {
  const { DescribeAddressesCommand } = await import('@aws-sdk/client-ec2');
  const ec2 = await clients.ec2();
  // DescribeAddresses does not page: it returns every address of the region.
  const out = await clients.call('List the Elastic IPs', signal, o => ec2.send(new DescribeAddressesCommand({ Filters: [{ Name: 'domain', Values: ['vpc'] }] }), o));
  return { used: (out.Addresses ?? []).length, how: 'VPC Elastic IPs in the region by DescribeAddresses' };
}

export async function applicationLoadBalancersInUse(clients: AwsClients, signal?: AbortSignal): Promise<Usage> {
  const { DescribeLoadBalancersCommand } = await import('@aws-sdk/client-elastic-load-balancing-v2');
  const elb = await clients.elbv2();
  const used = await countPages(
    async token => {
      const out = await clients.call('List the load balancers', signal, o => elb.send(new DescribeLoadBalancersCommand({ Marker: token, PageSize: 400 }), o));
      return { items: out.LoadBalancers ?? [], next: out.NextMarker };
    },
    lb => lb.Type === 'application',
  );
  return { used, how: 'Application Load Balancers in the region by DescribeLoadBalancers' };
}

/**
 * Fargate vCPU of the tasks running in the stack's own cluster. Counting the whole account would
 * mean listing and describing every task of every cluster; tasks in other clusters are not
 * counted, and the report says so.
 */
export async function fargateVcpuInUse(clients: AwsClients, cluster: string | undefined, signal?: AbortSignal): Promise<Usage> {
  const notCounted = 'tasks in other clusters of the account are not counted';
  if (!cluster) return { used: 0, how: `the stack’s cluster does not exist yet; ${notCounted}` };
  const ecsSdk = await import('@aws-sdk/client-ecs');
  const ecs = await clients.ecs();
  const arns: string[] = [];
  let token: string | undefined;
  do {
    const page = await clients.call(`List the tasks of cluster ${cluster}`, signal, o => ecs.send(new ecsSdk.ListTasksCommand({ cluster, desiredStatus: 'RUNNING', launchType: 'FARGATE', nextToken: token }), o));
    arns.push(...(page.taskArns ?? []));
    token = page.nextToken;
  } while (token);
  let units = 0;
  // DescribeTasks takes at most 100 tasks a call.
  for (let i = 0; i < arns.length; i += 100) {
    const tasks = arns.slice(i, i + 100);
    const out = await clients.call(`Read the tasks of cluster ${cluster}`, signal, o => ecs.send(new ecsSdk.DescribeTasksCommand({ cluster, tasks }), o));
    for (const t of out.tasks ?? []) units += Number(t.cpu) || 0;
  }
  return { used: units / 1024, how: `${arns.length} Fargate task(s) running in cluster ${cluster}; ${notCounted}` };
}
