import { CreateRepositoryCommand, PutImageCommand } from '@aws-sdk/client-ecr';
import type { AwsClients } from '../../../../src/aws/clients';

/**
 * Pushes a (tiny, made-up) image manifest tagged with `tag` into an ECR repository, creating the
 * repository when needed; returns `repositoryUri@digest` as ECR computed it.
 */
export async function pushFakeImage(clients: AwsClients, repository: string, tag: string): Promise<string> {
  const ecr = await clients.ecr();
  let uri: string | undefined;
  try {
    uri = (await ecr.send(new CreateRepositoryCommand({ repositoryName: repository }))).repository?.repositoryUri;
  } catch (err) {
    if ((err as Error).name !== 'RepositoryAlreadyExistsException') throw err;
  }
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 7023, digest: `sha256:${tag.padEnd(64, '0').slice(0, 64).replace(/[^0-9a-f]/g, '0')}` },
    layers: [],
  });
  const out = await ecr.send(new PutImageCommand({ repositoryName: repository, imageManifest: manifest, imageTag: tag }));
  uri ??= `123456789012.dkr.ecr.us-east-1.amazonaws.com/${repository}`;
  return `${uri}@${out.image?.imageId?.imageDigest}`;
}
