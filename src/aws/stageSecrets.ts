import { redactor } from '../core/redact';
import type { AwsClients } from './clients';
import { awsErrorName } from './errors';
import { stageSecretName, TAG } from './stageTemplate';

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
