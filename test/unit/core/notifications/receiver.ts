import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  contentType?: string;
  body: unknown;
}

/**
 * A real HTTP server standing in for Slack/Teams/any webhook: records every POST. The first path
 * segment says how it answers: /ok → 200, /broken → 500, /hang → never, /gone → 404.
 */
export class WebhookReceiver {
  readonly received: Received[] = [];
  private readonly server = http.createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => {
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // recorded as text
      }
      this.received.push({ path: req.url ?? '', contentType: req.headers['content-type'], body });
      const kind = (req.url ?? '').split('/')[1];
      if (kind === 'hang') return; // holds the request open until the server closes
      res.statusCode = kind === 'ok' ? 200 : kind === 'gone' ? 404 : 500;
      res.end(kind === 'ok' ? 'ok' : 'no');
    });
  });

  async start(): Promise<this> {
    await new Promise<void>(resolve => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  /** A URL the receiver answers as `kind`; `token` makes it unique, so a test can search output for it. */
  url(kind: 'ok' | 'broken' | 'hang' | 'gone', token: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/${kind}/${token}`;
  }

  bodiesAt(prefix: string): Array<Record<string, unknown>> {
    return this.received.filter(r => r.path.startsWith(prefix)).map(r => r.body as Record<string, unknown>);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise(resolve => this.server.close(resolve));
  }
}
