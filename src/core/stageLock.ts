import * as path from 'node:path';
import { acquireLease, readLease, withLease, type Lease, type LeaseHolder, type LeaseOptions } from './lease';
import { stateDir } from './workspace';

/**
 * One lock per stage, held by whichever process changes the stage: a run's deploy→promote
 * section, an env/origins apply, a database create/rotate, a destroy. A second one waits
 * ("waiting for run X (deploying dev since 12:03)") or, with `wait: false`, fails at once;
 * two changes of one stage never interleave. Provider-neutral: it only names the stage.
 */
export function stageLockFile(root: string, stage: string): string {
  return path.join(stateDir(root), 'locks', `stage-${stage}.lock`);
}

export function acquireStageLock(root: string, stage: string, what: { action: string; runId?: string }, options?: LeaseOptions): Promise<Lease> {
  return acquireLease(stageLockFile(root, stage), what, options);
}

export function withStageLock<T>(root: string, stage: string, what: { action: string; runId?: string }, fn: () => Promise<T>, options?: LeaseOptions): Promise<T> {
  return withLease(stageLockFile(root, stage), what, fn, options);
}

/** Who is changing the stage right now, if anyone (for status views). */
export function stageLockHolder(root: string, stage: string): Promise<LeaseHolder | undefined> {
  return readLease(stageLockFile(root, stage));
}
