import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { stateDir } from '../../../../src/core/workspace';
import { repoRoot } from '../../core/support/repoRoot';

export const SAMPLE = join(repoRoot(), 'examples', 'sample-service');

/** Who commits and approves in these repositories (repo-local git config, never the machine's). */
export const GIT_USER = { name: 'E2E Tester', email: 'e2e-tester@example.invalid' };

export interface SampleRepoOptions {
  /** Replaces the sample's stagecraft.yaml. */
  stackYaml?: string;
  /**
   * The sample's own node:test files to keep. The pipeline runs them as its unit-test step on every
   * run; the suite keeps a fast one so each run costs seconds (the service's suite has its own runner).
   */
  keepTests?: string[];
  /** false: no .gitignore at all, as in a repository whose stagecraft.yaml was written by hand. */
  gitignore?: boolean;
}

/**
 * A temporary git repository (branch main) holding a copy of the sample service, committed. The
 * pipeline builds commits, so every change goes through `commit`.
 */
export class SampleRepo {
  readonly dir: string;
  private readonly original = new Map<string, string>();

  constructor(options: SampleRepoOptions = {}) {
    this.dir = mkdtempSync(join(tmpdir(), 'sc-e2e-'));
    // mkdtemp makes the folder 0700; as root, PostgreSQL runs as the postgres user and must enter it.
    chmodSync(this.dir, 0o755);
    cpSync(SAMPLE, this.dir, {
      recursive: true,
      filter: src => {
        const rel = relative(SAMPLE, src).split(sep);
        return rel[0] !== 'node_modules' && rel[0] !== '.stagecraft';
      },
    });
    if (options.keepTests) {
      for (const file of readdirSync(join(this.dir, 'test'))) {
        if (!options.keepTests.includes(file)) rmSync(join(this.dir, 'test', file));
      }
    }
    if (options.stackYaml !== undefined) writeFileSync(join(this.dir, 'stagecraft.yaml'), options.stackYaml);
    // Stagecraft keeps its state outside the repository: only the service's own ignores.
    if (options.gitignore !== false) writeFileSync(join(this.dir, '.gitignore'), 'node_modules/\n');
    this.git('init', '-q', '-b', 'main');
    this.git('config', 'user.name', GIT_USER.name);
    this.git('config', 'user.email', GIT_USER.email);
    this.git('config', 'commit.gpgsign', 'false');
    this.git('add', '-A');
    this.git('commit', '-q', '-m', 'sample service');
  }

  git(...args: string[]): string {
    const result = spawnSync('git', args, { cwd: this.dir, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed in ${this.dir}: ${result.stderr}`);
    return result.stdout.trim();
  }

  head(): string {
    return this.git('rev-parse', 'HEAD');
  }

  read(file: string): string {
    return readFileSync(join(this.dir, file), 'utf8');
  }

  /**
   * Commits "the sample as first committed, plus these changes": each change is a function of the
   * file's original text, and files changed by earlier commits go back to how they were. So every
   * broken commit carries one fault, and content seen before reuses its artifact (artifacts are
   * content-addressed).
   */
  commit(message: string, changes: Record<string, (original: string) => string> = {}): string {
    for (const file of Object.keys(changes)) if (!this.original.has(file)) this.original.set(file, existsSync(join(this.dir, file)) ? this.read(file) : '');
    for (const [file, text] of this.original) {
      const next = changes[file] ? changes[file](text) : text;
      // A file the sample did not have is removed again by a later commit that does not name it.
      if (next === '' && !existsSync(join(SAMPLE, file))) rmSync(join(this.dir, file), { force: true });
      else writeFileSync(join(this.dir, file), next);
    }
    this.git('add', '-A');
    this.git('commit', '-q', '--allow-empty', '-m', message);
    return this.head();
  }

  remove(): void {
    // Artifacts are read-only folders; as a normal user rm needs write permission back first.
    const state = stateDir(this.dir);
    for (const dir of [this.dir, state]) {
      spawnSync('chmod', ['-R', 'u+w', dir]);
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
