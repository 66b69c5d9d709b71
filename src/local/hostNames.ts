/**
 * The rule for a local stage's `hosts:` entries: a bare DNS name (`shop.localhost`), the way a
 * browser sends it in the Host header, so the proxy can compare it exactly. A URL, a port or a
 * wildcard would never match and is refused at load time instead of silently refusing requests.
 */
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export function hostNameProblem(value: string): string | undefined {
  const name = value.trim();
  if (name === '') return 'cannot be empty: expected a host name such as shop.localhost';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(name) || name.includes('/')) return `"${value}" is not a host name: write the name alone, such as shop.localhost (no scheme or path)`;
  if (name.includes(':')) return `"${value}" is not a host name: leave out the port (the stage answers on its own port)`;
  if (name.includes('*')) return `"${value}" is not a host name: wildcards are not supported; list each name`;
  if (name !== name.toLowerCase()) return `"${value}" must be lower case (host names compare without case; write ${name.toLowerCase()})`;
  if (name.length > 253) return `"${value}" is longer than 253 characters, the limit for a host name`;
  const labels = name.split('.');
  if (labels.some(l => !LABEL.test(l))) return `"${value}" is not a host name: use letters, digits and hyphens between dots, such as shop.localhost`;
  return undefined;
}
