import { z } from 'zod';
import type { ProviderModule } from '../core/providerModule';
import { stageStackName } from '../core/naming';
import { AWS_PROVIDER, loadAws } from './load';

/** The keys only AWS stages read; validated by `stageOptions` below. */
declare module '../core/model' {
  interface StageOptions {
    /** The stage's AWS region; the profile's (or environment's) region when absent. */
    region?: string;
    /** The AWS profile the stage's calls use; the selected profile or the default chain when absent. */
    profile?: string;
    /** Ignored since every AWS stage sits behind its foundation's load balancer; accepted so older files still load (`validate` warns). */
    loadBalancer?: boolean;
  }
}

/** CloudFormation's limit on a stack name, which `<stack>-<stage>` is. */
const STACK_NAME_MAX = 128;
/** AWS region names such as us-east-1, eu-central-2, us-gov-west-1. */
const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const AWS_PROFILE = /^[A-Za-z0-9_.+@-]+$/;

/** Stages as CloudFormation stacks on ECS Fargate in an AWS account. */
export const awsModule: ProviderModule<import('./provider').AwsProvider> = {
  name: AWS_PROVIDER,
  label: 'AWS',
  description: 'ECS Fargate from CloudFormation in your AWS account',
  stageOptions: {
    region: z.string().min(1).optional(),
    profile: z.string().min(1).optional(),
    // No default and no effect: kept only so files written before the shared foundation still parse.
    loadBalancer: z.boolean().optional(),
  },
  stageNameProblem(stack, stage) {
    const full = stageStackName(stack, stage);
    return full.length > STACK_NAME_MAX ? `"${full}" is ${full.length} characters; CloudFormation allows at most ${STACK_NAME_MAX}` : undefined;
  },
  addStageFields: [
    {
      key: 'region',
      label: 'AWS region',
      kind: 'text',
      placeholder: 'us-east-1',
      initial: () => process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
      problem: v => (AWS_REGION.test(v) ? undefined : `"${v}" is not an AWS region: expected a name such as us-east-1`),
    },
    {
      key: 'profile',
      label: 'AWS profile',
      kind: 'text',
      hint: 'Empty uses the default credential chain (environment, SSO, instance role).',
      initial: () => process.env.AWS_PROFILE ?? '',
      problem: v => (v === '' || AWS_PROFILE.test(v) ? undefined : `"${v}" is not a profile name: use letters, digits and . _ - + @ (empty uses the default credential chain)`),
    },
  ],
  describeStage: stage => stage.region,
  async create(context) {
    const { AwsProvider } = await loadAws();
    // Empty strings from settings mean "not set"; read at every client creation.
    const defaults = () => ({
      endpoint: context.setting('aws.endpoint') || undefined,
      profile: context.setting('aws.profile') || undefined,
      region: context.setting('aws.region') || undefined,
    });
    return new AwsProvider({ clientDefaults: defaults });
  },
  async validateStack(stack) {
    // The stage and foundation templates rendered as they would deploy, checked against the contract rules.
    const v = require('./validateStack') as typeof import('./validateStack');
    return { problems: v.awsContractProblems(stack), lines: (await v.ignoredKeyWarnings(stack)).map(text => ({ text })) };
  },
  async cliCommands() {
    // Required on first use (see loadAws for why not import()).
    return (require('./cli') as typeof import('./cli')).AWS_COMMANDS;
  },
};
