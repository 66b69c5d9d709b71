import type { EnvValue, Stage } from '../model';

/**
 * How the configuration of the stage being promoted to differs from the stage the artifact comes
 * from, as lines a person reads: what will behave differently besides the code. Only what
 * stagecraft.yaml says (secret values are never in it: references are shown as references).
 */
const SHARED_KEYS = new Set(['name', 'provider', 'database', 'requireApproval', 'protected', 'env', 'origins', 'branches', 'approvalTimeout', 'index']);

/** `loadBalancer` → `load balancer`. */
function words(key: string): string {
  return key.replace(/[A-Z]/g, c => ` ${c.toLowerCase()}`);
}

export function stageConfigDiff(from: Stage, to: Stage): string[] {
  const lines: string[] = [];
  const field = (label: string, a: unknown, b: unknown) => {
    if (JSON.stringify(a) !== JSON.stringify(b)) lines.push(`${label}: ${show(a)} → ${show(b)}`);
  };
  field('provider', from.provider, to.provider);
  field('database', from.database, to.database);
  field('manual approval', from.requireApproval, to.requireApproval);
  field('protected', from.protected, to.protected);
  // Each provider's own keys (a region, a load balancer), named as in stagecraft.yaml, in words.
  const own = (s: Stage) => Object.keys(s).filter(k => !SHARED_KEYS.has(k));
  for (const key of [...new Set([...own(from), ...own(to)])].sort()) {
    field(words(key), (from as unknown as Record<string, unknown>)[key], (to as unknown as Record<string, unknown>)[key]);
  }

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
