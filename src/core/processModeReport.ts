import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { analyseDockerfile, type CompatFinding } from './processMode';

/** The compatibility report of a stack's Dockerfile: what process mode skips, emulates or refuses. */
export interface ProcessModeReport {
  /** The Dockerfile, relative to the workspace root. */
  file: string;
  /** False when the file could not be read. */
  found: boolean;
  findings: CompatFinding[];
  /** No refusal: process mode can build it. */
  runnable: boolean;
}

export async function processModeReport(root: string, dockerfile: string): Promise<ProcessModeReport> {
  const text = await fs.readFile(path.resolve(root, dockerfile), 'utf8').catch(() => undefined);
  if (text === undefined) return { file: dockerfile, found: false, findings: [], runnable: false };
  const findings = analyseDockerfile(text).findings;
  return { file: dockerfile, found: true, findings, runnable: !findings.some(f => f.action === 'refuse') };
}

/** One line per finding: `Dockerfile:3:6: refuse COPY: reason Fix: fix`. */
export function formatFinding(file: string, f: CompatFinding): string {
  return `${file}:${f.line}:${f.column}: ${f.action} ${f.keyword}: ${f.reason} Fix: ${f.fix}`;
}
