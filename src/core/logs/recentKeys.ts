/**
 * The keys (event ids) seen in a sliding time window, for de-duplicating overlapping queries:
 * a poll that asks again for the last N seconds gets events it already showed, and those must
 * not be shown twice. Keys older than the window's start are forgotten, so memory stays
 * proportional to the overlap, not to the length of the tail.
 */
export class RecentKeys {
  private readonly times = new Map<string, number>();
  private oldest = Infinity;

  has(key: string): boolean {
    return this.times.has(key);
  }

  /** Records `key` at event time `time`; returns false when it was already there. */
  add(key: string, time: number): boolean {
    if (this.times.has(key)) return false;
    this.times.set(key, time);
    if (time < this.oldest) this.oldest = time;
    return true;
  }

  /** Forgets every key whose time is before `time` (no later query can return those events). */
  forgetBefore(time: number): void {
    if (this.oldest >= time) return;
    let oldest = Infinity;
    for (const [key, t] of this.times) {
      if (t < time) this.times.delete(key);
      else if (t < oldest) oldest = t;
    }
    this.oldest = oldest;
  }

  get size(): number {
    return this.times.size;
  }
}
