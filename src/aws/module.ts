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
  async cliCommands() {
    // Required on first use (see loadAws for why not import()).
    return (require('./cli') as typeof import('./cli')).AWS_COMMANDS;
  },
};
