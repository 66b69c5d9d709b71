import { isCancelled } from '../../core/errors';
import { redactor } from '../../core/redact';
import type { AwsClients } from '../clients';
import { awsErrorName } from '../errors';

/** Pages read per call of `read()`, so one noisy build cannot keep a poll busy for long. */
const MAX_PAGES = 10;

/**
 * The CloudWatch log stream of one CodeBuild build, read forward with GetLogEvents. The stream is
 * one ordered sequence and `nextForwardToken` marks exactly where the last read stopped, so each
 * line comes once, none is skipped, and no time windows or event-id bookkeeping are needed (which
 * is what the group-wide tail in src/aws/logs does for service logs).
 */
export class BuildLogReader {
  private token?: string;
  private broken = false;

  constructor(
    private readonly clients: AwsClients,
    private readonly options: { action: string; signal?: AbortSignal; onNotice?: (message: string) => void },
  ) {}

  /** The lines written since the previous read (none before the build has created its stream). */
  async read(groupName: string, streamName: string): Promise<string[]> {
    if (this.broken) return [];
    const { GetLogEventsCommand } = await import('@aws-sdk/client-cloudwatch-logs');
    const logs = await this.clients.logs();
    const lines: string[] = [];
    for (let page = 0; page < MAX_PAGES; page++) {
      let out;
      try {
        out = await this.clients.call(`${this.options.action}: read the build log`, this.options.signal, o =>
          logs.send(new GetLogEventsCommand({ logGroupName: groupName, logStreamName: streamName, startFromHead: true, nextToken: this.token }), o),
        );
      } catch (err) {
        if (isCancelled(err)) throw err;
        // The stream appears a little after the build starts.
        if (awsErrorName((err as { cause?: unknown }).cause ?? err) === 'ResourceNotFoundException') return lines;
        // The log is a convenience: the build is followed without it.
        this.broken = true;
        this.options.onNotice?.(`the build log cannot be read, so its lines are not shown here (${(err as Error).message})`);
        return lines;
      }
      for (const e of out.events ?? []) lines.push(redactor.redact((e.message ?? '').replace(/\r?\n$/, '')));
      // At the end of the stream the service hands back the token it was given.
      const next = out.nextForwardToken;
      const atEnd = !next || next === this.token || !out.events?.length;
      if (next) this.token = next;
      if (atEnd) break;
    }
    return lines;
  }
}
