import { spawn } from 'node:child_process';
import { StagecraftError } from '../../core/errors';
import type { AwsClients } from '../clients';

/** The commit as committed, zipped by git itself (uncommitted changes are never released). */
export function gitArchiveZip(root: string, commit: string, signal?: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['archive', '--format=zip', commit], { cwd: root, signal, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', err => reject(signal?.aborted ? StagecraftError.cancelled('Source snapshot') : new StagecraftError(`Cannot run git archive in ${root}: ${err.message}`, { cause: err })));
    child.on('close', code => {
      if (code === 0) resolve(Buffer.concat(chunks));
      else reject(new StagecraftError(`git archive of ${commit.slice(0, 12)} failed: ${stderr.trim() || `exit ${code}`}`, { kind: 'input', hint: 'Is the commit in this repository? Commit your changes first: only committed code is released.' }));
    });
  });
}

/**
 * Uploads the source snapshot the pipeline's S3 source action reads. The bucket is versioned;
 * the version id returned pins a run to exactly this upload.
 */
export async function uploadSourceSnapshot(clients: AwsClients, req: { bucket: string; key: string; zip: Buffer; commit: string; label: string; signal?: AbortSignal }): Promise<string> {
  const { PutObjectCommand } = await import('@aws-sdk/client-s3');
  const s3 = await clients.s3();
  const out = await clients.call(`${req.label}: upload the source snapshot to s3://${req.bucket}/${req.key}`, req.signal, o =>
    s3.send(new PutObjectCommand({ Bucket: req.bucket, Key: req.key, Body: req.zip, ContentType: 'application/zip', Metadata: { 'stagecraft-commit': req.commit } }), o),
  );
  if (!out.VersionId) {
    throw new StagecraftError(`${req.label}: s3://${req.bucket} did not return a version id; the pipeline's source bucket must be versioned.`, { hint: 'Update the pipeline stack (its template turns versioning on).' });
  }
  return out.VersionId;
}
