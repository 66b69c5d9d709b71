import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { StagecraftError } from '../../core/errors';
import type { DatabaseSecret } from '../../core/provider';
import { redactor } from '../../core/redact';
import { secretStore } from '../secretStore';

const SecretSchema = z.object({
  host: z.string().min(1),
  port: z.number().int().positive(),
  database: z.string().min(1),
  username: z.string().min(1),
  password: z.string().min(1),
});

/** 192 random bits, URL- and shell-safe (base64url), 32 characters. */
export function generatePassword(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for a password (RFC 5802/7677). Sending this to
 * ALTER USER instead of the password keeps the password itself out of the server and its log.
 * Our passwords are ASCII, so SASLprep leaves them unchanged.
 */
export function scramVerifier(password: string, iterations = 4096): string {
  const salt = randomBytes(16);
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/**
 * Reads a saved secret (OS credential store, else its 0600 file; see secretStore.ts) and registers
 * its password with the redactor; undefined when there is none.
 */
export async function readSecretFile(file: string): Promise<DatabaseSecret | undefined> {
  const raw = await secretStore.read(file);
  if (raw === undefined) return undefined;
  let parsed: z.SafeParseReturnType<unknown, DatabaseSecret>;
  try {
    parsed = SecretSchema.safeParse(JSON.parse(raw));
  } catch {
    parsed = { success: false } as z.SafeParseReturnType<unknown, DatabaseSecret>;
  }
  if (!parsed.success) {
    throw new StagecraftError(`The database secret ${file} is not valid JSON with host, port, database, username and password.`, {
      kind: 'input',
      hint: 'Restore it from a backup, or destroy the stage database to start over (its data is lost).',
    });
  }
  redactor.add(parsed.data.password);
  return parsed.data;
}

/** Saves the secret in the OS credential store, else readable by the owner only (0600), atomically. */
export async function writeSecretFile(file: string, secret: DatabaseSecret): Promise<void> {
  redactor.add(secret.password);
  await secretStore.write(file, JSON.stringify(secret, null, 2) + '\n');
}

export function deleteSecretFile(file: string): Promise<void> {
  return secretStore.delete(file);
}

export function hasSecretFile(file: string): Promise<boolean> {
  return secretStore.has(file);
}
