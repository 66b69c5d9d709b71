import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { StagecraftError } from '../../core/errors';
import type { AwsClients } from '../clients';

/**
 * The Stagecraft a pipeline's builds run: this very installation's dist/ bundle with its
 * templates/ and package.json, packed as a .tgz, uploaded to the foundation's TLS-only bucket
 * under its SHA-256, and verified by the build before use. Never a registry download by name.
 */
export interface StagecraftBundle {
  bucket: string;
  key: string;
  sha256: string;
}

/** The installed package root: the folder above this file holding dist/cli.js and templates/. */
export function packageRoot(from = __dirname): string {
  let dir = from;
  for (let i = 0; i < 6; i++) {
    if (existsSync(path.join(dir, 'dist', 'cli.js')) && existsSync(path.join(dir, 'templates', 'stage.yaml')) && existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new StagecraftError(`No built Stagecraft (dist/cli.js with templates/) above ${from} to ship to the pipeline.`, { kind: 'unavailable', hint: 'Run `npm run build` first (or use the packaged CLI), then deploy the pipeline again.' });
}

function run(cmd: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', code => (code === 0 ? resolve() : reject(new StagecraftError(`${cmd} ${args.join(' ')} failed: ${err.trim()}`))));
  });
}

/** The bundle as bytes and its SHA-256 (tar with fixed owner and order, so the same files give the same bytes where tar allows). */
export async function packBundle(root = packageRoot()): Promise<{ bytes: Buffer; sha256: string; version: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'stagecraft-bundle-'));
  try {
    const file = path.join(dir, 'stagecraft.tgz');
    await run('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=2000-01-01', '-czf', file, 'package.json', 'dist', 'templates'], root);
    const bytes = readFileSync(file);
    const version = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0';
    return { bytes, sha256: createHash('sha256').update(bytes).digest('hex'), version };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Uploads the bundle (once per content) and says where it is. */
export async function uploadBundle(clients: AwsClients, bucket: string, signal?: AbortSignal, root?: string): Promise<StagecraftBundle> {
  const { bytes, sha256, version } = await packBundle(root);
  const key = `stagecraft/${version}-${sha256.slice(0, 16)}.tgz`;
  const { PutObjectCommand } = await import('@aws-sdk/client-s3');
  const s3 = await clients.s3();
  await clients.call(`Upload the Stagecraft bundle to s3://${bucket}/${key}`, signal, o =>
    s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, ContentType: 'application/gzip', ChecksumSHA256: Buffer.from(sha256, 'hex').toString('base64') }), o),
  );
  return { bucket, key, sha256 };
}
