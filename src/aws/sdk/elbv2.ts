/**
 * The part of @aws-sdk/client-elastic-load-balancing-v2 that dist/aws-sdk.js carries
 * (src/aws/sdk.ts): the client and the read commands Stagecraft sends. A command used elsewhere
 * must be added here (test/unit/aws/sdkSlices.test.ts checks the sources against this list).
 */
export { DescribeListenersCommand, DescribeLoadBalancersCommand, DescribeRulesCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
