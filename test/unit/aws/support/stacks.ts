import { parseStackFile } from '../../../../src/core/config/load';
import { builtinSchema } from '../../support/providers';
import type { Stack } from '../../../../src/core/model';

/** A validated Stack from stagecraft.yaml text, as the rest of Stagecraft would load it. */
export function stackFromYaml(text: string, file = '/work/app/stagecraft.yaml'): Stack {
  const parsed = parseStackFile(text, file, builtinSchema());
  if (!parsed.stack) throw new Error(`fixture stagecraft.yaml is invalid: ${parsed.problems.map(p => p.message).join('; ')}`);
  return parsed.stack;
}

/** A digest-addressed image URI that looks like ECR's (the digest is made up, deterministic per seed). */
export function fakeImage(seed = 'a', repo = '123456789012.dkr.ecr.us-east-1.amazonaws.com/shop'): string {
  return `${repo}@sha256:${seed.repeat(64).slice(0, 64)}`;
}
