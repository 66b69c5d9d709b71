import * as path from 'node:path';
import { branchUser, routeHeader } from '../../core/branchRun';
import { routeForBranch } from '../../core/branches';
import { describeStack } from '../../core/describe';
import { formatExpiresIn } from '../../core/personal/ttl';
import { STATUS_LABELS } from '../../core/model';
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
    const stack = await requireStack(root);
    const facts = await readRepoFacts(root);
    const summary = await describeStack(stack, facts);
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
              region: stage.region ?? null,
              database: stage.database,
              requireApproval: stage.requireApproval,
              loadBalancer: stage.loadBalancer,
              protected: stage.protected,
              status: status.kind,
              commit: status.commit ?? null,
              url: status.url ?? null,
              personal: stage.personal ? { owner: stage.personal.owner, branch: stage.personal.branch, expiresAt: stage.personal.expiresAt } : null,
            })),
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
      stage.provider + (stage.region ? ` ${stage.region}` : ''),
      STATUS_LABELS[status.kind],
      [
        stage.database === 'postgres' ? 'postgres' : '',
        stage.requireApproval ? 'approval' : '',
        stage.loadBalancer ? 'load balancer' : '',
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
      if ((status.kind === 'unknown' || status.kind === 'failed') && status.detail) ctx.out(`       ↳ ${status.detail}`);
    });
    if (rows.length === 0) ctx.out('  (no stages yet: `stagecraft stage add NAME`)');
    return 0;
  },
};
