import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';
import { repoRoot } from './core/support/repoRoot';

/**
 * The architecture's two boundaries, checked on every run because a boundary no tool checks
 * does not hold: only src/ui/ and src/extension.ts may import `vscode`, and src/core/ imports no
 * cloud SDK (the providers do, behind the Provider interface).
 */
interface SourceFile {
  /** Path relative to the repository root, with forward slashes. */
  path: string;
  text: string;
}

interface Violation {
  path: string;
  specifier: string;
  rule: string;
}

const SDK = /^(@aws-sdk\/|@smithy\/|@aws-crypto\/|aws-sdk($|\/)|@aws\/|aws-cdk-lib($|\/)|@google-cloud\/|@azure\/)/;

/** Every module specifier a file imports: import/export from, import(), require(), `import type`. */
export function importsOf(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map(f => f.fileName);
}

export function layeringViolations(files: SourceFile[]): Violation[] {
  const violations: Violation[] = [];
  for (const file of files) {
    const mayUseVscode = file.path.startsWith('src/ui/') || file.path === 'src/extension.ts';
    const inCore = file.path.startsWith('src/core/');
    for (const specifier of importsOf(file.text)) {
      if (specifier === 'vscode' && !mayUseVscode) violations.push({ path: file.path, specifier, rule: 'only src/ui/ and src/extension.ts may import vscode' });
      if (inCore && SDK.test(specifier)) violations.push({ path: file.path, specifier, rule: 'src/core/ imports no cloud SDK' });
    }
  }
  return violations;
}

function sourcesUnder(root: string, dir: string): SourceFile[] {
  const out: SourceFile[] = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...sourcesUnder(root, rel));
    else if (/\.(ts|tsx|mts|cts|js|mjs|cjs)$/.test(entry.name)) out.push({ path: rel, text: readFileSync(join(root, rel), 'utf8') });
  }
  return out;
}

describe('layering', () => {
  it('src/ keeps its boundaries: vscode only in src/ui/ and src/extension.ts, no SDK in src/core/', () => {
    const root = repoRoot();
    const files = sourcesUnder(root, 'src');
    assert.ok(files.some(f => f.path === 'src/extension.ts') && files.some(f => f.path.startsWith('src/core/')), 'the scan sees src/');
    assert.ok(files.some(f => importsOf(f.text).includes('vscode')), 'the scan sees the vscode imports of src/ui');
    assert.deepEqual(layeringViolations(files), []);
  });

  it('the checker catches every way of importing', () => {
    const files: SourceFile[] = [
      { path: 'src/core/a.ts', text: "import * as vscode from 'vscode';" },
      { path: 'src/core/b.ts', text: 'import type { Uri } from "vscode";' },
      { path: 'src/local/c.ts', text: "const vscode = require('vscode');" },
      { path: 'src/cli/d.ts', text: "export async function f() { return import('vscode'); }" },
      { path: 'src/git/e.ts', text: "export { window } from 'vscode';" },
      { path: 'src/core/f.ts', text: "import { S3Client } from '@aws-sdk/client-s3';" },
      { path: 'src/core/g.ts', text: "const AWS = require('aws-sdk');" },
      { path: 'src/core/pipeline/h.ts', text: "const http = await import('@smithy/node-http-handler');" },
      { path: 'src/core/i.ts', text: "import 'aws-sdk/global';" },
    ];
    assert.deepEqual(
      layeringViolations(files).map(v => `${v.path} ${v.specifier}`),
      [
        'src/core/a.ts vscode',
        'src/core/b.ts vscode',
        'src/local/c.ts vscode',
        'src/cli/d.ts vscode',
        'src/git/e.ts vscode',
        'src/core/f.ts @aws-sdk/client-s3',
        'src/core/g.ts aws-sdk',
        'src/core/pipeline/h.ts @smithy/node-http-handler',
        'src/core/i.ts aws-sdk/global',
      ],
    );
  });

  it('the checker allows what the architecture allows and is not fooled by comments or strings', () => {
    const files: SourceFile[] = [
      { path: 'src/ui/tree.ts', text: "import * as vscode from 'vscode';" },
      { path: 'src/extension.ts', text: "import * as vscode from 'vscode';" },
      { path: 'src/aws/ecs.ts', text: "import { ECSClient } from '@aws-sdk/client-ecs';" },
      { path: 'src/core/doc.ts', text: "// import * as vscode from 'vscode';\n/* require('aws-sdk') */\nconst s = \"import('vscode')\";" },
      { path: 'src/core/names.ts', text: "import { x } from './vscode-names';\nimport { y } from 'aws-sdk-like-but-not';" },
      { path: 'src/uix/a.ts', text: "import 'zod';" },
    ];
    assert.deepEqual(layeringViolations(files), []);
    assert.deepEqual(layeringViolations([{ path: 'src/uix/a.ts', text: "import 'vscode';" }]).length, 1, 'src/uix is not src/ui');
  });
});
