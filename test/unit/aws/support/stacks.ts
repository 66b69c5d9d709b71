import { parseStackFile } from '../../../../src/core/config/load';
import { builtinSchema } from '../../support/providers';
import type { Stack } from '../../../../src/core/model';

/** A validated Stack from stagecraft.yaml text, as the rest of Stagecraft would load it. */
export function stackFromYaml(text: string, file = '/work/app/stagecraft.yaml'): Stack {
  const parsed = parseStackFile(text, file, builtinSchema());
  if (!parsed.stack) throw new Error(`fixture stagecraft.yaml is invalid: ${parsed.problems.map(p => p.message).join('; ')}`);
  return parsed.stack;
}

/** A digest-addressed image URI that looks like ECR's (the digest is made up, deterministic per seed). */
export function fakeImage(seed = 'a', repo = '123456789012.dkr.ecr.us-east-1.amazonaws.com/shop'): string {
  return `${repo}@sha256:${seed.repeat(64).slice(0, 64)}`;
}

/** A foundation as its outputs describe one (ids in AWS's shapes), for rendering stages without AWS. */
export function fakeFoundation(overrides: Partial<import('../../../../src/aws/foundation').Foundation> = {}): import('../../../../src/aws/foundation').Foundation {
  return {
    stackName: 'shop-foundation',
    vpcId: 'vpc-0a1b2c3d4e5f60718',
    publicSubnetIds: 'subnet-0a1b2c3d4e5f60711,subnet-0a1b2c3d4e5f60712',
    privateSubnetIds: 'subnet-0a1b2c3d4e5f60713,subnet-0a1b2c3d4e5f60714',
    clusterName: 'shop',
    listenerArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/shop/50dc6c495c0c9188/f2f7dc8efc522ab2',
    loadBalancerSecurityGroupId: 'sg-0a1b2c3d4e5f60719',
    loadBalancerFullName: 'app/shop/50dc6c495c0c9188',
    loadBalancerDnsName: 'shop-1234567890.us-east-1.elb.amazonaws.com',
    scheme: 'http',
    ...overrides,
  };
}
