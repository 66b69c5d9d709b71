import type { Finding, ScanReport } from './types';

/** Output of `stagecraft scan`. Findings carry masked messages only: no format prints a secret. */
export type ScanFormat = 'text' | 'json' | 'sarif';
export const SCAN_FORMATS: readonly ScanFormat[] = ['text', 'json', 'sarif'];

/** `file:line:column  rule  message` lines (terminals and editors link them), then a summary. */
export function formatText(report: ScanReport): string[] {
  const lines = report.findings.map(f => `${f.file}:${f.line}:${f.column}  ${f.ruleId}  ${f.message}`);
  lines.push(summaryLine(report));
  return lines;
}

export function summaryLine(report: ScanReport): string {
  const files = new Set(report.findings.map(f => f.file)).size;
  const skipped = report.skipped.filter(s => s.reason !== 'ignored').length;
  const ignored = report.skipped.length - skipped;
  const tail = [`${report.scanned} file(s) scanned`];
  if (skipped) tail.push(`${skipped} skipped (binary, large or generated)`);
  if (ignored) tail.push(`${ignored} ignored by .secretlintignore`);
  const head = report.findings.length === 0 ? 'No secrets found' : `${report.findings.length} secret(s) found in ${files} file(s)`;
  return `${head}; ${tail.join(', ')} in ${report.durationMs} ms.`;
}

export function formatJson(report: ScanReport): string {
  return JSON.stringify(
    {
      root: report.root,
      configFile: report.configFile ?? null,
      scanned: report.scanned,
      findings: report.findings,
      skipped: report.skipped.filter(s => s.reason !== 'ignored'),
      ignored: report.skipped.filter(s => s.reason === 'ignored').length,
      durationMs: report.durationMs,
    },
    null,
    2,
  );
}

/** SARIF 2.1.0, as code-scanning services read it. */
export function formatSarif(report: ScanReport, toolVersion: string): string {
  const ruleIds = [...new Set(report.findings.map(f => f.ruleId))].sort();
  const docs = new Map(report.findings.filter(f => f.docsUrl).map(f => [f.ruleId, f.docsUrl!.replace(/#.*$/, '')]));
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'stagecraft-scan',
            version: toolVersion,
            informationUri: 'https://github.com/secretlint/secretlint',
            rules: ruleIds.map(id => ({ id, shortDescription: { text: id }, ...(docs.get(id) ? { helpUri: docs.get(id) } : {}) })),
          },
        },
        results: report.findings.map(f => sarifResult(f, ruleIds.indexOf(f.ruleId))),
      },
    ],
  };
  return JSON.stringify(sarif, null, 2);
}

function sarifResult(f: Finding, ruleIndex: number) {
  return {
    ruleId: f.ruleId,
    ruleIndex,
    level: f.severity === 'info' ? 'note' : f.severity,
    message: { text: f.message },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: encodeURI(f.file) },
          region: { startLine: f.line, startColumn: f.column, endLine: f.endLine, endColumn: f.endColumn },
        },
      },
    ],
  };
}
