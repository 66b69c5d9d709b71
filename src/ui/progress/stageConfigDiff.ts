import type { EnvValue, Stage } from '../../core/model';

/**
 * How the configuration of the stage being promoted to differs from the stage the artifact comes
 * from, as lines a person reads: what will behave differently besides the code. Only what
 * stagecraft.yaml says (secret values are never in it: references are shown as references).
 */
export function stageConfigDiff(from: Stage, to: Stage): string[] {
  const lines: string[] = [];
  const field = (label: string, a: unknown, b: unknown) => {
    if (JSON.stringify(a) !== JSON.stringify(b)) lines.push(`${label}: ${show(a)} → ${show(b)}`);
  };
  field('provider', from.provider, to.provider);
  field('region', from.region, to.region);
  field('profile', from.profile, to.profile);
  field('database', from.database, to.database);
  field('load balancer', from.loadBalancer, to.loadBalancer);
  field('manual approval', from.requireApproval, to.requireApproval);
  field('protected', from.protected, to.protected);

  const names = [...new Set([...Object.keys(from.env ?? {}), ...Object.keys(to.env ?? {})])].sort();
  for (const name of names) {
    const a = from.env?.[name];
    const b = to.env?.[name];
    if (JSON.stringify(a) !== JSON.stringify(b)) lines.push(`env ${name}: ${envText(a)} → ${envText(b)}`);
  }
  const added = (to.origins ?? []).filter(o => !(from.origins ?? []).includes(o));
  const removed = (from.origins ?? []).filter(o => !(to.origins ?? []).includes(o));
  if (added.length || removed.length) {
    lines.push(`origins: ${[...added.map(o => `+ ${o}`), ...removed.map(o => `− ${o}`)].join(', ')}`);
  }
  return lines;
}

function envText(value: EnvValue | undefined): string {
  if (value === undefined) return '(not set)';
  if (typeof value === 'object') return `secret "${value.secret}"`;
  return JSON.stringify(value);
}

function show(value: unknown): string {
  if (value === undefined) return '(not set)';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value);
}
