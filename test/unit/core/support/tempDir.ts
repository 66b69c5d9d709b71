import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Temporary folders for one suite, removed by `cleanup()` in an after hook. */
export class TempDirs {
  private readonly made: string[] = [];

  make(prefix = 'stagecraft-test-'): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.made.push(dir);
    return dir;
  }

  cleanup(): void {
    for (const dir of this.made.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}
