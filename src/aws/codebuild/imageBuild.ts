import { randomUUID } from 'node:crypto';
import { StagecraftError, throwIfAborted } from '../../core/errors';
import type { Stack } from '../../core/model';
import { describeStack } from '../cfn/stacks';
import type { AwsClients } from '../clients';
import { awsErrorName } from '../errors';
import { imageRepositoryName, isMissingImage, resolveImage } from '../image';
import { pipelineStackName } from '../pipeline/template';
import { gitArchiveZip, uploadSourceSnapshot } from '../pipeline/source';
import { followBuild } from './followBuild';

export { isMissingImage } from '../image';

export interface ImageBuildRequest {
  stack: Stack;
  /** The full commit id: the image is tagged with exactly this (as the pipeline tags it). */
  commit: string;
  /** The repository root; the commit is archived as committed (git archive), never the working tree. */
  root: string;
  /** Progress: upload, build start, each phase once, the result. */
  log?: (line: string) => void;
  /** The build's own log lines (CloudWatch), each once; default: `log`. */
  onBuildLogLine?: (line: string) => void;
  signal?: AbortSignal;
  /** Polling of the build: first interval (default 2 s), growing to `maxPollMs` (default 10 s) while nothing changes. */
  pollMs?: number;
  maxPollMs?: number;
  /** Gives up and stops the build after this long (default 40 min). */
  timeoutMs?: number;
}

/** Where IDE builds put their snapshots: not the pipeline's SourceObjectKey, so no run is started by them. */
export const IMAGE_BUILD_KEY_PREFIX = 'builds/';

/** What the pipeline stack provides for a build: its outputs. */
interface BuildTarget {
  bucket: string;
  projectName: string;
  repository: string;
}

const FULL_COMMIT = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * Builds the image of `commit` with the stack's CodeBuild project (the pipeline's build project),
 * without Docker on this machine: the commit is zipped with git archive, uploaded to the pipeline's
 * artifact bucket under builds/, and built from that exact object version with the project's own
 * buildspec, which pushes the image tagged with the commit to the stack's ECR repository. Resolves
 * with the image by digest (`repositoryUri@sha256:…`), the reference every stage is deployed with.
 * Call it when `resolveImage` failed with `isMissingImage(err)`.
 */
export async function buildImageWithCodeBuild(clients: AwsClients, req: ImageBuildRequest): Promise<string> {
  const { stack, commit, signal } = req;
  const label = `${stack.name}/build`;
  const short = commit.slice(0, 12);
  const what = `the image of commit ${short}`;
  if (!FULL_COMMIT.test(commit)) {
    throw new StagecraftError(`${label}: "${commit}" is not a full commit id; the image is tagged with the full id.`, { kind: 'usage', hint: 'Pass the commit as `git rev-parse HEAD` prints it.' });
  }
  throwIfAborted(signal, `${label}: the build of ${what}`);
  const target = await buildTarget(clients, stack, short, signal);

  const zip = await gitArchiveZip(req.root, commit, signal);
  const key = `${IMAGE_BUILD_KEY_PREFIX}${commit}.zip`;
  req.log?.(`${label}: source snapshot of ${short}: ${(zip.length / 1024).toFixed(0)} KiB → s3://${target.bucket}/${key}`);
  const versionId = await uploadSourceSnapshot(clients, { bucket: target.bucket, key, zip, commit, label, signal });

  const buildspec = await projectBuildspec(clients, target.projectName, label, signal, req.log);
  const buildId = await startImageBuild(clients, { ...target, key, versionId, commit, buildspec, label, signal });
  req.log?.(`${label}: CodeBuild build ${buildId} started for ${short}`);

  const build = await followBuild(clients, {
    buildId,
    label,
    what,
    log: req.log,
    onLogLine: req.onBuildLogLine ?? req.log,
    signal,
    pollMs: req.pollMs,
    maxPollMs: req.maxPollMs,
    timeoutMs: req.timeoutMs,
  });

  try {
    const image = await resolveImage(clients, stack, { id: '', commit }, signal, target.repository);
    req.log?.(`${label}: image ${image}`);
    return image;
  } catch (err) {
    if (!isMissingImage(err)) throw err;
    throw new StagecraftError(`${label}: build ${buildId} succeeded, but no image tagged ${short} is in the ECR repository "${target.repository}".`, {
      hint: `The project's buildspec must push "$IMAGE_REPOSITORY_URI:$COMMIT"; update the pipeline stack (\`stagecraft aws pipeline deploy\`) so it has Stagecraft's buildspec.${build.logs?.deepLink ? ` Build log: ${build.logs.deepLink}` : ''}`,
    });
  }
}

async function buildTarget(clients: AwsClients, stack: Stack, short: string, signal?: AbortSignal): Promise<BuildTarget> {
  const stackName = pipelineStackName(stack.name);
  const info = await describeStack(clients, stackName, signal, `${stack.name}/pipeline: read stack ${stackName}`);
  const createIt = 'Create it first: `stagecraft aws pipeline deploy` (or Deploy Release Pipeline in the IDE), then deploy again.';
  if (!info) {
    throw new StagecraftError(
      `${stack.name}: no image for commit ${short} yet, and nothing to build it with: images are built by the stack's CodeBuild project, which the release pipeline stack ${stackName} creates, and that stack does not exist.`,
      { kind: 'input', hint: createIt },
    );
  }
  const bucket = info.outputs.ArtifactBucketName;
  const projectName = info.outputs.BuildProjectName;
  if (!bucket || !projectName) {
    const missing = [!bucket && 'ArtifactBucketName', !projectName && 'BuildProjectName'].filter(Boolean).join(' and ');
    throw new StagecraftError(`${stack.name}: the release pipeline stack ${stackName} (${info.status}) has no output ${missing}, so the image of ${short} cannot be built.`, {
      kind: 'input',
      hint: 'Update it: `stagecraft aws pipeline deploy` (or Deploy Release Pipeline in the IDE), then deploy again.',
    });
  }
  return { bucket, projectName, repository: info.outputs.ImageRepositoryName || imageRepositoryName(stack) };
}

/**
 * The project's own buildspec, passed back as the build's buildspec: with the source type
 * overridden to S3, CodeBuild would otherwise be free to look for buildspec.yml in the snapshot.
 * Undefined when it cannot be read (the project's setting then applies as CodeBuild sees fit).
 */
async function projectBuildspec(clients: AwsClients, projectName: string, label: string, signal: AbortSignal | undefined, log?: (line: string) => void): Promise<string | undefined> {
  const { BatchGetProjectsCommand } = await import('@aws-sdk/client-codebuild');
  const cb = await clients.codeBuild();
  try {
    const out = await clients.call(`${label}: read the build project ${projectName}`, signal, o => cb.send(new BatchGetProjectsCommand({ names: [projectName] }), o));
    const project = out.projects?.find(p => p.name === projectName);
    if (!project) {
      throw new StagecraftError(`${label}: the build project ${projectName} of the release pipeline does not exist (deleted outside Stagecraft?).`, {
        kind: 'input',
        hint: 'Update the pipeline stack so it is created again: `stagecraft aws pipeline deploy` (or Deploy Release Pipeline in the IDE).',
      });
    }
    return project.source?.buildspec || undefined;
  } catch (err) {
    if (err instanceof StagecraftError && (err.cancelled || !err.cause)) throw err;
    const name = awsErrorName((err as { cause?: unknown }).cause ?? err);
    if (name !== 'AccessDeniedException' && !/not authorized/i.test((err as Error).message)) throw err;
    log?.(`${label}: cannot read the build project (${name}); starting it with the buildspec it has`);
    return undefined;
  }
}

interface StartRequest extends BuildTarget {
  key: string;
  versionId: string;
  commit: string;
  buildspec?: string;
  label: string;
  signal?: AbortSignal;
}

/** StartBuild on the pipeline's project, from the uploaded snapshot (that exact version), with no artifacts. */
async function startImageBuild(clients: AwsClients, req: StartRequest): Promise<string> {
  const { StartBuildCommand } = await import('@aws-sdk/client-codebuild');
  const cb = await clients.codeBuild();
  const out = await clients.call(`${req.label}: start the build project ${req.projectName}`, req.signal, o =>
    cb.send(
      new StartBuildCommand({
        projectName: req.projectName,
        sourceTypeOverride: 'S3',
        sourceLocationOverride: `${req.bucket}/${req.key}`,
        sourceVersion: req.versionId,
        // The project's artifacts go to CodePipeline; a build of its own has none to hand on.
        artifactsOverride: { type: 'NO_ARTIFACTS' },
        environmentVariablesOverride: [
          { name: 'SOURCE_COMMIT', value: req.commit, type: 'PLAINTEXT' },
          // Only the image: no stage templates to render for a pipeline that is not running.
          { name: 'IMAGE_ONLY', value: 'true', type: 'PLAINTEXT' },
        ],
        ...(req.buildspec ? { buildspecOverride: req.buildspec } : {}),
        // The SDK resends the same token when it retries, so a retry never starts a second build.
        idempotencyToken: randomUUID(),
      }),
      o,
    ),
  );
  const id = out.build?.id;
  if (!id) throw new StagecraftError(`${req.label}: CodeBuild started no build of ${req.projectName} (no build id returned).`);
  return id;
}
