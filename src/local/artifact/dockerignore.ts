import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { cleanPath, compilePattern } from './patterns';

interface Rule {
  re: RegExp;
  exclusion: boolean;
}

/** Always left out of the build context: Stagecraft's own state (runs, logs, the artifacts themselves). */
// The export's completion marker names the commit: in an artifact, an unchanged tree at a new
// commit would hash differently and never be reused.
export const ALWAYS_IGNORED = ['.stagecraft', '.stagecraft-export-complete'];

/**
 * A .dockerignore as Docker applies it: patterns are relative to the context root (`*.md` matches
 * only at the top; `**\/*.md` anywhere), a pattern matching a folder excludes everything in it,
 * `!pattern` re-includes, and the last matching line wins.
 */
export class DockerIgnore {
  private readonly rules: Rule[];
  /** Without `!` lines an excluded folder can be skipped whole. */
  readonly canPrune: boolean;

  /** `alwaysIgnored`: context-relative folders never part of the context (besides ALWAYS_IGNORED). */
  constructor(text: string, private readonly alwaysIgnored: readonly string[] = []) {
    this.rules = [];
    for (const raw of text.split(/\r?\n/)) {
      let line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      const exclusion = line.startsWith('!');
      if (exclusion) line = line.slice(1).trim();
      const cleaned = cleanPath(line);
      if (cleaned === '') continue;
      this.rules.push({ re: compilePattern(cleaned), exclusion });
    }
    this.canPrune = !this.rules.some(r => r.exclusion);
  }

  /** Whether the context-relative path `rel` (forward slashes) is left out of the context. */
  ignores(rel: string): boolean {
    const first = rel.split('/', 1)[0];
    if (ALWAYS_IGNORED.includes(first)) return true;
    for (const folder of this.alwaysIgnored) if (rel === folder || rel.startsWith(folder + '/')) return true;
    let ignored = false;
    const parents = rel.split('/');
    for (const rule of this.rules) {
      let match = rule.re.test(rel);
      for (let i = 1; !match && i < parents.length; i++) match = rule.re.test(parents.slice(0, i).join('/'));
      if (match) ignored = !rule.exclusion;
    }
    return ignored;
  }
}

/**
 * The ignore file for a Dockerfile: `<Dockerfile>.dockerignore` beside it wins (BuildKit),
 * else `.dockerignore` at the context root, else nothing is ignored.
 */
export async function loadDockerIgnore(contextDir: string, dockerfileAbs: string, alwaysIgnored: readonly string[] = []): Promise<{ ignore: DockerIgnore; file?: string }> {
  for (const candidate of [`${dockerfileAbs}.dockerignore`, path.join(contextDir, '.dockerignore')]) {
    try {
      return { ignore: new DockerIgnore(await fs.readFile(candidate, 'utf8'), alwaysIgnored), file: candidate };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return { ignore: new DockerIgnore('', alwaysIgnored) };
}
