import { StagecraftError } from '../core/errors';
import type { Stack } from '../core/model';
import type { ArtifactRef } from '../core/provider';
import type { AwsClients } from './clients';
import { awsErrorName } from './errors';

const BY_DIGEST = /^\S+@sha256:[0-9a-f]{64}$/;
const DIGEST_HEX = /^[0-9a-f]{64}$/;

/** No image is tagged with the commit yet: the one case a build of that commit can fix. */
export class MissingImageError extends StagecraftError {}

/** Whether `err` says the commit has no image yet (and not that ECR could not be read, …). */
export function isMissingImage(err: unknown): err is MissingImageError {
  return err instanceof MissingImageError;
}

/** The content hash of an image reference: the hex of its sha256 digest. */
export function digestOf(imageUri: string): string {
  return imageUri.slice(imageUri.lastIndexOf('@sha256:') + '@sha256:'.length);
}

/** The ECR repository of a stack's images (the pipeline stack creates it with this name). */
export function imageRepositoryName(stack: Pick<Stack, 'name'>): string {
  return stack.name.toLowerCase();
}

/**
 * The image a deploy runs, by digest: the artifact itself when it already is an image reference,
 * otherwise the image built for this commit (tagged with it in the stack's ECR repository). It is
 * never rebuilt per stage: every stage gets the same digest.
 */
export async function resolveImage(clients: AwsClients, stack: Stack, artifact: ArtifactRef, signal?: AbortSignal, repository = imageRepositoryName(stack)): Promise<string> {
  if (BY_DIGEST.test(artifact.id)) return artifact.id;
  const { DescribeImagesCommand, DescribeRepositoriesCommand } = await import('@aws-sdk/client-ecr');
  const ecr = await clients.ecr();
  // The artifact id of an AWS run is the image digest (the content hash); otherwise look the commit's tag up.
  const byDigest = DIGEST_HEX.test(artifact.id);
  const what = byDigest ? `image sha256:${artifact.id.slice(0, 12)}` : `the image of commit ${artifact.commit.slice(0, 12)}`;
  const action = `${stack.name}: find ${what}`;
  try {
    const repo = await clients.call(action, signal, o => ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [repository] }), o));
    const uri = repo.repositories?.[0]?.repositoryUri;
    const imageId = byDigest ? { imageDigest: `sha256:${artifact.id}` } : { imageTag: artifact.commit };
    const images = await clients.call(action, signal, o => ecr.send(new DescribeImagesCommand({ repositoryName: repository, imageIds: [imageId] }), o));
    const digest = images.imageDetails?.[0]?.imageDigest;
    if (uri && digest) return `${uri}@${digest}`;
  } catch (err) {
    const name = awsErrorName((err as { cause?: unknown }).cause ?? err);
    if (name !== 'RepositoryNotFoundException' && name !== 'ImageNotFoundException') throw err;
  }
  if (byDigest) {
    throw new StagecraftError(`${stack.name}: ${what} is not in the ECR repository "${repository}" (any more?).`, { kind: 'input', hint: 'Run the pipeline again so the image is built and pushed.' });
  }
  throw new MissingImageError(`${stack.name}: no image for commit ${artifact.commit.slice(0, 12)} in the ECR repository "${repository}".`, {
    kind: 'input',
    hint: 'Run the pipeline (Run Pipeline, or `stagecraft aws pipeline run`): its build creates the image once, and every stage is then deployed with that digest.',
  });
}

