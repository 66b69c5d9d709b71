import type { Task } from '@aws-sdk/client-ecs';
import { StagecraftError } from '../../core/errors';
import type { AwsClients } from '../clients';
import { sleep } from '../wait';

export interface WaitForTaskOptions {
  cluster: string;
  taskArn: string;
  /** Names the work in messages: "shop/dev: migration task 1a2b…". */
  where: string;
  /** First wait between DescribeTasks calls; it grows by half each time up to five times this. */
  pollMs: number;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Called once per status the task reaches (PROVISIONING, PENDING, RUNNING, …, STOPPED). */
  onStatus?: (status: string, task: Task) => void;
}

export type TaskWaitResult = { stopped: true; task: Task } | { stopped: false; task?: Task };

/** ECS may not list a task it has just accepted; after this many misses in a row it is gone. */
const MAX_MISSES = 5;

/**
 * Polls DescribeTasks with backoff until the task is STOPPED or `timeoutMs` has passed (then
 * `stopped: false`; the caller decides whether to stop it). Cancellation throws a cancelled
 * StagecraftError and leaves the task alone: stopping it is the caller's business too.
 */
export async function waitForTaskStop(clients: AwsClients, o: WaitForTaskOptions): Promise<TaskWaitResult> {
  const { DescribeTasksCommand } = await import('@aws-sdk/client-ecs');
  const ecs = await clients.ecs();
  const deadline = Date.now() + o.timeoutMs;
  const maxDelay = o.pollMs * 5;
  let delay = o.pollMs;
  let misses = 0;
  let lastStatus: string | undefined;
  let last: Task | undefined;
  for (;;) {
    const out = await clients.call(`${o.where}: read the task`, o.signal, c => ecs.send(new DescribeTasksCommand({ cluster: o.cluster, tasks: [o.taskArn] }), c));
    const task = out.tasks?.find(t => t.taskArn === o.taskArn) ?? out.tasks?.[0];
    if (task) {
      misses = 0;
      last = task;
      const status = task.lastStatus ?? 'UNKNOWN';
      if (status !== lastStatus) {
        lastStatus = status;
        o.onStatus?.(status, task);
      }
      if (status === 'STOPPED') return { stopped: true, task };
    } else if (++misses >= MAX_MISSES) {
      const reason = out.failures?.map(f => f.reason).filter(Boolean).join(', ') || 'not found';
      throw new StagecraftError(`${o.where}: ECS no longer knows the task ${o.taskArn} (${reason}).`, {
        hint: 'Look for the task in the ECS console (cluster ' + o.cluster + ', stopped tasks); run the deploy again to retry the migration.',
      });
    }
    const left = deadline - Date.now();
    if (left <= 0) return { stopped: false, task: last };
    await sleep(Math.min(delay, left), o.signal);
    delay = Math.min(Math.round(delay * 1.5), maxDelay);
  }
}
