import { StagecraftError } from '../core/errors';

/** A profile from ~/.aws/config or ~/.aws/credentials, as the Select AWS Profile list shows it. */
export interface AwsProfileInfo {
  name: string;
  region?: string;
  /** How it gets credentials, so the list can say "SSO" or "access key". */
  kind: 'sso' | 'access-key' | 'assume-role' | 'process' | 'other';
  /** Which files define it. */
  files: Array<'config' | 'credentials'>;
}

type Section = Record<string, string | undefined>;

/**
 * Every profile in the shared config and credentials files (AWS_CONFIG_FILE and
 * AWS_SHARED_CREDENTIALS_FILE are honoured), parsed by the same loader the SDK uses, sorted with
 * `default` first. Missing files mean no profiles, not an error.
 */
export async function listProfiles(): Promise<AwsProfileInfo[]> {
  const { loadSharedConfigFiles } = await import('@smithy/shared-ini-file-loader');
  let files: { configFile: Record<string, Section>; credentialsFile: Record<string, Section> };
  try {
    files = await loadSharedConfigFiles({ ignoreCache: true });
  } catch (err) {
    throw new StagecraftError(`Cannot read the AWS config files: ${(err as Error).message}`, { cause: err, hint: 'Check ~/.aws/config and ~/.aws/credentials (or AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE).' });
  }
  const byName = new Map<string, AwsProfileInfo>();
  const add = (name: string, section: Section, file: 'config' | 'credentials') => {
    // The loader keys other sections as "sso-session.NAME", "services.NAME": they are not profiles.
    if (/^(sso-session|services)\./.test(name)) return;
    const info = byName.get(name) ?? { name, kind: 'other', files: [] };
    info.files.push(file);
    info.region ??= section.region;
    info.kind = kindOf(section, info.kind);
    byName.set(name, info);
  };
  for (const [name, section] of Object.entries(files.configFile)) add(name, section, 'config');
  for (const [name, section] of Object.entries(files.credentialsFile)) add(name, section, 'credentials');
  return [...byName.values()].sort((a, b) => (a.name === 'default' ? -1 : b.name === 'default' ? 1 : a.name.localeCompare(b.name)));
}

function kindOf(section: Section, previous: AwsProfileInfo['kind']): AwsProfileInfo['kind'] {
  if (section.sso_session || section.sso_start_url) return 'sso';
  if (section.role_arn) return 'assume-role';
  if (section.credential_process) return 'process';
  if (section.aws_access_key_id) return 'access-key';
  return previous;
}
