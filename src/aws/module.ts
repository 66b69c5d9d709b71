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
    /** An Application Load Balancer in front of the service. */
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
    loadBalancer: z.boolean().default(false),
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
    { key: 'loadBalancer', label: 'Create load balancer', kind: 'checkbox', followsProtection: true },
  ],
  describeStage: stage => stage.region,
  stageTraits: stage => (stage.loadBalancer ? ['load balancer'] : []),
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
    return { problems: (require('./validateStack') as typeof import('./validateStack')).awsContractProblems(stack) };
  },
  async cliCommands() {
    // Required on first use (see loadAws for why not import()).
    return (require('./cli') as typeof import('./cli')).AWS_COMMANDS;
  },
};
