import type { LogLine } from '../../core/provider';
import type { AwsClients } from '../clients';

/** ECS's awslogs driver names a task's stream `<prefix>/<container>/<task id>`. */
export function taskIdOfStream(stream: string | undefined): string | undefined {
  return stream ? /^[^/]+\/[^/]+\/([0-9a-f]{32}|[0-9a-f-]{36})$/.exec(stream)?.[1] : undefined;
}

/**
 * The version that wrote a log stream: the stream names the task, the task its definition
 * revision, and the revision the commit (its COMMIT_HASH, which templates/stage.yaml sets). Each
 * task and revision is asked once; a task ECS no longer knows (stopped over an hour ago) or a
 * call that fails leaves the line untagged, for the release timeline to tag.
 */
export class StreamVersions {
  private readonly tasks = new Map<string, Promise<string | undefined>>();
  private readonly definitions = new Map<string, Promise<string | undefined>>();

  constructor(
    private readonly clients: AwsClients,
    private readonly cluster: string,
    private readonly signal?: AbortSignal,
    private readonly action = 'Logs',
  ) {}

  versionOf(stream: string | undefined): Promise<string | undefined> {
    const task = taskIdOfStream(stream);
    if (!task) return Promise.resolve(undefined);
    let found = this.tasks.get(task);
    if (!found) {
      found = this.read(task).catch(() => undefined);
      this.tasks.set(task, found);
    }
    return found;
  }

  private async read(task: string): Promise<string | undefined> {
    const { DescribeTasksCommand, DescribeTaskDefinitionCommand } = await import('@aws-sdk/client-ecs');
    const ecs = await this.clients.ecs();
    const out = await this.clients.call(`${this.action}: which version task ${task.slice(0, 8)} runs`, this.signal, o => ecs.send(new DescribeTasksCommand({ cluster: this.cluster, tasks: [task] }), o));
    const arn = out.tasks?.[0]?.taskDefinitionArn;
    if (!arn) return undefined;
    let version = this.definitions.get(arn);
    if (!version) {
      version = this.clients
        .call(`${this.action}: read ${arn.split('/').pop()}`, this.signal, o => ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }), o))
        .then(d => {
          const env = d.taskDefinition?.containerDefinitions?.flatMap(c => c.environment ?? []) ?? [];
          const commit = env.find(e => e.name === 'COMMIT_HASH')?.value;
          // Without a commit, the revision itself ("shop-dev:7") still tells versions apart.
          return commit ? commit.slice(0, 12) : arn.split('/').pop();
        })
        .catch(() => undefined);
      this.definitions.set(arn, version);
    }
    return version;
  }
}

/** Each line tagged with the version of the task whose stream it came from, where ECS says. */
export async function* tagWithStreamVersions(lines: AsyncIterable<LogLine>, versions: StreamVersions): AsyncGenerator<LogLine> {
  for await (const line of lines) {
    const version = line.version ?? (await versions.versionOf(line.stream));
    yield version ? { ...line, version } : line;
  }
}
