import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SecretLintCoreConfig, SecretLintCoreConfigUnionRule, SecretLintUnionRuleCreator } from '@secretlint/types' with { 'resolution-mode': 'import' };
import { StagecraftError } from '../errors';
import { databaseCredentialsRule, DATABASE_CREDENTIALS_RULE_ID } from './rules/databaseCredentials';
import { envSecretsRule, ENV_SECRETS_RULE_ID } from './rules/envSecrets';
import { FILTER_COMMENTS_ID, loadSecretlint, PRESET_ID, type SecretlintModules } from './secretlint';

/**
 * The rules a scan runs. Without a `.secretlintrc*` (or a `secretlint` field in package.json),
 * the recommended preset plus Stagecraft's own two rules. With one, its rules as written, and
 * Stagecraft's rules stay on unless the file names them (to configure or disable them). Inline
 * `secretlint-disable-*` comments always work: the comment filter is added when missing.
 *
 * The file is found the way secretlint's own config loader finds it (rc-config-loader, upwards
 * from the root). `@secretlint/config-loader` itself cannot be used here: it needs `import.meta`
 * at load time, which the extension's and CLI's CommonJS bundles do not have.
 */
export interface ScanConfig {
  config: SecretLintCoreConfig;
  /** The file the rules came from; undefined for the built-in default. */
  file?: string;
}

const AWS_RULE_ID = '@secretlint/secretlint-rule-aws';
const PRESET_CONNECTION_STRING_ID = '@secretlint/secretlint-rule-database-connection-string';

const BUILT_IN: Record<string, SecretLintUnionRuleCreator> = {
  [DATABASE_CREDENTIALS_RULE_ID]: databaseCredentialsRule as SecretLintUnionRuleCreator,
  [ENV_SECRETS_RULE_ID]: envSecretsRule as SecretLintUnionRuleCreator,
};

interface RuleDescriptor {
  id: string;
  options?: unknown;
  disabled?: boolean;
  severity?: 'info' | 'warning' | 'error';
  allowMessageIds?: string[];
  rules?: RuleDescriptor[];
}

interface ConfigDescriptor {
  rules: RuleDescriptor[];
  sharedOptions?: Record<string, unknown>;
}

const cache = new Map<string, { key: string; value: ScanConfig }>();

/** The rules for scanning files under `root`, cached until the config file changes. */
export async function loadScanConfig(root: string): Promise<ScanConfig> {
  const found = await findConfigFile(root);
  const stat = found ? await fs.stat(found.filePath).catch(() => undefined) : undefined;
  const key = found ? `${found.filePath}:${stat?.mtimeMs ?? 0}:${stat?.size ?? 0}` : 'default';
  const hit = cache.get(root);
  if (hit && hit.key === key) return hit.value;
  const modules = await loadSecretlint();
  const value: ScanConfig = found
    ? { config: await buildConfig(validate(found.config, found.filePath), found.filePath, modules), file: found.filePath }
    : { config: defaultConfig(modules) };
  cache.set(root, { key, value });
  return value;
}

/** File names secretlint's config loader reads its configuration from. */
export const CONFIG_FILE_NAME = /^(\.secretlintrc(\.(json|ya?ml|js|cjs|mjs))?|package\.json)$/;

/**
 * The rules as given by config files that are not on disk (the committed `.secretlintrc*`, for
 * the pre-commit hook): written to a private temporary folder for secretlint's loader, rule
 * packages resolved from `root` as for the file in place. `label` names a file in messages.
 */
export async function loadScanConfigFromFiles(root: string, files: Array<{ name: string; content: Buffer }>, label: (name: string) => string): Promise<ScanConfig> {
  const modules = await loadSecretlint();
  if (files.length === 0) return { config: defaultConfig(modules) };
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'stagecraft-scan-config-'));
  try {
    for (const f of files) await fs.writeFile(path.join(dir, f.name), f.content, { mode: 0o600 });
    const found = await findConfigFile(dir);
    if (!found) return { config: defaultConfig(modules) };
    const name = path.basename(found.filePath);
    return { config: await buildConfig(validate(found.config, label(name)), path.join(root, name), modules), file: label(name) };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

export function defaultConfig(modules: SecretlintModules): SecretLintCoreConfig {
  return {
    rules: [
      // The preset reports AWS access key ids only when asked; a committed key id is how a leak
      // usually starts (its secret sits next to it), so Stagecraft asks. The same option turns on
      // account ids, which AWS does not treat as secrets (they are in every ARN): those stay off.
      // Its connection-string
      // rule gives way to Stagecraft's, which covers more forms, knows more placeholders
      // (`<password>`) and points at the password itself rather than the whole string.
      ...expandPreset(modules, [
        { id: AWS_RULE_ID, options: { enableIDScanRule: true }, allowMessageIds: ['AWSAccountID'] },
        { id: PRESET_CONNECTION_STRING_ID, disabled: true },
      ]),
      { id: DATABASE_CREDENTIALS_RULE_ID, rule: BUILT_IN[DATABASE_CREDENTIALS_RULE_ID] } as SecretLintCoreConfigUnionRule,
      { id: ENV_SECRETS_RULE_ID, rule: BUILT_IN[ENV_SECRETS_RULE_ID] } as SecretLintCoreConfigUnionRule,
    ],
  };
}

/**
 * The recommended preset as its individual rules, each configured by the preset entry's
 * `rules` list. secretlint 11 ignores `disabled` on a rule inside a preset (it registers the
 * rule anyway); listing the rules one by one makes `disabled` work, as a .secretlintrc expects.
 */
function expandPreset(modules: SecretlintModules, descriptors: RuleDescriptor[] = []): SecretLintCoreConfigUnionRule[] {
  const out: SecretLintCoreConfigUnionRule[] = [];
  for (const [id, rule] of modules.presetRules) {
    const d = descriptors.find(r => r.id === id);
    if (d?.disabled) continue;
    out.push({ id, rule, options: d?.options, severity: d?.severity, allowMessageIds: d?.allowMessageIds } as SecretLintCoreConfigUnionRule);
  }
  return out;
}

async function findConfigFile(root: string): Promise<{ config: unknown; filePath: string } | undefined> {
  // Loaded on first use with the rest of the scanner (it brings YAML and JSON5 parsers along).
  const { rcFile } = await import('rc-config-loader');
  try {
    return rcFile<Record<string, unknown>>('secretlint', { cwd: root, packageJSON: { fieldName: 'secretlint' } });
  } catch (err) {
    throw new StagecraftError(`Could not read the secretlint configuration for ${root}: ${(err as Error).message}`, {
      kind: 'input',
      hint: 'Fix the .secretlintrc file (JSON, YAML or JS with a `rules` list), or remove it to use the recommended rules.',
      cause: err,
    });
  }
}

function validate(raw: unknown, file: string): ConfigDescriptor {
  const bad = (why: string) => new StagecraftError(`${file}: ${why}`, { kind: 'input', hint: 'A secretlint config looks like {"rules": [{"id": "@secretlint/secretlint-rule-preset-recommend"}]}.' });
  if (typeof raw !== 'object' || raw === null || !Array.isArray((raw as ConfigDescriptor).rules)) throw bad('expected an object with a `rules` list');
  const check = (rules: unknown[], where: string) =>
    rules.forEach((r, i) => {
      if (typeof r !== 'object' || r === null || typeof (r as RuleDescriptor).id !== 'string') throw bad(`${where}[${i}] needs an "id" naming a rule package`);
      const nested = (r as RuleDescriptor).rules;
      if (nested !== undefined && !Array.isArray(nested)) throw bad(`${where}[${i}].rules must be a list`);
      if (nested) check(nested, `${where}[${i}].rules`);
    });
  check((raw as ConfigDescriptor).rules, 'rules');
  return raw as ConfigDescriptor;
}

async function buildConfig(descriptor: ConfigDescriptor, file: string, modules: SecretlintModules): Promise<SecretLintCoreConfig> {
  const rules: SecretLintCoreConfigUnionRule[] = [];
  for (const d of descriptor.rules) {
    if (d.id === PRESET_ID) {
      if (!d.disabled) rules.push(...expandPreset(modules, d.rules));
      continue;
    }
    const rule = await resolveRule(d.id, file, modules);
    const entry: Record<string, unknown> = { id: d.id, rule, options: d.options, disabled: d.disabled };
    if (rule.meta.type === 'preset') entry.rules = d.rules?.map(r => ({ ...r, type: 'rule' }));
    else Object.assign(entry, { severity: d.severity, allowMessageIds: d.allowMessageIds });
    rules.push(entry as SecretLintCoreConfigUnionRule);
  }
  const named = new Set(descriptor.rules.map(r => r.id));
  for (const id of Object.keys(BUILT_IN)) {
    if (!named.has(id)) rules.push({ id, rule: BUILT_IN[id] } as SecretLintCoreConfigUnionRule);
  }
  const filterTurnedOff = descriptor.rules.flatMap(r => [r, ...(r.rules ?? [])]).some(r => r.id === FILTER_COMMENTS_ID && r.disabled);
  if (!filterTurnedOff && !rules.some(r => r.id === FILTER_COMMENTS_ID)) {
    const filter = modules.presetRules.get(FILTER_COMMENTS_ID);
    if (filter) rules.push({ id: FILTER_COMMENTS_ID, rule: filter } as SecretLintCoreConfigUnionRule);
  }
  return { rules, sharedOptions: descriptor.sharedOptions as SecretLintCoreConfig['sharedOptions'] };
}

/** Built-in rules by id; any other id is a package installed next to the config file. */
async function resolveRule(id: string, configFile: string, modules: SecretlintModules): Promise<SecretLintUnionRuleCreator> {
  if (id === PRESET_ID) return modules.preset;
  const builtIn = BUILT_IN[id] ?? (modules.presetRules.get(id) as SecretLintUnionRuleCreator | undefined);
  if (builtIn) return builtIn;
  const requireFromConfig = createRequire(path.join(path.dirname(configFile), 'package.json'));
  for (const name of [fullPackageName(id), id]) {
    let resolved: string;
    try {
      resolved = requireFromConfig.resolve(name);
    } catch {
      continue;
    }
    const mod = (await import(pathToFileURL(resolved).href)) as { creator?: SecretLintUnionRuleCreator; default?: { creator?: SecretLintUnionRuleCreator } };
    const creator = mod.creator ?? mod.default?.creator;
    if (creator?.meta) return creator;
    throw new StagecraftError(`${configFile}: rule package "${name}" does not export a secretlint rule (\`creator\`).`, { kind: 'input' });
  }
  throw new StagecraftError(`${configFile}: rule "${id}" is not installed.`, {
    kind: 'input',
    hint: `Install it next to the config file (npm install --save-dev ${fullPackageName(id)}), or remove it from the rules.`,
  });
}

/** `aws` → `secretlint-rule-aws`, `@scope/x` → `@scope/secretlint-rule-x`, full names unchanged. */
function fullPackageName(id: string): string {
  const prefix = 'secretlint-rule-';
  if (id.startsWith('@')) {
    const [scope, name = ''] = id.split('/');
    return name.startsWith(prefix) ? id : `${scope}/${prefix}${name}`;
  }
  return id.startsWith(prefix) ? id : `${prefix}${id}`;
}
