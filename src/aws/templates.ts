import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import { StagecraftError } from '../core/errors';

/** A CloudFormation template as plain data (our templates use the long form only, so YAML parses it as is). */
export type Template = {
  Parameters?: Record<string, unknown>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, TemplateResource>;
  Outputs?: Record<string, unknown>;
  [key: string]: unknown;
};

export interface TemplateResource {
  Type: string;
  Condition?: string;
  DependsOn?: string | string[];
  Properties?: Record<string, any>;
  [key: string]: unknown;
}

export type TemplateName = 'stage' | 'pipeline' | 'foundation';

/**
 * The folder holding stage.yaml and pipeline.yaml: `templates/` at the package root, found from
 * this file whether it runs from src/ (tsx), out/src/ (tsc) or dist/ (bundle).
 */
export function templatesDir(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'templates');
    if (existsSync(path.join(candidate, 'stage.yaml'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new StagecraftError(`The CloudFormation templates (templates/stage.yaml) are missing above ${__dirname}.`, {
    kind: 'unavailable',
    hint: 'Reinstall the Stagecraft extension or CLI: its templates/ folder is incomplete.',
  });
}

/** Reads a template; every call returns a fresh copy that the caller may change. */
export function loadTemplate(name: TemplateName, dir = templatesDir()): Template {
  const file = path.join(dir, `${name}.yaml`);
  return parseTemplate(readFileSync(file, 'utf8'), file);
}

export function parseTemplate(text: string, file: string): Template {
  const doc = parseDocument(text, { prettyErrors: false });
  // A short-form tag (!Ref, !GetAtt) would silently become a string here: refuse it.
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) {
    throw new StagecraftError(`${file} is not a plain-YAML CloudFormation template (${problems[0].message}): write intrinsic functions in their long form (Ref:, Fn::GetAtt: [Resource, Attribute]), not with ! tags.`, {
      kind: 'input',
    });
  }
  const template = doc.toJS() as Template;
  if (!template || typeof template !== 'object' || !template.Resources) {
    throw new StagecraftError(`${file} has no Resources section.`, { kind: 'input' });
  }
  return template;
}

/** The body sent to CloudFormation: compact JSON keeps us well under the 51,200-byte TemplateBody limit. */
export function templateBody(template: Template): string {
  return JSON.stringify(template);
}

export const TEMPLATE_BODY_LIMIT = 51_200;
