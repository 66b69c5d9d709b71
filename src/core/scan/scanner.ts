import type { SecretLintCoreConfig, SecretLintCoreResultMessage } from '@secretlint/types' with { 'resolution-mode': 'import' };
import { throwIfAborted } from '../errors';
import { chunksOfBytes, chunksOfString, scannableText, type TextChunk } from './chunks';
import { loadScanConfig, type ScanConfig } from './config';
import { decodedCandidates } from './decode';
import { IGNORE_FILE, loadIgnoreFilter, type IgnoreFilter } from './ignore';
import { lintText } from './secretlint';
import type { Finding, ScanOptions, ScanReport, SkippedFile } from './types';

/**
 * Scans one text (an editor buffer, a staged blob, a file) with the root's rules. `file` is the
 * path relative to the root; rules look at its name (`.env`, `stagecraft.yaml`). A large text is
 * scanned in overlapping chunks; base64, hex and concatenated literals are decoded and scanned too.
 */
export async function scanText(root: string, file: string, text: string, options: { signal?: AbortSignal; config?: ScanConfig } = {}): Promise<Finding[]> {
  throwIfAborted(options.signal, 'The secret scan');
  const { config } = options.config ?? (await loadScanConfig(root));
  // secretlint drops a byte-order mark before it counts offsets; count them in the text we were given.
  const bom = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const content = bom ? text.slice(1) : text;
  const findings: Finding[] = [];
  for (const chunk of chunksOfString(content)) findings.push(...(await scanChunk(file, chunk, config, bom, options.signal)));
  return findings;
}

/** Scans bytes that arrive as a stream (a file or blob too large to hold), chunk by chunk. */
export async function scanStream(file: string, pieces: AsyncIterable<Buffer>, config: SecretLintCoreConfig, signal?: AbortSignal): Promise<Finding[]> {
  const findings: Finding[] = [];
  for await (const chunk of chunksOfBytes(pieces)) findings.push(...(await scanChunk(file, chunk, config, 0, signal)));
  return findings;
}

/** One chunk: the rules on its text and on what decodes from it, findings placed in the whole text. */
async function scanChunk(file: string, chunk: TextChunk, config: SecretLintCoreConfig, bom: number, signal?: AbortSignal): Promise<Finding[]> {
  const messages = await lintText({ content: chunk.text, filePath: file, config });
  throwIfAborted(signal, 'The secret scan');
  const direct = preferPreciseFindings(messages.filter(m => m.range[0] < chunk.ownedEnd).map(m => toFinding(file, chunk, m, bom)));
  // Decoded candidates: one lint of all of them, each finding mapped back to its encoded text.
  const candidates = decodedCandidates(chunk.text).filter(c => c.start < chunk.ownedEnd && !direct.some(f => f.start - bom - chunk.offset < c.end && f.end - bom - chunk.offset > c.start));
  if (candidates.length === 0) return direct;
  const starts: number[] = [];
  let joined = '';
  for (const c of candidates) {
    starts.push(joined.length);
    joined += `${c.text}\n`;
  }
  const decodedMessages = await lintText({ content: joined, filePath: file, config });
  throwIfAborted(signal, 'The secret scan');
  const decoded: Finding[] = [];
  for (const m of decodedMessages) {
    let i = starts.length - 1;
    while (i > 0 && starts[i] > m.range[0]) i--;
    const c = candidates[i];
    if (decoded.some(f => f.start === c.start + chunk.offset + bom && f.ruleId === m.ruleId)) continue;
    const at: SecretLintCoreResultMessage = { ...m, range: [c.start, c.end], message: `${m.message} (decoded from ${c.encoding})` };
    decoded.push(toFinding(file, chunk, at, bom, true));
  }
  return [...direct, ...decoded];
}

/** Decides, for a file about to be scanned, whether it is scanned at all. */
export interface ScanGate {
  ignored: IgnoreFilter;
  /** The source of `ignored`'s rules, for the summary (`.secretlintignore`, `HEAD:.secretlintignore`). */
  ignoreSource: string;
}

export async function scanGate(root: string): Promise<ScanGate> {
  return { ignored: await loadIgnoreFilter(root), ignoreSource: IGNORE_FILE };
}

/** A file to scan: its path relative to the root and a way to get its bytes. */
export interface FileSource {
  file: string;
  /** The bytes, or no content when the file is too large to hold: then `stream` gives them. */
  read(): Promise<{ size: number; content?: Buffer }>;
  stream?(): AsyncIterable<Buffer>;
}

/**
 * Scans files one after another (the rules are CPU work), reading a few ahead. Only ignored
 * files are left out (listed with the reason); binary, large and minified files are scanned,
 * large ones streamed in chunks.
 */
export async function scanSources(root: string, sources: FileSource[], options: ScanOptions = {}, gate?: ScanGate, scanConfig?: ScanConfig): Promise<ScanReport> {
  const started = Date.now();
  const g = gate ?? (await scanGate(root));
  const config = scanConfig ?? (await loadScanConfig(root));
  const findings: Finding[] = [];
  const skipped: SkippedFile[] = [];
  const wanted = sources.filter(s => {
    if (!g.ignored(s.file)) return true;
    skipped.push({ file: s.file, reason: 'ignored', by: g.ignoreSource });
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
    const source = wanted[i];
    options.onProgress?.({ done: i, total: wanted.length, file: source.file });
    if (got instanceof Error || (got.content === undefined && !source.stream)) {
      skipped.push({ file: source.file, reason: 'unreadable' });
      continue;
    }
    scanned++;
    if (got.content === undefined) findings.push(...(await scanStream(source.file, source.stream!(), config.config, options.signal)));
    else findings.push(...(await scanText(root, source.file, scannableText(got.content.toString('utf8')), { signal: options.signal, config })));
  }
  options.onProgress?.({ done: wanted.length, total: wanted.length });
  return { root, findings, scanned, skipped, configFile: config.file, durationMs: Date.now() - started, notes: [] };
}

function toFinding(file: string, chunk: TextChunk, m: SecretLintCoreResultMessage, bom: number, decoded = false): Finding {
  const [start, end] = decoded ? m.range : correctedRange(chunk.text, m);
  const a = position(chunk.text, start);
  const b = position(chunk.text, end);
  return {
    file,
    line: a.line + chunk.linesBefore,
    column: a.line === 1 ? a.column + chunk.columnBefore : a.column,
    endLine: b.line + chunk.linesBefore,
    endColumn: b.line === 1 ? b.column + chunk.columnBefore : b.column,
    start: start + chunk.offset + bom,
    end: end + chunk.offset + bom,
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
