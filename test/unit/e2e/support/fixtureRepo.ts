import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture } from '../../core/support/repoRoot';
import { GIT_USER } from './sampleRepo';

/**
 * A temporary git repository holding one service of test/fixtures/services, committed as it is:
 * the service is never edited; only what `stagecraft init` writes is added.
 */
export class FixtureRepo {
  readonly dir: string;

  constructor(readonly service: string) {
    this.dir = mkdtempSync(join(tmpdir(), `sc-svc-${service}-`));
    // PostgreSQL runs as the postgres user when the suite runs as root: it must enter the folder.
    chmodSync(this.dir, 0o755);
    cpSync(fixture('services', service), this.dir, { recursive: true });
    this.git('init', '-q', '-b', 'main');
    this.git('config', 'user.name', GIT_USER.name);
    this.git('config', 'user.email', GIT_USER.email);
    this.git('config', 'commit.gpgsign', 'false');
    this.git('add', '-A');
    this.git('commit', '-q', '-m', service);
  }

  git(...args: string[]): string {
    const result = spawnSync('git', args, { cwd: this.dir, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed in ${this.dir}: ${result.stderr}`);
    return result.stdout.trim();
  }

  read(file: string): string {
    return readFileSync(join(this.dir, file), 'utf8');
  }

  /** Gives the named stages of the file `init` wrote a database, as a person would by hand, and commits. */
  addDatabase(stages: string[]): void {
    let text = this.read('stagecraft.yaml');
    for (const stage of stages) {
      const before = text;
      text = text.replace(new RegExp(`(- name: ${stage}\\n(\\s+)provider: local[^\\n]*\\n)`), `$1$2database: postgres\n`);
      if (text === before) throw new Error(`stagecraft.yaml has no local stage ${stage}:\n${before}`);
    }
    writeFileSync(join(this.dir, 'stagecraft.yaml'), text);
    this.git('add', '-A');
    this.git('commit', '-q', '-m', 'stagecraft init');
  }

  head(): string {
    return this.git('rev-parse', 'HEAD');
  }

  remove(): void {
    spawnSync('chmod', ['-R', 'u+w', this.dir]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
