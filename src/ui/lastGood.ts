/**
 * The last valid value per key (a folder's stack), so a typo in a file does not take away what
 * was shown from it: while the file is broken, the last good value is shown, marked stale.
 * Knows nothing of VS Code, so it is unit-tested alone.
 */
export class LastGood<T> {
  private readonly values = new Map<string, T>();

  /** `fresh` when there is one (remembered for later), else the last good value, stale; nothing when there never was one. */
  resolve(key: string, fresh: T | undefined): { value?: T; stale: boolean } {
    if (fresh !== undefined) {
      this.values.set(key, fresh);
      return { value: fresh, stale: false };
    }
    const last = this.values.get(key);
    return last === undefined ? { stale: false } : { value: last, stale: true };
  }

  /** The file is gone: nothing of it should be shown again. */
  forget(key: string): void {
    this.values.delete(key);
  }
}
