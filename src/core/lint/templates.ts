import * as path from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';

/**
 * Which files are CloudFormation templates to lint: everything under `templates/`, and any file
 * that `stagecraft.yaml` names (whatever key it sits under, so the check keeps up as the schema
 * grows) and that reads like a template.
 */
export const TEMPLATES_DIR = 'templates';
const TEMPLATE_EXTENSIONS = /\.(ya?ml|json|template)$/i;

/** Whether `relativePath` (from the stack's folder) is a template by location. */
export function isUnderTemplatesDir(relativePath: string): boolean {
  const rel = relativePath.split(path.sep).join('/');
  return rel.startsWith(`${TEMPLATES_DIR}/`) && TEMPLATE_EXTENSIONS.test(rel);
}

/** Relative paths of template-like files named anywhere in a stagecraft.yaml. */
export function templatesNamedInStackFile(stackText: string): string[] {
  const doc = parseDocument(stackText);
  if (doc.errors.length > 0) return [];
  const out = new Set<string>();
  const visit = (node: unknown) => {
    if (isMap(node)) for (const pair of node.items) visit(pair.value);
    else if (isSeq(node)) for (const item of node.items) visit(item);
    else if (isScalar(node) && typeof node.value === 'string') {
      const value = node.value.trim();
      if (TEMPLATE_EXTENSIONS.test(value) && !/\s/.test(value) && !/^[a-z]+:\/\//i.test(value)) out.add(path.posix.normalize(value.replace(/^\.\//, '')));
    }
  };
  visit(doc.contents as Node | null);
  return [...out].filter(p => !p.startsWith('../') && p !== 'stagecraft.yaml');
}

/** A quick look at the text: CloudFormation templates declare Resources (and usually the format version). */
export function looksLikeCloudFormation(text: string): boolean {
  return /AWSTemplateFormatVersion/.test(text) || /(^|[{,])\s*["']?Resources["']?\s*:/m.test(text);
}
