import type { Finding, ScanReport } from './types';

/** Output of `stagecraft scan`. Findings carry masked messages only: no format prints a secret. */
export type ScanFormat = 'text' | 'json' | 'sarif';
export const SCAN_FORMATS: readonly ScanFormat[] = ['text', 'json', 'sarif'];

/** `file:line:column  rule  message` lines (terminals and editors link them), then a summary. */
export function formatText(report: ScanReport): string[] {
  const lines = report.findings.map(f => `${f.file}:${f.line}:${f.column}  ${f.ruleId}  ${f.message}`);
  for (const note of report.notes) lines.push(`Note: ${note}`);
  lines.push(summaryLine(report));
  return lines;
}

export function summaryLine(report: ScanReport): string {
  const files = new Set(report.findings.map(f => f.file)).size;
  const unreadable = report.skipped.filter(s => s.reason !== 'ignored');
  const tail = [`${report.scanned} file(s) scanned`];
  if (unreadable.length) tail.push(`${unreadable.length} could not be read (${unreadable.slice(0, 3).map(s => s.file).join(', ')}${unreadable.length > 3 ? ', …' : ''})`);
  // Each skip under the name of the file whose rules made it: never a file the repository lacks.
  const bySource = new Map<string, number>();
  for (const s of report.skipped) if (s.reason === 'ignored') bySource.set(s.by ?? '.secretlintignore', (bySource.get(s.by ?? '.secretlintignore') ?? 0) + 1);
  for (const [source, count] of bySource) tail.push(`${count} ignored by ${source}`);
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
      ignoredBy: Object.fromEntries([...new Set(report.skipped.filter(s => s.reason === 'ignored').map(s => s.by ?? '.secretlintignore'))].map(by => [by, report.skipped.filter(s => s.reason === 'ignored' && (s.by ?? '.secretlintignore') === by).length])),
      notes: report.notes,
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
