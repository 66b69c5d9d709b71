import { redactor } from '../redact';
import { notificationBody, type NotificationFacts } from './format';
import type { NotificationEvent, NotificationParsed } from './schema';
import { postJson, type SendOptions } from './send';

/** Reads a stage secret through the stage's provider; undefined when the stage has none by that name. */
export type SecretReader = (stage: string, name: string) => Promise<string | undefined>;

/** What happened, for the notifications that ask for it. */
export interface RunNotice {
  event: NotificationEvent;
  stack: string;
  commit: string;
  run: string;
  /** The stages of the run, in order: where a run event's webhook secret is looked up, and what `stages:` filters on. */
  runStages: readonly string[];
  /** The stage the event is about (approval, rollback); its secrets are looked up first. */
  stage?: string;
  url?: string;
  message: string;
}

export interface NotifierOptions {
  notifications: readonly NotificationParsed[];
  readSecret?: SecretReader;
  send?: SendOptions;
  /** A notification that could not be sent, for the run's output (a warning; the run goes on). */
  warn(text: string): void;
}

/**
 * Sends a run's notifications (`notifications:` in stagecraft.yaml) without ever holding the run
 * up or failing it: `notify` starts the sends and returns; `settled` waits for all of them
 * (bounded by the sender's timeout and retries). Webhook URLs are registered with the redactor the
 * moment they are read, so no log line, error or record can show one.
 */
export class RunNotifier {
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly opts: NotifierOptions) {}

  notify(notice: RunNotice): void {
    for (const entry of this.opts.notifications) {
      if (!wants(entry, notice)) continue;
      const sending = this.sendOne(entry, notice).catch(err => this.opts.warn(`Notification ${notice.event} (${label(entry)}) was not sent: ${(err as Error).message}`));
      this.pending.add(sending);
      void sending.finally(() => this.pending.delete(sending));
    }
  }

  async settled(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  private async sendOne(entry: NotificationParsed, notice: RunNotice): Promise<void> {
    const where = secretStages(entry, notice);
    if (!this.opts.readSecret) {
      this.opts.warn(`Notification ${notice.event} (${label(entry)}) was not sent: the provider of this run's stages cannot read stage secrets for notifications yet.`);
      return;
    }
    const url = await this.findUrl(entry.webhook.secret, where);
    if (url === undefined) {
      const first = where[0];
      this.opts.warn(
        `Notification ${notice.event} (${label(entry)}) was not sent: no stage of this run (${where.join(', ') || 'none'}) has the secret ${entry.webhook.secret}.${first ? ` Store the webhook URL with \`stagecraft env set ${first} ${entry.webhook.secret} --secret\` (the URL is read from standard input).` : ''}`,
      );
      return;
    }
    if (!/^https?:\/\//i.test(url) || !URL.canParse(url)) {
      this.opts.warn(`Notification ${notice.event} (${label(entry)}) was not sent: the secret ${entry.webhook.secret} is not an http(s) URL.`);
      return;
    }
    const facts: NotificationFacts = { event: notice.event, stack: notice.stack, stage: notice.stage, commit: notice.commit, run: notice.run, url: notice.url, message: notice.message };
    const result = await postJson(url, notificationBody(entry.format, facts), this.opts.send);
    if (!result.ok) {
      const reason = result.reason.split(url).join('****');
      this.opts.warn(`Notification ${notice.event} (${label(entry)}) was not delivered after ${result.attempts} attempt${result.attempts > 1 ? 's' : ''}: ${reason}; the run goes on.`);
    }
  }

  private async findUrl(secret: string, stages: readonly string[]): Promise<string | undefined> {
    if (!this.opts.readSecret) return undefined;
    for (const stage of stages) {
      const value = (await this.opts.readSecret(stage, secret))?.trim();
      if (value) {
        // Secret stores register what they read; this one must be masked whatever the store does.
        redactor.add(value);
        return value;
      }
    }
    return undefined;
  }
}

/** Events about one stage (its approval, its rollback); the others are about the whole run. */
function stageOf(notice: RunNotice): string | undefined {
  return notice.event === 'approval-needed' || notice.event === 'rolled-back' ? notice.stage : undefined;
}

/** Whether the entry asks for this event, of these stages. */
function wants(entry: NotificationParsed, notice: RunNotice): boolean {
  if (entry.events && !entry.events.includes(notice.event)) return false;
  if (!entry.stages) return true;
  const stage = stageOf(notice);
  return stage !== undefined ? entry.stages.includes(stage) : notice.runStages.some(s => entry.stages!.includes(s));
}

/** Where the webhook's secret is looked up: the event's own stage first, then the run's stages in order (the entry's own stages only, when it names some). */
function secretStages(entry: NotificationParsed, notice: RunNotice): string[] {
  const stage = stageOf(notice);
  const order = [...(stage ? [stage] : []), ...notice.runStages];
  const allowed = entry.stages ? order.filter(s => entry.stages!.includes(s)) : order;
  return [...new Set(allowed)];
}

/** How warnings name an entry: by its secret and format, never by its URL. */
function label(entry: NotificationParsed): string {
  return `webhook ${entry.webhook.secret}, ${entry.format}`;
}
