import { randomBytes, randomUUID } from 'node:crypto';
import { StagecraftError } from '../core/errors';
import type { DatabaseSecret } from '../core/provider';
import { redactor } from '../core/redact';
import type { AwsClients } from './clients';
import type { StackInfo } from './cfn/stacks';
import { sleep } from './wait';

/** CloudFormation tags every resource it creates with these (seed: the secret is found by them). */
export const CFN_STACK_NAME_TAG = 'aws:cloudformation:stack-name';
export const CFN_LOGICAL_ID_TAG = 'aws:cloudformation:logical-id';
const SECRET_LOGICAL_ID = 'DatabaseSecret';

export interface FoundSecret {
  arn: string;
  name: string;
}

/**
 * The stage's database secret: the stack's `DatabaseSecretArn` output (no ListSecrets, which IAM
 * cannot scope to a resource). Undefined when the stage has no database.
 */
export function findDatabaseSecret(stack: StackInfo | undefined, label: string): FoundSecret | undefined {
  if (!stack) return undefined;
  const arn = stack.outputs.DatabaseSecretArn;
  if (arn) return { arn, name: arn.split(':secret:')[1] ?? arn };
  if (stack.outputs.DatabaseInstanceId || stack.outputs.DatabaseEndpoint) {
    throw new StagecraftError(`${label}: ${stack.name} has a database but no DatabaseSecretArn output.`, { hint: 'Deploy the stage again with this version of Stagecraft; its template outputs the secret’s ARN.' });
  }
  return undefined;
}

interface SecretJson {
  username?: string;
  password?: string;
  host?: string;
  port?: number | string;
  dbname?: string;
  dbInstanceIdentifier?: string;
  [key: string]: unknown;
}

async function readSecretJson(clients: AwsClients, arn: string, label: string, signal?: AbortSignal, versionStage = 'AWSCURRENT'): Promise<{ json: SecretJson; versionId?: string }> {
  const { GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  const sm = await clients.secretsManager();
  const out = await clients.call(`${label}: read the database secret`, signal, o => sm.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: versionStage }), o));
  let json: SecretJson;
  try {
    json = JSON.parse(out.SecretString ?? '') as SecretJson;
  } catch {
    throw new StagecraftError(`${label}: the database secret ${arn} is not JSON.`, { hint: 'Restore its value in Secrets Manager (username, password, host, port, dbname).' });
  }
  if (json.password) redactor.add(json.password);
  return { json, versionId: out.VersionId };
}

/** The connection details: the secret first, the stack's outputs and parameters for what it lacks. */
export function toDatabaseSecret(json: SecretJson, stack?: StackInfo): DatabaseSecret {
  return {
    host: json.host ?? stack?.outputs.DatabaseEndpoint ?? '',
    port: Number(json.port ?? 5432),
    database: json.dbname ?? stack?.parameters.DatabaseName ?? 'app',
    username: json.username ?? 'postgres',
    password: json.password ?? '',
  };
}

export async function getDatabaseSecret(clients: AwsClients, label: string, stack: StackInfo | undefined, signal?: AbortSignal): Promise<DatabaseSecret | undefined> {
  const found = findDatabaseSecret(stack, label);
  if (!found) return undefined;
  return toDatabaseSecret((await readSecretJson(clients, found.arn, label, signal)).json, stack);
}

/** 192 random bits in base64url: no character RDS refuses in a master password (/, @, ", space). */
export function newPassword(): string {
  return randomBytes(24).toString('base64url');
}

export interface RotateRequest {
  stackName: string;
  label: string;
  stack: StackInfo;
  log?: (line: string) => void;
  signal?: AbortSignal;
  /** How often RDS is asked whether the new password is applied, and for how long. */
  pollMs?: number;
  timeoutMs?: number;
}

/**
 * Waits until RDS has applied the master password: the instance is `available` and
 * `PendingModifiedValues.MasterUserPassword` is gone. Until then the old password still works
 * and the secret must keep it as AWSCURRENT.
 */
export async function waitForPasswordApplied(clients: AwsClients, instance: string, req: Pick<RotateRequest, 'label' | 'log' | 'signal' | 'pollMs' | 'timeoutMs'>): Promise<void> {
  const { DescribeDBInstancesCommand } = await import('@aws-sdk/client-rds');
  const rds = await clients.rds();
  const deadline = Date.now() + (req.timeoutMs ?? 20 * 60_000);
  let said = false;
  for (;;) {
    const out = await clients.call(`${req.label}: read ${instance}`, req.signal, o => rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: instance }), o));
    const db = out.DBInstances?.[0];
    const pending = db?.PendingModifiedValues?.MasterUserPassword !== undefined;
    if (db && !pending && (db.DBInstanceStatus ?? 'available') === 'available') return;
    if (Date.now() > deadline) {
      throw new StagecraftError(`${req.label}: RDS has not applied the new password to ${instance} yet (status ${db?.DBInstanceStatus ?? 'unknown'}); the secret still holds the old one as current.`, {
        hint: 'The new password is kept as AWSPENDING in the secret. Wait until the instance is available, then run `db rotate` again.',
      });
    }
    if (!said) req.log?.(`${req.label}: waiting for RDS to apply the new password to ${instance} (${db?.DBInstanceStatus ?? 'unknown'})`);
    said = true;
    await sleep(req.pollMs ?? 10_000, req.signal);
  }
}

/**
 * New password into the secret and the database, then a new ECS deployment so tasks read it:
 * 1. the new value goes in as AWSPENDING (the current one still works everywhere);
 * 2. RDS gets the new master password;
 * 3. AWSCURRENT moves to the new value (AWSPREVIOUS keeps the old one), AWSPENDING is cleared;
 * 4. ECS starts a new deployment of the service.
 * A failure at 2 leaves everything as it was; after 2 the message says exactly what to finish.
 */
export async function rotateDatabasePassword(clients: AwsClients, req: RotateRequest): Promise<void> {
  const sm = await import('@aws-sdk/client-secrets-manager');
  const smClient = await clients.secretsManager();
  const log = req.log ?? (() => undefined);
  const found = findDatabaseSecret(req.stack, req.label);
  if (!found) throw new StagecraftError(`${req.label} has no database (${req.stackName} has no DatabaseSecretArn output).`, { kind: 'input', hint: 'Set `database: postgres` on the stage and deploy it first.' });
  const current = await readSecretJson(clients, found.arn, req.label, req.signal);
  const instance = current.json.dbInstanceIdentifier ?? req.stack.outputs.DatabaseInstanceId;
  if (!instance) throw new StagecraftError(`${req.label}: cannot tell which RDS instance the secret belongs to.`, { hint: 'Deploy the stage again so its DatabaseInstanceId output exists.' });

  const password = newPassword();
  redactor.add(password);
  const token = randomUUID();
  await clients.call(`${req.label}: store the new password (pending)`, req.signal, o =>
    smClient.send(new sm.PutSecretValueCommand({ SecretId: found.arn, ClientRequestToken: token, SecretString: JSON.stringify({ ...current.json, password }), VersionStages: ['AWSPENDING'] }), o),
  );
  log(`${req.label}: new password stored in ${found.name} as AWSPENDING`);

  const { ModifyDBInstanceCommand } = await import('@aws-sdk/client-rds');
  const rds = await clients.rds();
  try {
    await clients.call(`${req.label}: set the new password on ${instance}`, req.signal, o => rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: instance, MasterUserPassword: password, ApplyImmediately: true }), o));
  } catch (err) {
    // Nothing changed in the database: take the pending value back out of use.
    await clients
      .call(`${req.label}: discard the pending password`, undefined, o => smClient.send(new sm.UpdateSecretVersionStageCommand({ SecretId: found.arn, VersionStage: 'AWSPENDING', RemoveFromVersionId: token }), o))
      .catch(() => undefined);
    throw err;
  }
  // ModifyDBInstance returns at once; the password is in effect only when RDS no longer lists it as pending.
  await waitForPasswordApplied(clients, instance, req);
  log(`${req.label}: RDS instance ${instance} has the new password`);

  try {
    await clients.call(`${req.label}: make the new password current`, undefined, o =>
      smClient.send(new sm.UpdateSecretVersionStageCommand({ SecretId: found.arn, VersionStage: 'AWSCURRENT', MoveToVersionId: token, RemoveFromVersionId: current.versionId }), o),
    );
  } catch (err) {
    throw new StagecraftError(`${req.label}: the database now uses the new password, but the secret still points at the old one.`, {
      cause: err,
      hint: `Finish by hand: aws secretsmanager update-secret-version-stage --secret-id ${found.name} --version-stage AWSCURRENT --move-to-version-id ${token}${current.versionId ? ` --remove-from-version-id ${current.versionId}` : ''}`,
    });
  }
  // AWSPENDING stays on a version until someone removes it; a later rotation would trip over it.
  await clients
    .call(`${req.label}: clear the pending label`, undefined, o => smClient.send(new sm.UpdateSecretVersionStageCommand({ SecretId: found.arn, VersionStage: 'AWSPENDING', RemoveFromVersionId: token }), o))
    .catch(err => log(`${req.label}: note: could not clear AWSPENDING from the new version (${(err as Error).message})`));
  log(`${req.label}: ${found.name} now holds the new password (the old one is AWSPREVIOUS)`);

  const cluster = req.stack.outputs.ClusterName;
  const service = req.stack.outputs.ServiceName;
  if (cluster && service) {
    const { UpdateServiceCommand } = await import('@aws-sdk/client-ecs');
    const ecs = await clients.ecs();
    await clients.call(`${req.label}: restart the service with the new password`, req.signal, o => ecs.send(new UpdateServiceCommand({ cluster, service, forceNewDeployment: true }), o));
    log(`${req.label}: new ECS deployment of ${service} started so tasks read the new password`);
  }
}
