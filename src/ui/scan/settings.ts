import * as vscode from 'vscode';

/** The `stagecraft.scan.*` settings (declared in package.json). */
export interface ScanSettings {
  /** Scan files for secrets when they are opened or saved. */
  onSave: boolean;
  /** The cfn-lint executable; empty turns template linting off. */
  cfnLintPath: string;
}

export function readScanSettings(scope?: vscode.ConfigurationScope): ScanSettings {
  const c = vscode.workspace.getConfiguration('stagecraft.scan', scope);
  return {
    onSave: c.get<boolean>('onSave', true),
    cfnLintPath: c.get<string>('cfnLintPath', 'cfn-lint').trim(),
  };
}
