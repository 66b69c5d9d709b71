import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import * as ts from 'typescript';
import { repoRoot } from './core/support/repoRoot';

/**
 * The architecture, checked on every run because a boundary no tool checks does not hold:
 * - only src/ui/ and src/extension.ts import `vscode`; src/core/ imports no cloud SDK;
 * - which top-level folder of src/ may import which (MAY_IMPORT), with the composition roots
 *   (they name the providers) and src/core/errors.ts (a leaf every folder may use) as the
 *   only exceptions;
 * - no import circle between files, nor between folders.
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

/**
 * Which top-level folder of src/ may import which. Providers (local, aws) sit on core and git and
 * never on each other; core sits on git only; the UI and the CLI reach providers only through
 * core's Providers, built in the composition roots.
 */
export const MAY_IMPORT: Record<string, readonly string[]> = {
  git: [],
  core: ['git'],
  protocol: ['core'],
  local: ['core', 'git'],
  aws: ['core', 'git'],
  cli: ['core', 'git'],
  ui: ['core', 'git', 'protocol'],
};

/** Files that may import beyond their folder's row: the composition roots and a provider's own UI part. */
export const EXCEPTIONS: ReadonlyArray<{ file: RegExp; may: readonly string[]; why: string }> = [
  { file: /^src\/extension\.ts$/, may: ['core', 'git', 'protocol', 'ui', 'local', 'aws'], why: 'the extension\'s composition root' },
  { file: /^src\/cli\/index\.ts$/, may: ['local', 'aws'], why: 'the CLI\'s composition root' },
  { file: /^src\/ui\/aws\//, may: ['aws'], why: 'the AWS provider\'s part of the UI (profile picker, identity status bar)' },
];

/** Every folder may import this file, and it imports nothing of ours. */
const LEAF = 'src/core/errors.ts';

/** The top-level folder of a file under src/ (`extension` for src/extension.ts). */
function folderOf(file: string): string {
  const parts = file.split('/');
  return parts.length > 2 ? parts[1] : parts[1].replace(/\.ts$/, '');
}

/** The file a relative specifier names among `known`, or undefined (a package, or not ours). */
function resolveImport(from: string, specifier: string, known: ReadonlySet<string>): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = posix.normalize(posix.join(posix.dirname(from), specifier)).replace(/\.js$/, '');
  return [`${base}.ts`, `${base}/index.ts`].find(c => known.has(c));
}

/** The import graph of our own files: file → files it imports (values, types, dynamic imports, requires). */
export function importGraph(files: SourceFile[]): Map<string, string[]> {
  const known = new Set(files.map(f => f.path));
  return new Map(files.map(f => [f.path, importsOf(f.text).flatMap(s => resolveImport(f.path, s, known) ?? [])]));
}

/** Imports that cross folders against MAY_IMPORT, and any import the leaf makes. */
export function matrixViolations(files: SourceFile[]): Violation[] {
  const out: Violation[] = [];
  for (const [from, targets] of importGraph(files)) {
    const source = folderOf(from);
    for (const to of targets) {
      if (from === LEAF) {
        out.push({ path: from, specifier: to, rule: `${LEAF} is a leaf: it imports nothing of ours` });
        continue;
      }
      const target = folderOf(to);
      if (to === LEAF || target === source) continue;
      const allowed = (MAY_IMPORT[source] ?? []).includes(target) || EXCEPTIONS.some(e => e.file.test(from) && e.may.includes(target));
      if (!allowed) out.push({ path: from, specifier: to, rule: `${source} may not import ${target} (it may import: ${(MAY_IMPORT[source] ?? []).join(', ') || 'nothing of ours'})` });
    }
  }
  return out;
}

/** The strongly connected components with more than one member (Tarjan): every import circle. */
export function circles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** The folder graph: folder → folders it imports; the leaf is a node of its own. */
export function folderGraph(files: SourceFile[]): Map<string, string[]> {
  const graph = new Map<string, Set<string>>();
  const node = (file: string) => (file === LEAF ? LEAF : folderOf(file));
  for (const [from, targets] of importGraph(files)) {
    const edges = graph.get(node(from)) ?? new Set<string>();
    graph.set(node(from), edges);
    for (const to of targets) if (node(to) !== node(from)) edges.add(node(to));
  }
  return new Map([...graph].map(([k, v]) => [k, [...v]]));
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

describe('layering: the folder matrix and import circles', () => {
  it('src/ follows the matrix and has no import circle between files or folders', () => {
    const files = sourcesUnder(repoRoot(), 'src');
    const graph = importGraph(files);
    assert.ok([...graph.values()].reduce((n, t) => n + t.length, 0) > 300, 'the scan resolves our imports');
    assert.deepEqual(matrixViolations(files).map(v => `${v.path} → ${v.specifier}: ${v.rule}`), []);
    assert.deepEqual(circles(graph), []);
    assert.deepEqual(circles(folderGraph(files)), []);
    for (const folder of new Set(files.map(f => folderOf(f.path)))) {
      assert.ok(folder in MAY_IMPORT || folder === 'extension', `src/${folder}/ has a row in MAY_IMPORT`);
    }
  });

  it('fails on a planted back-import: core importing a provider, a provider importing another', () => {
    const files: SourceFile[] = [
      { path: 'src/core/describe.ts', text: "import { LocalProvider } from '../local/provider';\nimport { StagecraftError } from './errors';" },
      { path: 'src/core/errors.ts', text: '' },
      { path: 'src/local/provider.ts', text: "import type { Stack } from '../core/model';" },
      { path: 'src/core/model.ts', text: '' },
      { path: 'src/aws/executor.ts', text: "const local = require('../local/provider');" },
      { path: 'src/git/repo.ts', text: "import { StagecraftError } from '../core/errors';\nimport type { Stack } from '../core/model';" },
      { path: 'src/cli/main.ts', text: "import { AWS_COMMANDS } from '../aws/executor';" },
      { path: 'src/cli/index.ts', text: "import { localModule } from '../local/provider';" },
    ];
    assert.deepEqual(
      matrixViolations(files).map(v => `${v.path} → ${v.specifier}`),
      ['src/core/describe.ts → src/local/provider.ts', 'src/aws/executor.ts → src/local/provider.ts', 'src/git/repo.ts → src/core/model.ts', 'src/cli/main.ts → src/aws/executor.ts'],
      'the composition root src/cli/index.ts may name a provider; src/core/errors.ts is for everyone',
    );
  });

  it('finds circles between files (types and dynamic imports too) and between folders', () => {
    const files: SourceFile[] = [
      { path: 'src/aws/provider.ts', text: "import { AwsStepExecutor } from './executor';" },
      { path: 'src/aws/executor.ts', text: "import type { AwsProvider } from './provider';" },
      { path: 'src/aws/pipeline/index.ts', text: "export async function f() { return import('../provider.js'); }" },
      { path: 'src/core/scan/sources.ts', text: "import { listFiles } from '../../git/files';" },
      { path: 'src/git/files.ts', text: "import type { Stack } from '../core/model';\nimport { StagecraftError } from '../core/errors';" },
      { path: 'src/core/model.ts', text: '' },
      { path: 'src/core/errors.ts', text: '' },
    ];
    assert.deepEqual(circles(importGraph(files)), [['src/aws/executor.ts', 'src/aws/provider.ts']]);
    assert.deepEqual(circles(folderGraph(files)), [['core', 'git']]);
    const withoutModel = files.map(f => (f.path === 'src/git/files.ts' ? { ...f, text: "import { StagecraftError } from '../core/errors';" } : f));
    assert.deepEqual(circles(folderGraph(withoutModel)), [], 'importing the leaf errors.ts is no circle');
  });
});

describe('layering: vscode and SDK imports', () => {
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
