import type { SecretLintCoreResultMessage } from '@secretlint/types' with { 'resolution-mode': 'import' };
import { throwIfAborted } from '../errors';
import { loadScanConfig, type ScanConfig } from './config';
import { DEFAULT_MAX_FILE_BYTES, skipReason } from './content';
import { loadIgnoreFilter, type IgnoreFilter } from './ignore';
import { lintText } from './secretlint';
import type { Finding, ScanOptions, ScanReport, SkippedFile } from './types';

/**
 * Scans one text (an editor buffer, a staged blob, a file) with the root's rules. `file` is the
 * path relative to the root; rules look at its name (`.env`, `stagecraft.yaml`).
 */
export async function scanText(root: string, file: string, text: string, options: { signal?: AbortSignal; config?: ScanConfig } = {}): Promise<Finding[]> {
  throwIfAborted(options.signal, 'The secret scan');
  const { config } = options.config ?? (await loadScanConfig(root));
  // secretlint drops a byte-order mark before it counts offsets; count them in the text we were given.
  const bom = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const content = bom ? text.slice(1) : text;
  const messages = await lintText({ content, filePath: file, config });
  throwIfAborted(options.signal, 'The secret scan');
  return preferPreciseFindings(messages.map(m => toFinding(file, content, m, bom)));
}

/** Decides, for a file about to be scanned, whether it is scanned at all. */
export interface ScanGate {
  ignored: IgnoreFilter;
  maxFileBytes: number;
}

export async function scanGate(root: string, options: ScanOptions = {}): Promise<ScanGate> {
  return { ignored: await loadIgnoreFilter(root), maxFileBytes: options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES };
}

/** A file to scan: its path relative to the root and a way to get its bytes. */
export interface FileSource {
  file: string;
  read(): Promise<{ size: number; content?: Buffer }>;
}

/**
 * Scans files one after another (the rules are CPU work), reading a few ahead. Ignored, binary,
 * oversized and generated files are skipped and listed with the reason.
 */
export async function scanSources(root: string, sources: FileSource[], options: ScanOptions = {}, gate?: ScanGate): Promise<ScanReport> {
  const started = Date.now();
  const g = gate ?? (await scanGate(root, options));
  const scanConfig = await loadScanConfig(root);
  const findings: Finding[] = [];
  const skipped: SkippedFile[] = [];
  const wanted = sources.filter(s => {
    if (!g.ignored(s.file)) return true;
    skipped.push({ file: s.file, reason: 'ignored' });
    return false;
  });
  const READ_AHEAD = 16;
  const reads = new Map<number, Promise<{ size: number; content?: Buffer } | Error>>();
  const startRead = (i: number) => {
    if (i < wanted.length && !reads.has(i)) reads.set(i, wanted[i].read().catch((e: Error) => e));
  };
  let scanned = 0;
  for (let i = 0; i < wanted.length; i++) {
    throwIfAborted(options.signal, 'The secret scan');
    for (let k = i; k < i + READ_AHEAD; k++) startRead(k);
    const got = await reads.get(i)!;
    reads.delete(i);
    const file = wanted[i].file;
    options.onProgress?.({ done: i, total: wanted.length, file });
    if (got instanceof Error || got.content === undefined) {
      skipped.push({ file, reason: got instanceof Error ? 'unreadable' : 'too-large' });
      continue;
    }
    const reason = skipReason(file, got.size, got.content, g.maxFileBytes);
    if (reason) {
      skipped.push({ file, reason });
      continue;
    }
    scanned++;
    findings.push(...(await scanText(root, file, got.content.toString('utf8'), { signal: options.signal, config: scanConfig })));
  }
  options.onProgress?.({ done: wanted.length, total: wanted.length });
  return { root, findings, scanned, skipped, configFile: scanConfig.file, durationMs: Date.now() - started };
}

function toFinding(file: string, content: string, m: SecretLintCoreResultMessage, bom: number): Finding {
  const [start, end] = correctedRange(content, m);
  const a = position(content, start);
  const b = position(content, end);
  return {
    file,
    line: a.line,
    column: a.column,
    endLine: b.line,
    endColumn: b.column,
    start: start + bom,
    end: end + bom,
    ruleId: m.ruleId,
    messageId: m.messageId,
    // secretlint masks a value with as many `*` as it has characters: a private key becomes a
    // thousand of them. A fixed mask reads better and does not tell the value's length either.
    message: m.message.replace(/\*{4,}/g, '****'),
    severity: m.severity,
    docsUrl: m.docsUrl,
  };
}

/**
 * secretlint 11's AWS rule reports a secret access key from the start of `aws_secret_access_key
 * = …` with the key's length, so its range ends inside the key. Find the key itself on that line.
 */
function correctedRange(content: string, m: SecretLintCoreResultMessage): readonly [number, number] {
  if (m.ruleId !== '@secretlint/secretlint-rule-aws' || m.messageId !== 'AWSSecretAccessKey') return m.range;
  const lineEnd = content.indexOf('\n', m.range[0]);
  const line = content.slice(m.range[0], lineEnd < 0 ? content.length : lineEnd);
  const key = /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/.exec(line);
  return key ? [m.range[0] + key.index, m.range[0] + key.index + 40] : m.range;
}

/** 1-based line and column of an offset. */
function position(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

const OWN_RULES = /^@stagecraft\//;

/**
 * When one of Stagecraft's rules points at exactly the password inside a connection string
 * that a broader rule (the preset's connection-string or basic-auth rule) also reported whole,
 * keep only the precise one: one problem, one diagnostic.
 */
function preferPreciseFindings(findings: Finding[]): Finding[] {
  const own = findings.filter(f => OWN_RULES.test(f.ruleId));
  if (own.length === 0) return findings;
  return findings.filter(f => OWN_RULES.test(f.ruleId) || !own.some(o => o.start >= f.start && o.end <= f.end && o !== f));
}
