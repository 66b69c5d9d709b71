/** The foundation's outputs a stage stack needs (read from the foundation stack; see foundation.ts). */
export interface Foundation {
  stackName: string;
  vpcId: string;
  publicSubnetIds: string;
  privateSubnetIds: string;
  clusterName: string;
  listenerArn: string;
  loadBalancerSecurityGroupId: string;
  loadBalancerFullName: string;
  /** Empty when CloudFormation did not report it (the stage's Url is then unknown). */
  loadBalancerDnsName: string;
  scheme: 'http' | 'https';
  domain?: string;
  /** The TLS-only bucket of artifacts and the Stagecraft bundle the pipeline's builds run. */
  artifactBucket?: string;
}
