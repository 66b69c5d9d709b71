import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { exposedPort, parseDockerfile, startCommand } from '../dockerfile';
import { StagecraftError } from '../errors';
import { slugifyStageName } from '../naming';
import { findHealthRoute } from './healthRoute';
import { STACK_FILE } from './load';
import type { ProviderLookup } from '../providerModule';

export interface ScaffoldFacts {
  stack: string;
  dockerfile: string;
  port: number;
  healthCheck: string;
  start?: string;
  build?: string;
  migrate?: string;
  /** The file where the health route was found; absent when `healthCheck` is a guess. */
  healthSource?: string;
  /** The Dockerfile's start command (CMD/ENTRYPOINT), shown as a comment: the Dockerfile decides. */
  dockerfileStart?: string;
  /** Where the facts came from, written as comments so the user can check them. */
  sources: string[];
}

/** Looks at the folder's Dockerfile and package.json to prefill a new stack file. */
export async function gatherScaffoldFacts(root: string, stackName?: string): Promise<ScaffoldFacts> {
  const facts: ScaffoldFacts = { stack: stackName ?? slugifyStageName(path.basename(root)), dockerfile: 'Dockerfile', port: 8080, healthCheck: '/health', sources: [] };
  const pkg = await readJson(path.join(root, 'package.json'));
  const dockerText = await fs.readFile(path.join(root, 'Dockerfile'), 'utf8').catch(() => undefined);
  if (pkg) {
    if (!stackName && typeof pkg.name === 'string') facts.stack = slugifyStageName(pkg.name.replace(/^@[^/]+\//, ''));
    const scripts = (pkg.scripts ?? {}) as Record<string, unknown>;
    // With a Dockerfile, its RUN and CMD build and start the service: build/start keys would contradict it.
    if (dockerText === undefined && typeof scripts.build === 'string') facts.build = 'npm run build';
    if (typeof scripts.migrate === 'string') facts.migrate = 'npm run migrate';
    if (dockerText === undefined && typeof scripts.start === 'string') facts.start = 'npm start';
    facts.sources.push('package.json');
  }
  if (dockerText !== undefined) {
    const instructions = parseDockerfile(dockerText);
    facts.dockerfileStart = startCommand(instructions);
    facts.port = exposedPort(instructions) ?? portInCommand(facts.dockerfileStart) ?? facts.port;
    facts.sources.push('Dockerfile');
  }
  const route = await findHealthRoute(root);
  if (route) {
    facts.healthCheck = route.path;
    facts.healthSource = route.file;
    facts.sources.push(route.file);
  } else if (dockerText !== undefined) {
    // A service with no health route in its source: its home page is the likeliest 2xx.
    facts.healthCheck = '/';
  }
  return facts;
}

/** A port fixed in the start command: `--bind 0.0.0.0:8000`, `--port 8000`, `-p 8000`. */
function portInCommand(command: string | undefined): number | undefined {
  const m = command && /(?:--bind[= ]\S*:|--port[= ]|\s-p\s+|-b\s+\S*:)(\d{2,5})\b/.exec(command);
  return m ? Number(m[1]) : undefined;
}

/** A commented `stagecraft.yaml` with the usual dev → test → prod stages, all local. */
/**
 * The first stagecraft.yaml of a service. Its stages use `provider`, the default provider (the
 * first registered); the comment lists what `provider:` accepts.
 */
export function scaffoldStackFile(f: ScaffoldFacts, providers: Pick<ProviderLookup, 'names' | 'module'>): string {
  const [provider = ''] = providers.names();
  const choices = providers
    .names()
    .map(n => `${n}: ${providers.module(n)?.description ?? ''}`)
    .join('; ');
  const optional = (key: string, value: string | undefined, what: string) =>
    value ? `  ${key}: ${JSON.stringify(value)}   # ${what}\n` : `  # ${key}: ""   # ${what}\n`;
  return `# Stagecraft stack definition: versioned with the app, edited by hand or from VS Code.
# Secrets never go here, only references such as { secret: NAME }.
# Prefilled from: ${f.sources.length ? f.sources.join(', ') : 'defaults (no Dockerfile or package.json found)'}.
stack: ${f.stack}

# gitflow: develop → dev, release/* → qa then prod, main → prod, feature/* → your own stage.
# trunk: main deploys through every stage in order.
branchModel: gitflow

service:
  dockerfile: ${f.dockerfile}
  port: ${f.port}   # the port the container listens on (EXPOSE)
  healthCheck: ${f.healthCheck}   # must answer 2xx when the service is ready${f.healthSource ? ` (found in ${f.healthSource})` : '; a guess (no health route found in the source): if it fails, the deploy says which common path answers'}
${f.sources.includes('Dockerfile') ? `  # The Dockerfile builds (RUN) and starts (CMD${f.dockerfileStart ? `: ${f.dockerfileStart.replace(/\n/g, ' ')}` : ''}) the service;
  # start: is used only when it has no CMD, and build: runs on this machine before it.
` : `${optional('start', f.start, 'how the service starts (CMD)')}${optional('build', f.build, 'run once when the artifact is built')}`}${optional('migrate', f.migrate, 'database migration, run before each stage deploys')}
# Stages in promotion order. The same artifact moves through them.
stages:
  - name: dev
    provider: ${provider}   # ${choices}
    requireApproval: false
  - name: test
    provider: ${provider}
    requireApproval: false
  - name: prod
    provider: ${provider}
    requireApproval: true   # stop for a person before promoting here
    # origins: [https://app.example.com]   # CORS; only localhost when empty
`;
}

export async function writeNewStackFile(root: string, text: string): Promise<string> {
  const file = path.join(root, STACK_FILE);
  await fs.writeFile(file, text, { flag: 'wx' }).catch(err => {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new StagecraftError(`${file} already exists; Stagecraft does not overwrite it.`, { kind: 'input', hint: 'Edit the existing file, or delete it first.' });
    throw err;
  });
  return file;
}

async function readJson(file: string): Promise<Record<string, unknown> | undefined> {
  try {
    const parsed: unknown = JSON.parse(await fs.readFile(file, 'utf8'));
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
