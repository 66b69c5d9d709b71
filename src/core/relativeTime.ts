/** "just now", "5 min ago", "3 h ago", "2 days ago": when something happened, as a row has room for. */
export function formatRelativeTime(iso: string | undefined, now: Date): string | undefined {
  const at = iso === undefined ? NaN : Date.parse(iso);
  if (Number.isNaN(at)) return undefined;
  const seconds = Math.round((now.getTime() - at) / 1000);
  if (seconds < 45) return 'just now'; // also a clock a little ahead of ours
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  if (days < 60) return `${days} day${days === 1 ? '' : 's'} ago`;
  return `on ${new Date(at).toISOString().slice(0, 10)}`;
}
