import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { StagecraftError, throwIfAborted } from '../../core/errors';
import { runProcess, runShell, type RunResult } from '../../core/exec';
import { hashSources, resolveCopySources, type BuildContext, type ResolvedSource } from './context';
import { loadDockerIgnore } from './dockerignore';
import { makeReadOnly, removeTree } from './fsTree';
import { planBuild, type BuildPlan, type CopyStep, type RunStep, type StagePlan } from './plan';
import { findOnPath, resolveRuntime, type HostRuntime } from './runtimes';
import { copyFromStage, copyTree } from './stageCopy';
import { LayerCache, layerKey, type Borrowed } from './layerCache';
import { reportOsPackages } from './osPackages';

/**
 * "Process mode" builds: a service's Dockerfile run on this machine into an immutable,
 * content-addressed artifact folder `<artifactsDir>/<id>/`:
 *   fs/             the container's file system (WORKDIR /app is fs/app)
 *   manifest.json   what to run (ArtifactManifest)
 *   build.log       the build's output
 * The id is a sha256 of the inputs, so an unchanged tree is never built twice. The supported
 * Dockerfile subset is described in plan.ts.
 */
export interface ArtifactManifest {
  id: string;
  /** The commit the artifact was first built from (an unchanged tree at a later commit reuses it). */
  commit: string;
  createdAt: string;
  runtime: { image: string; binary: string; version: string };
  /** The container path of the final WORKDIR. */
  workdir: string;
  /** Dockerfile ENV (plus, for python, PYTHONUSERBASE pointing at the packages RUN installed). */
  env: Record<string, string>;
  exposedPort?: number;
  /** Final argv from ENTRYPOINT + CMD; absolute paths into the copied tree and the runtime command mapped to this machine. */
  command: string[];
}

export interface BuiltArtifact {
  id: string;
  /** Absolute artifact folder. */
  dir: string;
  /** The WORKDIR inside it, where the command runs. */
  appDir: string;
  manifest: ArtifactManifest;
  reused: boolean;
}

export interface BuildArtifactOptions {
  /** The workspace (the build context). */
  root: string;
  /** The Dockerfile, relative to root. */
  dockerfile: string;
  commit: string;
  /** For example `<root>/.stagecraft/artifacts`. */
  artifactsDir: string;
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** The build cache folder (in the state folder); no cache when absent. */
  cacheDir?: string;
}

/** Bump when the build's meaning changes, so old artifacts are not reused. */
const BUILDER = 'stagecraft-process-build/2';
const MANIFEST = 'manifest.json';
const ID = /^[0-9a-f]{64}$/;

interface StoredManifest extends ArtifactManifest {
  /** Where the artifact was built, to re-map paths if the workspace moved. */
  builtDir: string;
}

export async function buildArtifact(opts: BuildArtifactOptions): Promise<BuiltArtifact> {
  const started = Date.now();
  const lines: string[] = [];
  const log = (line: string) => {
    if (lines.length < 20_000) lines.push(line);
    opts.log?.(line);
  };
  const { signal } = opts;
  const root = path.resolve(opts.root);
  const file = opts.dockerfile;
  const dockerfileAbs = path.resolve(root, file);
  const artifactsDir = path.resolve(opts.artifactsDir);
  throwIfAborted(signal, 'The build');
  const cache = opts.cacheDir ? new LayerCache({ dir: opts.cacheDir }) : undefined;

  let text: string;
  try {
    text = await fs.readFile(dockerfileAbs, 'utf8');
  } catch (err) {
    throw new StagecraftError(`${file} was not found in ${root}: ${(err as Error).message}`, { kind: 'input', cause: err, hint: 'Set service.dockerfile in stagecraft.yaml to the Dockerfile of the service.' });
  }
  const hostPath = process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin';
  const plan = planBuild(text, file, { PATH: hostPath });
  const runtimes = new Map<number, HostRuntime>();
  for (const stage of plan.stages) runtimes.set(stage.index, await resolveRuntime(stage.image, `${file}:${stage.fromLine}`, log, signal));
  const finalStage = plan.stages[plan.stages.length - 1];
  const runtime = runtimes.get(finalStage.index)!;
  for (const note of plan.notes) log(note);

  const insideRoot = path.relative(root, artifactsDir);
  const extraIgnored = insideRoot && !insideRoot.startsWith('..') && !path.isAbsolute(insideRoot) ? [insideRoot.split(path.sep).join('/')] : [];
  const { ignore } = await loadDockerIgnore(root, dockerfileAbs, extraIgnored);
  const context: BuildContext = { root, ignore, signal };
  const copies = new Map<CopyStep, ResolvedSource[]>();
  for (const stage of plan.stages) {
    for (const step of stage.steps) if (step.kind === 'copy' && step.from === undefined) copies.set(step, await resolveCopySources(step, context, `${file}:${step.line}`));
  }

  const runtimeKey = [...new Set([...runtimes.values()].map(r => `${r.name}\0${r.version}`))].join('\0');
  const id = createHash('sha256')
    .update(`${BUILDER}\0${runtimeKey}\0${await hashSources([...copies.values()], signal)}\0`)
    .update(text)
    .digest('hex');
  const finalDir = path.join(artifactsDir, id);
  if (await exists(path.join(finalDir, MANIFEST))) {
    log(`Artifact ${id.slice(0, 12)} is up to date (same Dockerfile, files and ${runtime.name} ${runtime.version}); reusing it.`);
    await markUsed(finalDir);
    return loadArtifact(artifactsDir, id);
  }

  log(`Building ${file} in process mode with ${runtime.binary} (${runtime.name} ${runtime.version}) → artifact ${id.slice(0, 12)}`);
  await fs.mkdir(artifactsDir, { recursive: true });
  await removeAbandonedBuilds(artifactsDir);
  const tmp = await fs.mkdtemp(path.join(artifactsDir, `.tmp-${id.slice(0, 12)}-${process.pid}-`));
  // Stages other than the last build beside the artifact and are removed with the build.
  const stagesTmp = plan.stages.length > 1 ? await fs.mkdtemp(path.join(artifactsDir, `.tmp-${id.slice(0, 12)}-${process.pid}-stages-`)) : undefined;
  const borrowed: Borrowed[] = [];
  // The artifact stage's restore, started ahead (see below): awaited before the build's folders are removed.
  let finalRestore: Promise<Error | undefined> | undefined;
  const giveBackAll = async () => {
    for (const loan of borrowed.splice(0)) {
      if ((await cache!.giveBack(loan)) === 'changed') log(`  the build cache dropped an entry: a later step changed what ${file} had installed before it (it is built again next time)`);
    }
  };
  try {
    const fsRoot = path.join(tmp, 'fs');
    const stageRoots = new Map<number, string>();
    const stageKeys = new Map<number, string>();
    const total = plan.stages.reduce((n, s) => n + s.steps.length, 0);
    let n = 0;
    let reusedRuns = 0;
    // A stage is "volatile" from the first COPY of a folder of the build context (`COPY . .`, `COPY src ./src`),
    // or of a volatile stage's files, on: the RUN steps after it change with every commit, so the build
    // cache does not keep them (a copy of the whole root each, never reused: an unchanged tree reuses
    // its artifact instead). The steps before it (installs after `COPY package*.json`) are kept.
    const volatile = new Map<number, boolean>();
    const copiesCode = (step: CopyStep) => (step.from !== undefined ? volatile.get(step.from) === true : copies.get(step)!.some(source => source.entry.type === 'dir'));
    // Docker's layer rule: a step's key is the key before it, its text, and what it copies.
    const keysOf = new Map<number, string[]>();
    for (const stage of plan.stages) {
      const stepKeys: string[] = [];
      const stageRuntime = runtimes.get(stage.index)!;
      let key = stage.base !== undefined ? stageKeys.get(stage.base)! : layerKey(BUILDER, stageRuntime.name, stageRuntime.version, stage.image);
      for (const step of stage.steps) {
        if (step.kind === 'copy' && step.from !== undefined) key = layerKey(key, step.text, stageKeys.get(step.from)!);
        else if (step.kind === 'copy') key = layerKey(key, step.text, await hashSources([copies.get(step)!], signal));
        else if (step.kind === 'run') key = layerKey(key, step.text, step.workdir, JSON.stringify(step.env));
        else key = layerKey(key, step.text);
        stepKeys.push(key);
      }
      keysOf.set(stage.index, stepKeys);
      stageKeys.set(stage.index, key);
    }
    /** Where a stage's build resumes: after its last RUN the cache holds (0: from its start). */
    const resumePoint = async (stage: StagePlan): Promise<number> => {
      if (!cache) return 0;
      const stepKeys = keysOf.get(stage.index)!;
      for (let i = stage.steps.length - 1; i >= 0; i--) {
        const step = stage.steps[i];
        if (step.kind === 'run' && !step.skip && (await cache.has(stepKeys[i]))) return i + 1;
      }
      return 0;
    };
    // The artifact's own stage restores its cached root (a copy: it becomes the artifact) while
    // the stages before it build: the copy is mostly kernel time, the builder's compiler mostly not.
    const finalResume = plan.stages.length > 1 ? await resumePoint(finalStage) : 0;
    if (finalResume > 0) finalRestore = cache!.restore(keysOf.get(finalStage.index)![finalResume - 1], fsRoot).then(() => undefined, (err: Error) => err);
    for (const stage of plan.stages) {
      const isFinal = stage === finalStage;
      const stageRoot = isFinal ? fsRoot : path.join(stagesTmp!, String(stage.index), 'fs');
      stageRoots.set(stage.index, stageRoot);
      if (plan.stages.length > 1) log(`Stage ${stage.name ?? stage.index} · ${file}:${stage.fromLine}${isFinal ? ' (the artifact)' : ''}`);
      const stageRuntime = runtimes.get(stage.index)!;
      const stepKeys = keysOf.get(stage.index)!;
      let lent = false;
      /**
       * Whether the root after step `i` can be lent to (or borrowed from) the cache instead of
       * copied: only in a stage thrown away after the build, once (one loan per root), when no other
       * stage of this build uses the same entry, and when no later RUN of the stage would be kept
       * in the cache (it would change what was lent).
       */
      const canLend = (i: number) => {
        if (isFinal || lent) return false;
        if (plan.stages.some(other => other !== stage && keysOf.get(other.index)!.includes(stepKeys[i]))) return false;
        for (const later of stage.steps.slice(i + 1)) {
          if (later.kind === 'copy' && copiesCode(later)) return true;
          if (later.kind === 'run' && !later.skip) return false;
        }
        return true;
      };
      const prefetched = isFinal && finalRestore !== undefined;
      let resumeAt = prefetched ? finalResume : await resumePoint(stage);
      if (resumeAt > 0) {
        const resumeKey = stepKeys[resumeAt - 1];
        // A stage thrown away after the build borrows the entry (moved in, given back at the end).
        const loan = canLend(resumeAt - 1) ? await cache!.borrow(resumeKey, stageRoot) : undefined;
        let failed: Error | undefined;
        if (loan) {
          borrowed.push(loan);
          lent = true;
        } else if (prefetched) failed = await finalRestore;
        else failed = await cache!.restore(resumeKey, stageRoot).then(() => undefined, (err: Error) => err);
        if (failed) {
          // Another build took or replaced the entry while it was copied: build the steps instead.
          log(`  the build cache entry for ${file}:${stage.steps[resumeAt - 1].line} could not be used (${failed.message.split('\n')[0]}); running the steps`);
          await removeTree(stageRoot);
          resumeAt = 0;
        } else {
          for (const step of stage.steps.slice(0, resumeAt)) {
            log(`Step ${++n}/${total} · ${file}:${step.line} · ${step.text}`);
            if (step.kind === 'run' && !step.skip) reusedRuns++;
          }
          log(`  cached: steps up to ${file}:${stage.steps[resumeAt - 1].line} reused from the build cache (same instructions and copied files)`);
        }
      }
      if (resumeAt === 0) {
        if (stage.base !== undefined) await copyTree(stageRoots.get(stage.base)!, stageRoot);
        else await fs.mkdir(stageRoot, { recursive: true });
      }
      let changesWithCode = stage.base !== undefined && volatile.get(stage.base) === true;
      for (const step of stage.steps.slice(0, resumeAt)) if (step.kind === 'copy' && copiesCode(step)) changesWithCode = true;
      const hostEnv = runtimeEnv(stageRuntime, stageRoot, hostPath);
      const containerDirs = stage.steps.flatMap(s => (s.kind === 'workdir' ? [s.path] : s.kind === 'copy' ? [s.dest] : [])).filter(d => d !== '/');
      for (const [i, step] of stage.steps.entries()) {
        if (i < resumeAt) continue;
        throwIfAborted(signal, 'The build');
        log(`Step ${++n}/${total} · ${file}:${step.line} · ${step.text}`);
        const where = `${file}:${step.line}`;
        if (step.kind === 'copy' && copiesCode(step)) changesWithCode = true;
        if (step.kind === 'workdir') await fs.mkdir(inFs(stageRoot, step.path), { recursive: true });
        else if (step.kind === 'copy' && step.from !== undefined) await copyFromStage(step, stageRoots.get(step.from)!, stageRoot, where, log);
        else if (step.kind === 'copy') await copy(step, copies.get(step)!, stageRoot, where, log, signal);
        else {
          if (step.osPackages) await reportOsPackages(step.osPackages, where, log, signal);
          if (!step.skip) {
            await run(step, stageRoot, hostEnv.build, containerDirs, where, log, signal);
            if (changesWithCode) {
              if (cache) log('  not kept in the build cache: it follows a COPY of a folder of the code, which changes with each commit');
            } else if (cache) {
              const what = `${file}:${step.line} ${step.text}`;
              try {
                const loan = canLend(i) ? await cache.lend(stepKeys[i], stageRoot, what) : undefined;
                if (loan) {
                  borrowed.push(loan);
                  lent = true;
                } else await cache.save(stepKeys[i], stageRoot, what);
              } catch (err) {
                log(`warning: the build cache could not keep ${where}: ${(err as Error).message}`);
              }
            }
          }
        }
      }
      volatile.set(stage.index, changesWithCode);
    }
    await giveBackAll();
    if (cache) {
      const evicted = await cache.evict().catch(() => 0);
      if (reusedRuns || evicted) log(`Build cache: ${reusedRuns} RUN step${reusedRuns === 1 ? '' : 's'} reused${evicted ? `, ${evicted} old entr${evicted === 1 ? 'y' : 'ies'} evicted` : ''}.`);
    }
    if (stagesTmp) await removeTree(stagesTmp);

    const manifest: StoredManifest = {
      id,
      commit: opts.commit,
      createdAt: new Date().toISOString(),
      runtime: { image: runtime.image, binary: runtime.binary, version: runtime.version },
      workdir: plan.workdir,
      env: await startEnv(plan, runtime, fsRoot, path.join(finalDir, 'fs'), hostPath),
      exposedPort: plan.exposedPort,
      command: await mapCommand(plan, runtime, fsRoot, path.join(finalDir, 'fs'), log),
      builtDir: finalDir,
    };
    if (manifest.command.length === 0) log(`warning: ${file} has no CMD or ENTRYPOINT: set service.start in stagecraft.yaml to say how the service starts.`);
    await fs.mkdir(inFs(fsRoot, plan.workdir), { recursive: true });
    log(`Built artifact ${id.slice(0, 12)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await fs.writeFile(path.join(tmp, 'build.log'), lines.join('\n') + '\n');
    await fs.writeFile(path.join(tmp, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
    await makeReadOnly(tmp);
    try {
      await fs.rename(tmp, finalDir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST' && code !== 'ENOTEMPTY') throw err;
      // Another build of the same inputs finished first: same content, use it.
      await removeTree(tmp);
      return loadArtifact(artifactsDir, id);
    }
    return { ...(await loadArtifact(artifactsDir, id)), reused: false };
  } catch (err) {
    await finalRestore;
    await giveBackAll().catch(() => undefined);
    await removeTree(tmp).catch(() => undefined);
    if (stagesTmp) await removeTree(stagesTmp).catch(() => undefined);
    if (signal?.aborted) throw StagecraftError.cancelled(`The build of ${file}`);
    throw err;
  }
}

export async function loadArtifact(artifactsDir: string, id: string): Promise<BuiltArtifact> {
  if (!ID.test(id)) throw new StagecraftError(`"${id}" is not an artifact id (64 hex digits).`, { kind: 'input' });
  const dir = path.join(path.resolve(artifactsDir), id);
  let stored: StoredManifest;
  try {
    stored = JSON.parse(await fs.readFile(path.join(dir, MANIFEST), 'utf8')) as StoredManifest;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new StagecraftError(`Artifact ${id.slice(0, 12)} is not in ${artifactsDir}: it was never built here, or it was removed.`, { kind: 'input', hint: 'Run the pipeline again to build it.' });
    }
    throw new StagecraftError(`Artifact ${id.slice(0, 12)} has an unreadable manifest: ${(err as Error).message}`, { cause: err, hint: 'Remove the artifact folder and run the pipeline again.' });
  }
  if (stored.id !== id || !Array.isArray(stored.command)) throw new StagecraftError(`Artifact ${id.slice(0, 12)} has a manifest for another artifact (${String(stored.id).slice(0, 12)}).`, { hint: 'Remove the artifact folder and run the pipeline again.' });
  const { builtDir, ...manifest } = stored;
  if (builtDir && builtDir !== dir) {
    // The workspace moved: paths recorded inside the old folder now live in the new one.
    const move = (s: string) => s.split(builtDir).join(dir);
    manifest.command = manifest.command.map(move);
    manifest.env = Object.fromEntries(Object.entries(manifest.env).map(([k, v]) => [k, move(v)]));
  }
  return { id, dir, appDir: inFs(path.join(dir, 'fs'), manifest.workdir), manifest, reused: true };
}

/** Deletes an artifact folder (it is read-only, so a plain rm fails for a non-root user). */
export async function removeArtifact(artifactsDir: string, id: string): Promise<void> {
  if (!ID.test(id)) throw new StagecraftError(`"${id}" is not an artifact id (64 hex digits).`, { kind: 'input' });
  await removeTree(path.join(path.resolve(artifactsDir), id));
}

/** A container path inside the artifact's file system. */
function inFs(fsRoot: string, containerPath: string): string {
  return path.join(fsRoot, path.posix.normalize('/' + containerPath));
}

/**
 * The environment RUN sees besides ARG/ENV: the host PATH (the runtime's folder first), HOME (for
 * package caches) and proxy settings; global installs (npm -g, pip --user) go into the artifact.
 * `runtime` gives what the started command needs to find those installs.
 */
function runtimeEnv(runtime: HostRuntime, fsRoot: string, hostPath: string): { build: NodeJS.ProcessEnv } {
  const build: NodeJS.ProcessEnv = {};
  // Proxies and certificate authorities: without them a package manager behind a corporate
  // proxy retries for minutes before falling back to its cache.
  const passed = ['HOME', 'USER', 'LOGNAME', 'TMPDIR', 'LANG', 'LC_ALL', 'TZ', 'http_proxy', 'https_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY'];
  for (const name of [...passed, 'NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'PIP_CERT', 'REQUESTS_CA_BUNDLE', 'PIP_INDEX_URL', 'npm_config_registry', 'NPM_CONFIG_REGISTRY']) {
    if (process.env[name] !== undefined) build[name] = process.env[name];
  }
  const bins = [path.dirname(runtime.binary)];
  if (runtime.name === 'node') {
    // Moving npm's prefix into the artifact would also move where npm reads its global npmrc
    // (registry, cafile): keep reading the host's.
    const hostGlobalConfig = path.join(path.dirname(path.dirname(runtime.binary)), 'etc', 'npmrc');
    if (existsSync(hostGlobalConfig)) build.NPM_CONFIG_GLOBALCONFIG = hostGlobalConfig;
    build.NPM_CONFIG_PREFIX = inFs(fsRoot, '/usr/local');
    bins.unshift(inFs(fsRoot, '/usr/local/bin'));
  }
  if (runtime.name === 'python') {
    build.PYTHONUSERBASE = inFs(fsRoot, '/root/.local');
    build.PIP_USER = '1';
    build.PIP_BREAK_SYSTEM_PACKAGES = '1';
    bins.unshift(inFs(fsRoot, '/root/.local/bin'));
  }
  build.PATH = [...bins, hostPath].join(path.delimiter);
  return {
    build,
  };
}

/** Where user and global installs put commands inside an artifact (pip --user, npm -g, --prefix=/usr/local). */
const ARTIFACT_BINS = ['/root/.local/bin', '/usr/local/bin'];

/**
 * The Dockerfile's ENV for the started command, plus what finds the artifact's own installs: PATH with
 * the artifact's user-base and global bins first (and ENV PATH's container folders mapped into the
 * artifact), PYTHONUSERBASE, and PYTHONPATH for packages installed with --prefix into /usr/local.
 */
async function startEnv(plan: BuildPlan, runtime: HostRuntime, fsRoot: string, finalFs: string, hostPath: string): Promise<Record<string, string>> {
  const env: Record<string, string> = { ...plan.env };
  const bins: string[] = [];
  for (const dir of ARTIFACT_BINS) if (await exists(inFs(fsRoot, dir))) bins.push(inFs(finalFs, dir));
  const declared = (plan.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  for (const dir of declared) if (dir.startsWith('/') && (await exists(inFs(fsRoot, dir)))) bins.push(inFs(finalFs, dir));
  const entries = [...bins, path.dirname(runtime.binary), ...declared, ...hostPath.split(path.delimiter)];
  env.PATH = [...new Set(entries.filter(Boolean))].join(path.delimiter);
  if (runtime.name === 'python') {
    env.PYTHONUSERBASE = inFs(finalFs, '/root/.local');
    const lib = inFs(fsRoot, '/usr/local/lib');
    const sitePackages = (await fs.readdir(lib).catch(() => [] as string[])).filter(n => /^python3\.\d+$/.test(n)).map(n => inFs(finalFs, `/usr/local/lib/${n}/site-packages`));
    if (sitePackages.length) env.PYTHONPATH = [...sitePackages, ...(plan.env.PYTHONPATH ? [plan.env.PYTHONPATH] : [])].join(path.delimiter);
  }
  return env;
}

async function copy(step: CopyStep, sources: ResolvedSource[], fsRoot: string, where: string, log: (line: string) => void, signal?: AbortSignal): Promise<void> {
  const dest = inFs(fsRoot, step.dest);
  let files = 0;
  const place = async (abs: string, type: 'file' | 'dir' | 'symlink', mode: number, target: string) => {
    if (type === 'dir') {
      await fs.mkdir(target, { recursive: true });
      await fs.chmod(target, step.chmod ?? (mode | 0o700));
      return;
    }
    await fs.mkdir(path.dirname(target), { recursive: true });
    // `COPY . .` after `COPY package*.json ./` and the install copies those files again, byte for
    // byte (they are in the install's cache key): left as they are, a borrowed cache root stays
    // intact and goes back to the cache (see LayerCache.borrow).
    if (await sameAsTarget(abs, type, step.chmod ?? mode, target)) {
      files++;
      return;
    }
    await fs.rm(target, { force: true });
    if (type === 'symlink') await fs.symlink(await fs.readlink(abs), target);
    else {
      await fs.copyFile(abs, target);
      await fs.chmod(target, step.chmod ?? mode);
    }
    files++;
  };
  for (const { entry, children } of sources) {
    throwIfAborted(signal, 'The build');
    if (entry.type === 'dir') {
      await fs.mkdir(dest, { recursive: true });
      for (const child of children) await place(child.abs, child.type, child.mode, path.join(dest, child.within));
      continue;
    }
    if (step.add && /\.(tar|tar\.gz|tgz|tar\.bz2|tbz2|tar\.xz|txz)$/i.test(entry.rel)) {
      await fs.mkdir(dest, { recursive: true });
      const r = await runProcess('tar', ['-xf', entry.abs, '-C', dest], { cwd: fsRoot, signal, keepOutput: 4000 });
      if (r.code !== 0) throw new StagecraftError(`${where}: ADD could not unpack ${entry.rel}: ${r.output.trim()}`, { kind: 'failure' });
      log(`  unpacked ${entry.rel}`);
      continue;
    }
    const intoFolder = step.destIsDir || (await isDirectory(dest));
    await place(entry.abs, entry.type, entry.mode, intoFolder ? path.join(dest, path.posix.basename(entry.rel)) : dest);
  }
  log(`  ${files} file${files === 1 ? '' : 's'} → ${step.dest}`);
}

/** Whether `target` already is what copying `abs` would make: the same link, or the same bytes and mode. */
async function sameAsTarget(abs: string, type: 'file' | 'symlink', mode: number, target: string): Promise<boolean> {
  const there = await fs.lstat(target).catch(() => undefined);
  if (!there) return false;
  if (type === 'symlink') return there.isSymbolicLink() && (await fs.readlink(target)) === (await fs.readlink(abs));
  if (!there.isFile() || (there.mode & 0o7777) !== (mode & 0o7777)) return false;
  const source = await fs.stat(abs);
  if (source.size !== there.size || source.size > 8 * 1024 * 1024) return false;
  const [a, b] = await Promise.all([fs.readFile(abs), fs.readFile(target)]);
  return a.equals(b);
}

async function run(step: RunStep, fsRoot: string, hostEnv: NodeJS.ProcessEnv, containerDirs: string[], where: string, log: (line: string) => void, signal?: AbortSignal): Promise<void> {
  const cwd = inFs(fsRoot, step.workdir);
  await fs.mkdir(cwd, { recursive: true });
  const commandText = step.shell ?? (step.argv ?? []).join(' ');
  const workdirs = step.workdir !== '/' ? [step.workdir] : [];
  let shell = step.shell !== undefined ? await mapContainerPaths(step.shell, fsRoot, workdirs, where, log) : undefined;
  const hostPaths = containerDirs.filter(d => new RegExp(`(^|[\\s=:'"(])${d.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?=$|[/\\s'";)])`).test(shell ?? commandText));
  if (hostPaths.length > 0) {
    log(`warning: ${where}: this RUN names ${[...new Set(hostPaths)].join(', ')}; in process mode that is the host's path, not the artifact's. Use paths relative to WORKDIR.`);
  }
  const env = { ...hostEnv, ...step.env };
  // pip's --prefix/--target/--root name container folders: point them into the artifact, and
  // PIP_USER (set so plain installs land in the artifact) would clash with them.
  if (shell && /\bpip3?\b|\s-m\s+pip\b/.test(shell) && /--(prefix|target|root)[=\s]/.test(shell)) {
    shell = shell.replace(/(--(?:prefix|target|root)[=\s]+)(\/[^\s'";&|]*)/g, (_m, flag: string, dir: string) => `${flag}${inFs(fsRoot, dir)}`);
    delete env.PIP_USER;
  }
  // A PATH set by ENV keeps the artifact's and the runtime's folders in front.
  if (step.env.PATH !== undefined) env.PATH = [hostEnv.PATH, step.env.PATH].join(path.delimiter);
  const options = { cwd, env, signal, onLine: (line: string) => log(`  ${line}`), keepOutput: 16_000 };
  let result: RunResult;
  try {
    result = step.argv ? await runProcess(step.argv[0], step.argv.slice(1), options) : await runShell(shell!, options);
  } catch (err) {
    if (err instanceof StagecraftError && !err.cancelled) throw new StagecraftError(`${where}: RUN ${commandText} could not start: ${err.message}`, { cause: err });
    throw err;
  }
  if (result.code !== 0) {
    const tail = result.output.trimEnd().split('\n').slice(-15).map(l => `  ${l}`).join('\n');
    throw new StagecraftError(`${where}: RUN ${commandText} failed with ${result.code === null ? `signal ${result.signal}` : `exit code ${result.code}`}.${tail ? ` Last lines of its output:\n${tail}` : ' It printed nothing.'}`, {
      kind: 'failure',
      hint: 'Fix the command or the files it uses, commit, and run the pipeline again. The whole output is in the build log.',
    });
  }
}

/**
 * Absolute container paths in a shell RUN (`chmod +x /usr/local/bin/docker-entrypoint.sh`) that the
 * stage's root already has, or that lie under the stage's WORKDIR, point into the root; others (the
 * host's /bin, /usr/bin, …) are left alone.
 */
async function mapContainerPaths(shell: string, fsRoot: string, workdirs: string[], where: string, log: (line: string) => void): Promise<string> {
  const words = [...new Set(shell.match(/(?<=^|[\s=:'"(])\/[^\s'";|&<>()$`]+/g) ?? [])];
  const mapped: string[] = [];
  let out = shell;
  for (const word of words) {
    const clean = word.replace(/\/+$/, '') || '/';
    if (clean === '/' || clean.startsWith('/dev/') || clean.startsWith('/proc/') || clean === '/dev/null') continue;
    // The artifact's when it already has it, when it lies under WORKDIR, or when this machine has no
    // such top-level folder (`mv node_modules /node_modules`): never create folders in the host's /.
    const top = '/' + clean.split('/')[1];
    const inside = (await exists(inFs(fsRoot, clean))) || workdirs.some(d => d !== '/' && (clean === d || clean.startsWith(d + '/'))) || !(await exists(top));
    if (!inside) continue;
    out = out.replace(new RegExp(`(?<=^|[\\s=:'"(])${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?=$|[\\s'";|&<>()])`, 'g'), inFs(fsRoot, word));
    mapped.push(clean);
  }
  if (mapped.length) log(`note: ${where}: ${mapped.join(', ')} ${mapped.length === 1 ? 'is' : 'are'} the artifact's, not the host's: mapped into it.`);
  return out;
}

/**
 * The argv to start: the runtime's command (`node`, `python`) becomes the host binary checked at
 * FROM, and an absolute path that exists inside the copied tree points into the artifact.
 */
async function mapCommand(plan: BuildPlan, runtime: HostRuntime, fsRoot: string, finalFs: string, log: (line: string) => void): Promise<string[]> {
  const mapPath = async (p: string) => (p !== '/' && (await exists(inFs(fsRoot, p))) ? inFs(finalFs, p) : p);
  const argv = [...plan.command];
  // An init wrapper (ENTRYPOINT ["/usr/bin/tini", "--"]) reaps zombies as PID 1 in a container; the
  // stage's supervisor does that here, so a wrapper this machine lacks is left out.
  const init = argv.length > 1 ? path.posix.basename(argv[0]) : '';
  if ((init === 'tini' || init === 'dumb-init') && !(await exists(inFs(fsRoot, argv[0]))) && !(await findOnPath(init))) {
    argv.splice(0, argv[1] === '--' ? 2 : 1);
    log(`note: ${init} is not on this machine: the command starts without it (the stage supervisor reaps the app's children).`);
  }
  if (argv.length === 3 && argv[0] === '/bin/sh' && argv[1] === '-c') {
    // Shell form: map whole words that are such paths, and a leading runtime command.
    let line = argv[2];
    const words = [...new Set(line.match(/(?<=^|\s)\/[^\s'";|&<>]+/g) ?? [])];
    for (const word of words) {
      const mapped = await mapPath(word);
      if (mapped !== word) line = line.replace(new RegExp(`(?<=^|\\s)${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?=$|[\\s'";|&<>])`, 'g'), mapped);
    }
    line = line.replace(new RegExp(`^(exec\\s+)?(${runtime.aliases.join('|')})(?=\\s|$)`), (_m, exec: string | undefined) => `${exec ?? ''}${shellQuote(runtime.binary)}`);
    return ['/bin/sh', '-c', line];
  }
  if (argv.length > 0 && runtime.aliases.includes(argv[0])) argv[0] = runtime.binary;
  for (let i = 1; i < argv.length; i++) if (argv[i].startsWith('/')) argv[i] = await mapPath(argv[i]);
  return argv;
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

async function exists(p: string): Promise<boolean> {
  return fs.lstat(p).then(
    () => true,
    () => false,
  );
}

async function isDirectory(p: string): Promise<boolean> {
  return fs.stat(p).then(
    s => s.isDirectory(),
    () => false,
  );
}

/** Temp folders of builds whose process is gone (a crash, a killed CLI). */
/** Retention counts an artifact from its last use: a reuse makes it as new as a build (see local/gc.ts). */
async function markUsed(dir: string): Promise<void> {
  const now = new Date();
  await fs.utimes(path.join(dir, MANIFEST), now, now).catch(() => undefined);
}

async function removeAbandonedBuilds(artifactsDir: string): Promise<void> {
  for (const name of await fs.readdir(artifactsDir).catch(() => [] as string[])) {
    const m = /^\.tmp-[0-9a-f]{12}-(\d+)-/.exec(name);
    if (m && !isAlive(Number(m[1]))) await removeTree(path.join(artifactsDir, name)).catch(() => undefined);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
