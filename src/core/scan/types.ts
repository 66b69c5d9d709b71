/** What the secret scanner reports. Nothing here ever holds a secret value: messages are masked. */

export type FindingSeverity = 'error' | 'warning' | 'info';

/** One secret found in one file. Lines and columns are 1-based; `endColumn` is exclusive. */
export interface Finding {
  /** Path relative to the scan root with `/` separators (absolute when the file is outside the root). */
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** Offsets into the scanned text (UTF-16 code units, as editors count), end exclusive. */
  start: number;
  end: number;
  /** The secretlint rule that reported it, e.g. `@secretlint/secretlint-rule-aws`. */
  ruleId: string;
  messageId: string;
  /** The rule's message with the secret value replaced by `*`. */
  message: string;
  severity: FindingSeverity;
  docsUrl?: string;
}

export type SkipReason = 'binary' | 'too-large' | 'generated' | 'ignored' | 'unreadable';

export interface SkippedFile {
  file: string;
  reason: SkipReason;
  /** For an ignored file: the file whose rules left it out (`.secretlintignore`, `HEAD:.secretlintignore`). */
  by?: string;
}

export interface ScanReport {
  /** Absolute folder the file paths are relative to. */
  root: string;
  findings: Finding[];
  /** Files whose content was scanned. */
  scanned: number;
  /** Files left out, with why (ignored files are counted, not listed one by one in text output). */
  skipped: SkippedFile[];
  /** The `.secretlintrc*` that configured the rules, when one was found. */
  configFile?: string;
  durationMs: number;
  /** Things the reader must know about how the scan ran (a staged change to the scan's own configuration). */
  notes: string[];
}

export interface ScanProgress {
  done: number;
  total: number;
  file?: string;
}

export interface ScanOptions {
  signal?: AbortSignal;
  onProgress?: (progress: ScanProgress) => void;
  /** Files larger than this are streamed in chunks rather than read whole (default 8 MiB). */
  maxFileBytes?: number;
}
