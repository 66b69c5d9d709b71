import type { Stack, Stage } from '../core/model';

/**
 * List prices the monthly estimate uses: us-east-1, on demand, in USD, as published on the AWS
 * pricing pages on the date below. Other regions differ (often 5-20% more); taxes, free tier,
 * data transfer and load balancer capacity units beyond one are left out. Update date and figures together.
 */
export const PRICES = {
  date: '2026-12-01',
  region: 'us-east-1',
  hoursPerMonth: 730,
  fargateVcpuHour: 0.04048,
  fargateGbHour: 0.004445,
  albHour: 0.0225,
  albLcuHour: 0.008,
  publicIpv4Hour: 0.005,
  rdsT4gMicroHour: 0.016,
  rdsGp3GbMonth: 0.115,
  secretMonth: 0.4,
  alarmMonth: 0.1,
} as const;

export interface StageEstimate {
  stage: string;
  lines: Array<{ what: string; usd: number }>;
  total: number;
}

/** Task size and count as templates/stage.yaml deploys them by default. */
const TASK = { vcpu: 0.25, gb: 0.5, count: 1 };
const DB_STORAGE_GB = 20;

/** A month of one stage: its tasks, its public IPs, its database, its secrets and alarms; the ALB is shared and split evenly. */
export function estimateStage(stack: Pick<Stack, 'stages'>, stage: Stage): StageEstimate {
  const h = PRICES.hoursPerMonth;
  const awsStages = Math.max(1, stack.stages.filter(s => s.provider === 'aws').length);
  const secrets = Object.values(stage.env).filter(v => typeof v !== 'string').length + (stage.database === 'postgres' ? 1 : 0);
  const lines = [
    { what: `Fargate ${TASK.vcpu} vCPU / ${TASK.gb} GiB × ${TASK.count}`, usd: TASK.count * h * (TASK.vcpu * PRICES.fargateVcpuHour + TASK.gb * PRICES.fargateGbHour) },
    { what: 'public IPv4 per task', usd: TASK.count * h * PRICES.publicIpv4Hour },
    { what: `share of the load balancer (1/${awsStages}, 1 LCU, 2 IPv4)`, usd: (h * (PRICES.albHour + PRICES.albLcuHour + 2 * PRICES.publicIpv4Hour)) / awsStages },
    { what: '2 alarms', usd: 2 * PRICES.alarmMonth },
  ];
  if (stage.database === 'postgres') lines.push({ what: `RDS db.t4g.micro + ${DB_STORAGE_GB} GiB gp3`, usd: h * PRICES.rdsT4gMicroHour + DB_STORAGE_GB * PRICES.rdsGp3GbMonth });
  if (secrets > 0) lines.push({ what: `${secrets} secret(s)`, usd: secrets * PRICES.secretMonth });
  const rounded = lines.map(l => ({ what: l.what, usd: Math.round(l.usd * 100) / 100 }));
  return { stage: stage.name, lines: rounded, total: Math.round(rounded.reduce((a, l) => a + l.usd, 0) * 100) / 100 };
}
