import * as vscode from 'vscode';
import { loadAws } from '../../aws/load';

/** The profile the user picked for stages that do not name one; undefined means the SDK's default chain. */
export const SELECTED_PROFILE_KEY = 'stagecraft.aws.profile';

interface ProfileItem extends vscode.QuickPickItem {
  profile: string | undefined;
}

const KIND_LABELS: Record<string, string> = {
  sso: 'SSO',
  'access-key': 'access key',
  'assume-role': 'assumes a role',
  process: 'credential process',
  other: '',
};

/**
 * Select AWS Profile: every profile of ~/.aws/config and ~/.aws/credentials, plus the default
 * credential chain (environment, SSO, instance role). Returns the choice, or undefined when the
 * user dismissed the list (nothing changes then).
 */
export async function pickAwsProfile(current: string | undefined): Promise<{ profile: string | undefined } | undefined> {
  const aws = await loadAws();
  const profiles = await aws.listProfiles();
  const items: ProfileItem[] = [
    {
      label: '$(globe) Default credential chain',
      description: current === undefined ? 'selected' : undefined,
      detail: 'AWS_PROFILE, environment variables, SSO, instance or container role — as the AWS CLI would choose',
      profile: undefined,
    },
    ...profiles.map(p => ({
      label: `$(account) ${p.name}`,
      description: [current === p.name ? 'selected' : undefined, KIND_LABELS[p.kind], p.region].filter(Boolean).join(' · '),
      detail: `from ${p.files.map(f => `~/.aws/${f}`).join(' and ')}`,
      profile: p.name,
    })),
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Select AWS Profile',
    placeHolder: profiles.length ? 'Profile for AWS stages that do not set `profile:` in stagecraft.yaml' : 'No profiles in ~/.aws/config or ~/.aws/credentials: run `aws configure` or `aws configure sso`',
    matchOnDescription: true,
  });
  return picked ? { profile: picked.profile } : undefined;
}
