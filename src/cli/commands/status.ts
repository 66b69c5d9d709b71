import * as path from 'node:path';
import { branchUser, routeHeader } from '../../core/branchRun';
import { routeForBranch } from '../../core/branches';
import { describeStack } from '../../core/describe';
import { formatExpiresIn } from '../../core/personal/ttl';
import { STATUS_LABELS } from '../../core/model';
import { formatBytes, stateDiskUsage } from '../../core/retention';
import { readRepoFacts } from '../../git/repo';
import { dirOption, parseCommandArgs } from '../args';
import { requireStack, type CliCommand } from '../context';

const usage = 'stagecraft status [--dir DIR] [--json]';

export const statusCommand: CliCommand = {
  path: ['status'],
  usage,
  summary: 'Show the stack, its stages in order and their last known state',
  async run(ctx) {
    const { values } = parseCommandArgs(ctx.args, { ...dirOption, json: { type: 'boolean' } }, usage);
    const root = path.resolve(ctx.cwd, values.dir ?? '.');
    const stack = await requireStack(root, ctx.providers);
    const facts = await readRepoFacts(root);
    const [summary, disk] = await Promise.all([describeStack(stack, ctx.providers, facts), stateDiskUsage(stack.root)]);
    const providerKeys = [...ctx.providers.stackSchema().optionOwners.keys()];
    const route = facts.branch ? routeForBranch(stack, facts.branch, branchUser(stack, facts)) : undefined;
    const now = new Date();
    if (values.json) {
      ctx.out(
        JSON.stringify(
          {
            stack: stack.name,
            file: stack.file,
            branch: summary.branch ?? null,
            branchStage: summary.target?.stage ?? null,
            branchStages: route?.stages ?? [],
            branchReason: route ? route.problem ?? route.reason : null,
            stages: summary.stages.map(({ stage, status }) => ({
              name: stage.name,
              provider: stage.provider,
              // Each provider's own stage keys (region, loadBalancer…), null when unset.
              ...Object.fromEntries(providerKeys.map(key => [key, (stage as unknown as Record<string, unknown>)[key] ?? null])),
              database: stage.database,
              requireApproval: stage.requireApproval,
              protected: stage.protected,
              status: status.kind,
              commit: status.commit ?? null,
              url: status.url ?? null,
              detail: status.detail ?? null,
              personal: stage.personal ? { owner: stage.personal.owner, branch: stage.personal.branch, expiresAt: stage.personal.expiresAt } : null,
            })),
            state: { dir: disk.dir, bytes: disk.bytes, parts: disk.parts },
          },
          null,
          2,
        ),
      );
      return 0;
    }
    ctx.out(`Stack ${stack.name} (${stack.file})`);
    ctx.out(`Service: ${stack.service.dockerfile}, port ${stack.service.port}, health ${stack.service.healthCheck}`);
    if (route) ctx.out(routeHeader(route));
    else if (facts.commit) ctx.out('HEAD is detached: a run needs --branch NAME or --stage NAME.');
    const rows = summary.stages.map(({ stage, status }) => [
      `${stage.index + 1}. ${stage.name}`,
      ctx.providers.describeStage(stage),
      STATUS_LABELS[status.kind],
      [
        stage.database === 'postgres' ? 'postgres' : '',
        stage.requireApproval ? 'approval' : '',
        ...(ctx.providers.module(stage.provider)?.stageTraits?.(stage) ?? []),
        stage.protected ? 'protected' : '',
        stage.personal ? `personal: ${stage.personal.owner}, ${stage.personal.branch}, ${formatExpiresIn(stage.personal.expiresAt, now)}` : '',
      ].filter(Boolean).join(', '),
      [status.commit?.slice(0, 8), status.url].filter(Boolean).join(' '),
    ]);
    const widths = rows.reduce((w, r) => r.map((c, i) => Math.max(w[i] ?? 0, c.length)), [] as number[]);
    rows.forEach((r, i) => {
      ctx.out(('  ' + r.map((c, j) => c.padEnd(widths[j])).join('  ')).trimEnd());
      // Why a status is unknown or failed is the next thing a reader needs.
      const { status } = summary.stages[i];
      if ((status.kind === 'unknown' || status.kind === 'failed' || /^recovered at /.test(status.detail ?? '')) && status.detail) ctx.out(`       ↳ ${status.detail}`);
    });
    if (rows.length === 0) ctx.out('  (no stages yet: `stagecraft stage add NAME`)');
    ctx.out(`State: ${disk.dir}, ${formatBytes(disk.bytes)}${describeParts(disk.parts)} (\`stagecraft gc\` removes what is no longer kept)`);
    return 0;
  },
};

/** The biggest parts first: " (artifacts 120 MB, db 40 MB, …)". */
function describeParts(parts: Record<string, number>): string {
  const big = Object.entries(parts)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5);
  return big.length ? ` (${big.map(([name, n]) => `${name} ${formatBytes(n)}`).join(', ')})` : '';
}
