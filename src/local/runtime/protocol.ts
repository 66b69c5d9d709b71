import { z } from 'zod';

/**
 * The control protocol between a stage runtime client and its daemon: one JSON request per line
 * on the control socket, one JSON reply per line, matched by `id`. The socket sits in a 0700
 * folder (or /tmp/stagecraft-<uid>/), so only this user can talk to the daemon.
 */

export interface VersionInfo {
  artifactId: string;
  commit: string;
  port: number;
  pid: number;
  startedAt: string;
  /** 'stop-then-start' when the app binds a fixed port its own previous version held: not blue/green. */
  mode?: 'blue-green' | 'stop-then-start';
  /** Runs in its own network namespace: `port` is its port in there, not reachable from the host. */
  isolated?: boolean;
  /** Where the version answers before the switch (a candidate's own address, through a proxy of its own when isolated). */
  url?: string;
  /** A candidate that has exited (crashed) and was not yet discarded. */
  exited?: { code: number | null; signal: string | null; at: string };
}

export interface RuntimeStatus {
  running: boolean;
  url?: string;
  proxyPort?: number;
  active?: VersionInfo;
  candidate?: VersionInfo;
  restarts: number;
  lastExit?: { code: number | null; signal: string | null; at: string };
  /** The active version crashed too often and is no longer restarted (see the supervisor's restart policy). */
  failed?: { at: string; reason: string };
}

export const candidateSpecSchema = z.object({
  artifactId: z.string().min(1),
  commit: z.string(),
  cwd: z.string().min(1),
  command: z.array(z.string()).min(1),
  env: z.record(z.string()),
  /** Names in `env` whose values came from a secret or a database credential: masked in app.log whatever they are called. */
  secretEnv: z.array(z.string()).optional(),
  /** The port the app binds whatever PORT says (it ignores PORT). */
  fixedPort: z.number().int().min(1).max(65535).optional(),
  /** The port the stack says the app listens on (service.port): its PORT in its own network namespace, where any port is free. */
  expectedPort: z.number().int().min(1).max(65535).optional(),
  /** How long the app may take to listen on its port (default 30 s). */
  startTimeoutMs: z.number().int().positive().optional(),
});
export type CandidateSpec = z.infer<typeof candidateSpecSchema>;

export const requestSchema = z.discriminatedUnion('op', [
  z.object({ id: z.number(), op: z.literal('ping') }),
  z.object({ id: z.number(), op: z.literal('status') }),
  z.object({ id: z.number(), op: z.literal('startCandidate'), version: candidateSpecSchema }),
  // `expect`: the candidate the caller started; another one (a concurrent deploy's) is refused, not promoted.
  z.object({ id: z.number(), op: z.literal('promoteCandidate'), expect: z.object({ artifactId: z.string(), pid: z.number(), startedAt: z.string() }).optional() }),
  z.object({ id: z.number(), op: z.literal('discardCandidate') }),
  // `hosts`: the extra host names the proxy answers to; absent leaves them as they are.
  z.object({ id: z.number(), op: z.literal('setOrigins'), origins: z.array(z.string()), hosts: z.array(z.string()).optional() }),
  z.object({ id: z.number(), op: z.literal('stop') }),
]);
export type RuntimeRequest = z.infer<typeof requestSchema>;

/** Names one started candidate exactly (a redeploy of the same artifact is another candidate). */
export type CandidateIdentity = Pick<VersionInfo, 'artifactId' | 'pid' | 'startedAt'>;

export interface PingResult {
  pid: number;
  stage: string;
  origins: string[];
  hosts?: string[];
}

export interface WireError {
  message: string;
  kind: 'usage' | 'input' | 'failure' | 'unavailable';
  hint?: string;
  cancelled?: boolean;
}

export type RuntimeReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: WireError };
