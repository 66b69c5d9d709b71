import type { SkipReason } from './types';

export const DEFAULT_MAX_FILE_BYTES = 8 * 1024 * 1024;
/** Above this size a file that looks generated (minified, a source map, a lockfile) is left out. */
const GENERATED_MIN_BYTES = 512 * 1024;
const GENERATED_NAME = /(\.min\.(js|mjs|cjs|css)|\.map|\.bundle\.js|(^|\/)(package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|Cargo\.lock|poetry\.lock|composer\.lock|Gemfile\.lock|go\.sum))$/;
/** A line this long in the first 64 KiB means minified or machine-written output. */
const MINIFIED_LINE = 20_000;
const SNIFF = 8000;

/** Like git: a NUL byte in the first 8000 bytes makes a file binary. */
export function isBinary(content: Uint8Array | string): boolean {
  if (typeof content === 'string') return content.slice(0, SNIFF).includes('\u0000');
  const n = Math.min(content.length, SNIFF);
  for (let i = 0; i < n; i++) if (content[i] === 0) return true;
  return false;
}

function looksMinified(head: string): boolean {
  let lineStart = 0;
  for (;;) {
    const nl = head.indexOf('\n', lineStart);
    const end = nl < 0 ? head.length : nl;
    if (end - lineStart > MINIFIED_LINE) return true;
    if (nl < 0) return false;
    lineStart = nl + 1;
  }
}

/**
 * Why a file should not be scanned, or undefined to scan it. `size` is in bytes; `content` is
 * the file's bytes or text (only its head is looked at).
 */
export function skipReason(file: string, size: number, content: Uint8Array | string, maxBytes = DEFAULT_MAX_FILE_BYTES): SkipReason | undefined {
  if (size > maxBytes) return 'too-large';
  if (isBinary(content)) return 'binary';
  if (size > GENERATED_MIN_BYTES) {
    if (GENERATED_NAME.test(file.split('\\').join('/'))) return 'generated';
    const head = typeof content === 'string' ? content.slice(0, 65536) : Buffer.from(content.buffer, content.byteOffset, Math.min(content.length, 65536)).toString('utf8');
    if (looksMinified(head)) return 'generated';
  }
  return undefined;
}
