import { StagecraftError, toStagecraftError } from '../core/errors';
import type { Stack, Stage } from '../core/model';
import { stageStackName } from '../core/naming';
import { describeStack, listAllStacks, type StackInfo } from './cfn/stacks';
import type { AwsClients } from './clients';
import { conventionalService, describeServices, stageStatusOf, type AwsStageStatus, type ServiceCounts } from './stageStatus';
import { mapLimit } from './wait';

export interface StatusRequest {
  stack: Stack;
  stage: Stage;
  clients: AwsClients;
}

export type StatusResult = { stack: string; stage: string; status: AwsStageStatus } | { stack: string; stage: string; error: StagecraftError };

/** Above this many stacks in one account and region, one paginated listing beats one call per stack. */
const LIST_THRESHOLD = 8;

/**
 * Reads stage statuses for the tree: grouped by account/region, parallel, paginated, and cached
 * for `ttlMs` so that several views refreshing together cost one round of calls. Concurrent
 * readers of the same stage share the call in flight.
 */
export class StageStatusReader {
  private readonly cache = new Map<string, { at: number; value: Promise<StatusResult> }>();
  private readonly ids = new WeakMap<AwsClients, number>();
  private nextId = 0;

  constructor(private readonly ttlMs: number) {}

  clear(): void {
    this.cache.clear();
  }

  async read(requests: StatusRequest[], signal?: AbortSignal, maxAgeMs = this.ttlMs): Promise<StatusResult[]> {
    const now = Date.now();
    const results: Array<Promise<StatusResult>> = new Array(requests.length);
    const groups = new Map<AwsClients, Array<{ index: number; req: StatusRequest; key: string }>>();
    requests.forEach((req, index) => {
      const key = this.key(req);
      const hit = this.cache.get(key);
      if (hit && now - hit.at <= maxAgeMs) {
        results[index] = hit.value;
        return;
      }
      groups.set(req.clients, [...(groups.get(req.clients) ?? []), { index, req, key }]);
    });
    for (const [clients, items] of groups) {
      const group = readGroup(
        clients,
        items.map(i => i.req),
        signal,
      );
      items.forEach((item, n) => {
        const value = group.then(all => all[n]);
        this.cache.set(item.key, { at: now, value });
        // A cancelled or failed read is not worth keeping.
        value.then(
          r => {
            if ('error' in r) this.cache.delete(item.key);
          },
          () => this.cache.delete(item.key),
        );
        results[item.index] = value;
      });
    }
    return Promise.all(results);
  }

  private key(req: StatusRequest): string {
    let id = this.ids.get(req.clients);
    if (id === undefined) {
      id = this.nextId++;
      this.ids.set(req.clients, id);
    }
    return `${id}/${stageStackName(req.stack.name, req.stage.name)}`;
  }
}

async function readGroup(clients: AwsClients, requests: StatusRequest[], signal?: AbortSignal): Promise<StatusResult[]> {
  const names = requests.map(r => stageStackName(r.stack.name, r.stage.name));
  // ECS is asked at once, by the names the stage template gives the cluster and service, in
  // parallel with CloudFormation; stacks whose outputs say otherwise are asked again below.
  const early = describeServices(clients, requests.map(r => conventionalService(r.stack.name, r.stage.name)), signal).then(
    found => found,
    (err: unknown) => toStagecraftError(err),
  );
  const stacks = new Map<string, StackInfo | undefined | StagecraftError>();
  if (requests.length > LIST_THRESHOLD) {
    try {
      const all = await listAllStacks(clients, signal);
      const byName = new Map(all.map(s => [s.name, s]));
      for (const n of names) stacks.set(n, byName.get(n));
    } catch (err) {
      const e = toStagecraftError(err);
      if (e.cancelled) throw e;
      for (const n of names) stacks.set(n, e);
    }
  } else {
    await mapLimit(names, 8, async n => {
      try {
        stacks.set(n, await describeStack(clients, n, signal));
      } catch (err) {
        const e = toStagecraftError(err);
        if (e.cancelled) throw e;
        stacks.set(n, e);
      }
    });
  }

  const first = await early;
  if (first instanceof StagecraftError && first.cancelled) throw first;
  let services = first instanceof StagecraftError ? new Map<string, ServiceCounts>() : first;
  let servicesError = first instanceof StagecraftError ? first : undefined;
  const wanted: Array<{ cluster: string; service: string }> = [];
  requests.forEach((r, i) => {
    const s = stacks.get(names[i]);
    if (!s || s instanceof StagecraftError || !s.outputs.ClusterName || !s.outputs.ServiceName) return;
    const guess = conventionalService(r.stack.name, r.stage.name);
    if (servicesError || s.outputs.ClusterName !== guess.cluster || s.outputs.ServiceName !== guess.service) wanted.push({ cluster: s.outputs.ClusterName, service: s.outputs.ServiceName });
  });
  if (wanted.length > 0) {
    try {
      services = new Map([...services, ...(await describeServices(clients, wanted, signal))]);
      servicesError = undefined;
    } catch (err) {
      servicesError = toStagecraftError(err);
      if (servicesError.cancelled) throw servicesError;
    }
  }

  return requests.map((r, i) => {
    const name = names[i];
    const s = stacks.get(name);
    if (s instanceof StagecraftError) return { stack: r.stack.name, stage: r.stage.name, error: s };
    const guess = conventionalService(r.stack.name, r.stage.name);
    const service = s ? (services.get(`${s.outputs.ClusterName}/${s.outputs.ServiceName}`) ?? services.get(`${guess.cluster}/${guess.service}`)) : undefined;
    const status = stageStatusOf(name, s, service);
    if (servicesError && s?.outputs.ClusterName) status.detail = `${status.detail ?? ''} · ECS status unavailable: ${servicesError.message}`;
    return { stack: r.stack.name, stage: r.stage.name, status };
  });
}
