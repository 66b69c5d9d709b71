import * as vscode from 'vscode';
import { AWS_PROVIDER, awsProviderOf } from '../../aws/load';
import { registerCommand } from '../commandWrapper';
import { COMMANDS } from '../ids';
import type { ExtensionLog } from '../log';
import type { StackWorkspace } from '../stackWorkspace';
import { pickAwsProfile, SELECTED_PROFILE_KEY } from './profilePicker';
import { AwsDoctor } from './doctorReport';
import { AwsStatusBar } from './statusBar';

/** How long after activation the status bar first asks STS who we are (activation stays cheap). */
const FIRST_CHECK_DELAY_MS = 1500;

/**
 * The AWS provider's part of the extension: Select AWS Profile (the profile it stores is the
 * `aws.profile` setting the provider reads, see extension.ts), the endpoint setting, and the
 * identity in the status bar. The provider's code and the SDK load on first use.
 */
export function registerAws(context: vscode.ExtensionContext, log: ExtensionLog, workspace: StackWorkspace): void {
  const selectedProfile = () => context.workspaceState.get<string>(SELECTED_PROFILE_KEY) || undefined;
  const provider = () => awsProviderOf(workspace.providers, 'AWS');

  const statusBar = new AwsStatusBar(selectedProfile, log, provider);
  context.subscriptions.push(statusBar);
  // The doctor runs once per window with AWS stages, and again after a profile or endpoint change.
  const doctor = new AwsDoctor(log, provider, (failed, summary) => statusBar.setDoctor(failed, summary));
  context.subscriptions.push(doctor);
  let doctorRan = false;
  const runDoctor = async () => {
    doctorRan = true;
    await doctor.run((await workspace.stacks()).filter(s => s.stages.some(stage => stage.provider === AWS_PROVIDER)));
  };

  const reset = async () => {
    // Clients hold credentials and the endpoint: new ones after a change.
    const aws = await provider();
    aws.invalidate();
    await aws.pool.reset();
    workspace.refresh();
    await statusBar.refresh();
    statusBar.setDoctor(0);
    if (doctorRan) void runDoctor();
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
        log.info(`AWS endpoint: ${vscode.workspace.getConfiguration('stagecraft').get<string>('aws.endpoint') || 'AWS (or AWS_ENDPOINT_URL)'}`);
        void reset();
      }
    }),
  );

  // The item appears only for workspaces with AWS stages, shortly after activation.
  const update = async () => {
    const hasAws = (await workspace.stacks()).some(s => s.stages.some(stage => stage.provider === AWS_PROVIDER));
    statusBar.setVisible(hasAws);
    if (hasAws && !doctorRan) void runDoctor();
  };
  const timer = setTimeout(() => void update(), FIRST_CHECK_DELAY_MS);
  context.subscriptions.push({ dispose: () => clearTimeout(timer) }, workspace.onDidChange(() => void update()));
}
