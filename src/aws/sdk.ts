/* eslint-disable @typescript-eslint/no-require-imports */
/**
 * The entry of dist/aws-sdk.js: the AWS SDK packages Stagecraft uses, as one bundle apart from
 * dist/extension.js (which must stay small, and must not evaluate the SDK at activation).
 * esbuild.mjs rewrites each `import('@aws-sdk/…')` of our sources to a property read here; each
 * getter requires its package only when first read, so using STS does not evaluate S3.
 * A package missing from this list fails the build, naming this file.
 */
export const packages: Record<string, unknown> = {
  get '@aws-sdk/client-acm'() {
    return require('@aws-sdk/client-acm');
  },
  get '@aws-sdk/client-cloudformation'() {
    return require('@aws-sdk/client-cloudformation');
  },
  get '@aws-sdk/client-cloudwatch-logs'() {
    return require('@aws-sdk/client-cloudwatch-logs');
  },
  get '@aws-sdk/client-codebuild'() {
    return require('@aws-sdk/client-codebuild');
  },
  get '@aws-sdk/client-codepipeline'() {
    return require('@aws-sdk/client-codepipeline');
  },
  get '@aws-sdk/client-codestar-connections'() {
    return require('@aws-sdk/client-codestar-connections');
  },
  // EC2 and ELBv2 are large packages of which the doctor and drift read a few commands: a module
  // re-exporting just those lets esbuild drop the rest (the universal .vsix must stay under 3 MB).
  get '@aws-sdk/client-ec2'() {
    return require('./sdk/ec2');
  },
  get '@aws-sdk/client-elastic-load-balancing-v2'() {
    return require('./sdk/elbv2');
  },
  get '@aws-sdk/client-ecr'() {
    return require('@aws-sdk/client-ecr');
  },
  get '@aws-sdk/client-ecs'() {
    return require('@aws-sdk/client-ecs');
  },
  get '@aws-sdk/client-rds'() {
    return require('@aws-sdk/client-rds');
  },
  get '@aws-sdk/client-s3'() {
    return require('@aws-sdk/client-s3');
  },
  get '@aws-sdk/client-secrets-manager'() {
    return require('@aws-sdk/client-secrets-manager');
  },
  get '@aws-sdk/client-service-quotas'() {
    return require('@aws-sdk/client-service-quotas');
  },
  get '@aws-sdk/client-sts'() {
    return require('@aws-sdk/client-sts');
  },
  get '@aws-sdk/credential-providers'() {
    return require('@aws-sdk/credential-providers');
  },
  get '@smithy/shared-ini-file-loader'() {
    return require('@smithy/shared-ini-file-loader');
  },
};
