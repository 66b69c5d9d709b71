import * as assert from 'node:assert/strict';
import { formatRelativeTime } from '../../../src/core/relativeTime';

describe('core: relative times for stage rows (formatRelativeTime)', () => {
  const now = new Date('2026-03-10T12:00:00.000Z');
  const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();

  it('says just now, minutes, hours and days the way a row has room for', () => {
    assert.equal(formatRelativeTime(ago(10_000), now), 'just now');
    assert.equal(formatRelativeTime(ago(5 * 60_000), now), '5 min ago');
    assert.equal(formatRelativeTime(ago(59 * 60_000), now), '59 min ago');
    assert.equal(formatRelativeTime(ago(3 * 3600_000), now), '3 h ago');
    assert.equal(formatRelativeTime(ago(24 * 3600_000), now), '1 day ago');
    assert.equal(formatRelativeTime(ago(9 * 24 * 3600_000), now), '9 days ago');
    assert.equal(formatRelativeTime('2025-10-01T08:00:00.000Z', now), 'on 2025-10-01');
  });

  it('treats a time slightly in the future (another clock) as just now, and nothing readable as nothing', () => {
    assert.equal(formatRelativeTime(new Date(now.getTime() + 20_000).toISOString(), now), 'just now');
    assert.equal(formatRelativeTime(undefined, now), undefined);
    assert.equal(formatRelativeTime('yesterday', now), undefined);
  });
});
