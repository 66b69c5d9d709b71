import { DescribeLogGroupsCommand, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { StagecraftError } from '../../core/errors';

/**
 * The log groups templates/stage.yaml creates for a stage (outputs AppLogGroupName and
 * AccessLogGroupName say the same): `/stagecraft/<stack>/<stage>/app` for the container's output,
 * `/stagecraft/<stack>/<stage>/access` for the HTTP API's access log (HTTP API stages only; a load
 * balancer stage has no access log group).
 */
export function stageLogGroupName(stack: string, stage: string, kind: 'app' | 'access'): string {
  return `/stagecraft/${stack}/${stage}/${kind}`;
}

/** The ARN Live Tail needs (without the `:*` DescribeLogGroups' `arn` ends with). */
export async function logGroupArn(
  client: CloudWatchLogsClient,
  logGroupName: string,
  call: <T>(run: (options: { abortSignal?: AbortSignal }) => Promise<T>) => Promise<T>,
): Promise<string> {
  const out = await call(o => client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: logGroupName, limit: 50 }), o));
  const group = out.logGroups?.find(g => g.logGroupName === logGroupName);
  const arn = group?.logGroupArn ?? group?.arn?.replace(/:\*$/, '');
  if (!arn) throw missingLogGroup(logGroupName);
  return arn;
}

export function missingLogGroup(logGroupName: string, cause?: unknown): StagecraftError {
  const access = logGroupName.endsWith('/access');
  return new StagecraftError(`The log group ${logGroupName} does not exist.`, {
    kind: 'input',
    cause,
    hint: access
      ? 'Only stages behind an HTTP API have an access log in CloudWatch (a load balancer stage has none); use the application log.'
      : 'Deploy the stage first; its stack creates the log group.',
  });
}
