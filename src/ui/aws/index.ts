import * as vscode from 'vscode';
import { loadAws, registerAwsProvider, setAwsDefaults } from '../../aws/register';
import { registerCommand } from '../commandWrapper';
import { COMMANDS } from '../ids';
import type { ExtensionLog } from '../log';
import { readSettings } from '../settings';
import type { StackWorkspace } from '../stackWorkspace';
import { pickAwsProfile, SELECTED_PROFILE_KEY } from './profilePicker';
import { AwsStatusBar } from './statusBar';

/** How long after activation the status bar first asks STS who we are (activation stays cheap). */
const FIRST_CHECK_DELAY_MS = 1500;

/**
 * Everything AWS in the extension: the `aws` provider (its code and the SDK load on first use),
 * the endpoint setting and selected profile fed to every AWS client, Select AWS Profile, and the
 * identity in the status bar.
 */
export function registerAws(context: vscode.ExtensionContext, log: ExtensionLog, workspace: StackWorkspace): void {
  const selectedProfile = () => context.workspaceState.get<string>(SELECTED_PROFILE_KEY) || undefined;
  registerAwsProvider();
  setAwsDefaults(() => ({ endpoint: readSettings().awsEndpoint, profile: selectedProfile() }));

  const statusBar = new AwsStatusBar(selectedProfile, log);
  context.subscriptions.push(statusBar);

  const reset = async () => {
    // Clients hold credentials and the endpoint: new ones after a change. Only if AWS was loaded.
    await (await loadAws()).resetAws();
    workspace.refresh();
    await statusBar.refresh();
  };

  registerCommand(context, log, COMMANDS.selectAwsProfile, async () => {
    const choice = await pickAwsProfile(selectedProfile());
    if (!choice) return;
    await context.workspaceState.update(SELECTED_PROFILE_KEY, choice.profile);
    log.info(`AWS profile for stages without one: ${choice.profile ?? 'default credential chain'}`);
    await reset();
  });

  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(e => {
      if (e.affectsConfiguration('stagecraft.aws.endpoint')) {
        log.info(`AWS endpoint: ${readSettings().awsEndpoint || 'AWS (or AWS_ENDPOINT_URL)'}`);
        void reset();
      }
    }),
  );

  // The item appears only for workspaces with AWS stages, shortly after activation.
  const update = async () => statusBar.setVisible((await workspace.stacks()).some(s => s.stages.some(stage => stage.provider === 'aws')));
  const timer = setTimeout(() => void update(), FIRST_CHECK_DELAY_MS);
  context.subscriptions.push({ dispose: () => clearTimeout(timer) }, workspace.onDidChange(() => void update()));
}
