import { StagecraftError } from '../core/errors';
import type { Stack, Stage } from '../core/model';
import { databaseEnv, readStageDatabaseSecret } from './database';
import { readStageSecrets } from './stageSecrets';

/**
 * The environment a local stage's app runs with, lowest to highest precedence: the Dockerfile's
 * ENV, the stage's `env` (the stage wins, as on ECS), the database variables, then what the
 * platform sets: COMMIT_HASH, STAGE_NAME, and HOST bound to loopback (PORT comes from the runtime).
 */
export interface StageEnvironment {
  env: Record<string, string>;
  /** Variables whose values came from a stage secret or the database credential: masked in logs whatever they are called. */
  secretNames: string[];
}

export async function stageEnvironment(
  stack: Stack,
  stage: Stage,
  dockerfileEnv: Record<string, string>,
  commit: string,
): Promise<StageEnvironment> {
  const secrets = await readStageSecrets(stack.root, stage.name);
  // No prototype: a name like `__proto__` or a secret called `constructor` is a plain key here.
  const fromStage: Record<string, string> = Object.create(null) as Record<string, string>;
  const secretNames: string[] = [];
  for (const [name, value] of Object.entries(stage.env)) {
    if (typeof value === 'string') {
      fromStage[name] = value;
    } else {
      const secret = Object.hasOwn(secrets, value.secret) ? secrets[value.secret] : undefined;
      if (secret === undefined) {
        throw new StagecraftError(`Stage "${stage.name}": env ${name} refers to secret "${value.secret}", which this machine does not have.`, {
          kind: 'input',
          hint: `Store it with \`stagecraft env set ${stage.name} ${name} --secret\` (or the Environment Variables panel).`,
        });
      }
      fromStage[name] = secret;
      secretNames.push(name);
    }
  }
  let database: Record<string, string> = {};
  if (stage.database === 'postgres') {
    const secret = await readStageDatabaseSecret(stack.root, stage.name);
    if (secret) {
      database = databaseEnv(secret);
      // Only the variables that carry the password; host, port and user are not secret.
      secretNames.push(...Object.keys(database).filter(k => database[k].includes(secret.password)));
    }
  }
  const env = {
    ...dockerfileEnv,
    ...fromStage,
    ...database,
    // Local stages listen on loopback only, whatever the Dockerfile says for containers.
    HOST: '127.0.0.1',
    COMMIT_HASH: commit,
    STAGE_NAME: stage.name,
  };
  return { env, secretNames: [...new Set(secretNames)] };
}
