import type { SecretLintCoreConfig, SecretLintCoreResultMessage, SecretLintRuleCreator, SecretLintUnionRuleCreator } from '@secretlint/types' with { 'resolution-mode': 'import' };

/**
 * secretlint, loaded on first use. Its packages are ESM-only and heavy (the recommended preset
 * alone is a megabyte of rules), so nothing imports them until a scan actually runs: the
 * extension activates without them and the CLI loads them only for `stagecraft scan`.
 */
export interface SecretlintModules {
  lintSource: typeof import('@secretlint/core', { with: { 'resolution-mode': 'import' } }).lintSource;
  preset: SecretLintUnionRuleCreator;
  /** The preset's rules by id, so a `.secretlintrc` may name one of them on its own. */
  presetRules: Map<string, SecretLintRuleCreator<unknown>>;
}

export const PRESET_ID = '@secretlint/secretlint-rule-preset-recommend';
export const FILTER_COMMENTS_ID = '@secretlint/secretlint-rule-filter-comments';

let loading: Promise<SecretlintModules> | undefined;
let loaded = false;

export function loadSecretlint(): Promise<SecretlintModules> {
  loading ??= (async () => {
    const [core, preset, profiler] = await Promise.all([import('@secretlint/core'), import('@secretlint/secretlint-rule-preset-recommend'), import('@secretlint/profiler')]);
    silenceProfiler(profiler.secretLintProfiler);
    const presetRules = new Map<string, SecretLintRuleCreator<unknown>>();
    for (const rule of preset.rules as SecretLintRuleCreator<unknown>[]) presetRules.set(rule.meta.id, rule);
    loaded = true;
    return { lintSource: core.lintSource, preset: preset.creator as SecretLintUnionRuleCreator, presetRules };
  })();
  return loading;
}

/**
 * secretlint 11 profiles every run whether asked or not: a performance mark per rule per file,
 * kept forever, with a lookup over all earlier marks each time (secretlint issues #1633 and
 * #1653, fixed upstream by making profiling opt-in). In a long-lived extension host that is a
 * leak and a scan that gets slower with every save, so its `mark` becomes a no-op here; the
 * measurements are never read. The profiler is a direct dependency so that this is the very
 * instance @secretlint/core uses.
 */
function silenceProfiler(profiler: object): void {
  try {
    Object.defineProperty(profiler, 'mark', { value: () => undefined, configurable: true, writable: true });
  } catch {
    // A future version may freeze it; scanning still works, only slower.
  }
}

/** Whether secretlint has been loaded in this process (activation must leave it unloaded). */
export function isSecretlintLoaded(): boolean {
  return loaded;
}

export interface LintInput {
  content: string;
  /** Used by rules that look at the file name (`.env`, `stagecraft.yaml`) and for the extension. */
  filePath: string;
  config: SecretLintCoreConfig;
}

/** Runs the configured rules over one text; messages come back with secret values masked. */
export async function lintText(input: LintInput): Promise<SecretLintCoreResultMessage[]> {
  const { lintSource } = await loadSecretlint();
  const dot = input.filePath.lastIndexOf('.');
  const result = await lintSource({
    source: { content: input.content, filePath: input.filePath, ext: dot >= 0 ? input.filePath.slice(dot) : '', contentType: 'text' },
    options: { config: input.config, maskSecrets: true, noPhysicFilePath: true },
  });
  return result.messages.filter((m): m is SecretLintCoreResultMessage => m.type === 'message');
}
