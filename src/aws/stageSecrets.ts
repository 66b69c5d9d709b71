import { redactor } from '../core/redact';
import type { AwsClients } from './clients';
import { awsErrorName } from './errors';
import { StagecraftError } from '../core/errors';
import { stageSecretName, TAG, type StoredSecret } from './stageTemplate';

/**
 * Stores a value a stage's `env` refers to as `{ secret: NAME }` in Secrets Manager under
 * `stagecraft/<stack>/<stage>/<NAME>`, the name the task definition reads it by (and the only
 * prefix the task execution role may read). Creates the secret or adds a new current version.
 */
export async function storeStageSecret(clients: AwsClients, stack: string, stage: string, name: string, value: string, signal?: AbortSignal): Promise<string> {
  redactor.add(value);
  const sm = await import('@aws-sdk/client-secrets-manager');
  const client = await clients.secretsManager();
  const secretName = stageSecretName(stack, stage, name);
  const action = `${stack}/${stage}: store secret ${name}`;
  try {
    const out = await clients.call(action, signal, o => client.send(new sm.PutSecretValueCommand({ SecretId: secretName, SecretString: value }), o));
    return out.ARN ?? secretName;
  } catch (err) {
    if (awsErrorName((err as { cause?: unknown }).cause ?? err) !== 'ResourceNotFoundException') throw err;
  }
  const created = await clients.call(action, signal, o =>
    client.send(
      new sm.CreateSecretCommand({
        Name: secretName,
        SecretString: value,
        Description: `Stagecraft: ${name} for stage ${stage} of ${stack}`,
        Tags: [
          { Key: TAG.stack, Value: stack },
          { Key: TAG.stage, Value: stage },
        ],
      }),
      o,
    ),
  );
  return created.ARN ?? secretName;
}

/**
 * The current value of one stage secret (GetSecretValue), for what the engine itself needs, such
 * as a notification's webhook URL; undefined when it is not stored. The value joins the redactor.
 */
export async function readStageSecret(clients: AwsClients, stack: string, stage: string, name: string, signal?: AbortSignal): Promise<string | undefined> {
  const sm = await import('@aws-sdk/client-secrets-manager');
  const client = await clients.secretsManager();
  try {
    const out = await clients.call(`${stack}/${stage}: read secret ${name}`, signal, o => client.send(new sm.GetSecretValueCommand({ SecretId: stageSecretName(stack, stage, name) }), o));
    if (out.SecretString !== undefined) redactor.add(out.SecretString);
    return out.SecretString;
  } catch (err) {
    if (awsErrorName((err as { cause?: unknown }).cause ?? err) === 'ResourceNotFoundException') return undefined;
    throw err;
  }
}

/**
 * The full ARN and current version id of each secret a stage's `env` refers to (DescribeSecret:
 * no value is read). A secret not stored yet is an error naming the command that stores it: a task
 * whose secret is missing never starts.
 */
export async function describeStageSecrets(clients: AwsClients, stack: string, stage: string, names: string[], signal?: AbortSignal): Promise<Record<string, StoredSecret>> {
  if (names.length === 0) return {};
  const sm = await import('@aws-sdk/client-secrets-manager');
  const client = await clients.secretsManager();
  const out: Record<string, StoredSecret> = {};
  for (const name of [...new Set(names)]) {
    const secretName = stageSecretName(stack, stage, name);
    try {
      const d = await clients.call(`${stack}/${stage}: read secret ${name}`, signal, o => client.send(new sm.DescribeSecretCommand({ SecretId: secretName }), o));
      const current = Object.entries(d.VersionIdsToStages ?? {}).find(([, stages]) => stages.includes('AWSCURRENT'))?.[0];
      out[name] = { arn: d.ARN ?? secretName, versionId: current };
    } catch (err) {
      if (awsErrorName((err as { cause?: unknown }).cause ?? err) !== 'ResourceNotFoundException') throw err;
      throw new StagecraftError(`${stack}/${stage}: the secret ${name} is referenced by the stage's env but not stored in Secrets Manager (${secretName}).`, {
        kind: 'input',
        hint: `Store it first: stagecraft env set VAR --stage ${stage} --secret (or Edit Environment Variables).`,
      });
    }
  }
  return out;
}
