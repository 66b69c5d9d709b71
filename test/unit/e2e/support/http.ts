import * as http from 'node:http';

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request on a fresh connection (no keep-alive: each answer says what serves right now). */
export function request(url: string, options: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers, agent: false, timeout: options.timeoutMs ?? 5000 }, res => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', d => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within ${options.timeoutMs ?? 5000} ms`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

export interface Info {
  commitHash: string | null;
  stage: string | null;
  greeting: string;
  database: string | null;
}

/** GET /info of the sample service behind a stage URL. */
export async function info(baseUrl: string): Promise<Info> {
  const answer = await request(`${baseUrl}/info`);
  if (answer.status !== 200) throw new Error(`GET ${baseUrl}/info answered ${answer.status}: ${answer.body}`);
  return JSON.parse(answer.body) as Info;
}

/** What one poll saw: the status and, for a 200, the commit that answered. */
export interface Sample {
  at: number;
  status: number | string;
  commit?: string | null;
}

/**
 * GETs `<url>/info` back to back until stopped, recording every answer: the witness that a stage
 * kept answering (and with which commit) while a run was deploying, failing or being killed.
 */
export class Poller {
  readonly samples: Sample[] = [];
  private running = true;
  private readonly loop: Promise<void>;

  constructor(private readonly baseUrl: string, private readonly intervalMs = 25) {
    this.loop = this.run();
  }

  async stop(): Promise<Sample[]> {
    this.running = false;
    await this.loop;
    return this.samples;
  }

  /** Answers other than a 200 from `commit`, summed up by what they were. */
  static unexpected(samples: Sample[], commit: string): Record<string, number> {
    const out: Record<string, number> = {};
    for (const s of samples) {
      if (s.status === 200 && s.commit === commit) continue;
      const key = s.status === 200 ? `200 from ${String(s.commit).slice(0, 8)}` : String(s.status);
      out[key] = (out[key] ?? 0) + 1;
    }
    return out;
  }

  private async run(): Promise<void> {
    while (this.running) {
      const at = Date.now();
      try {
        const answer = await request(`${this.baseUrl}/info`, { timeoutMs: 3000 });
        let commit: string | null | undefined;
        try {
          commit = (JSON.parse(answer.body) as Info).commitHash;
        } catch {
          commit = undefined;
        }
        this.samples.push({ at, status: answer.status, commit });
      } catch (err) {
        this.samples.push({ at, status: (err as NodeJS.ErrnoException).code ?? (err as Error).message });
      }
      await new Promise(resolve => setTimeout(resolve, this.intervalMs));
    }
  }
}
