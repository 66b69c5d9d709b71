/**
 * The part of @aws-sdk/client-ec2 that dist/aws-sdk.js carries (src/aws/sdk.ts): the client and
 * the read commands Stagecraft sends. Re-exporting them by name lets esbuild leave out the other
 * commands, the aggregated client, paginators and waiters (~300 KB minified); the schemas of every
 * EC2 operation stay (one module, ~600 KB). A command used elsewhere must be added here, or the
 * built extension finds it undefined (test/unit/aws/sdkSlices.test.ts checks the sources).
 */
export { DescribeAddressesCommand, DescribeInternetGatewaysCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
