import * as vscode from 'vscode';

/** Typed access to the `stagecraft.*` settings declared in package.json. */
export interface Settings {
  defaultProvider: 'local' | 'aws';
  awsEndpoint: string;
  branchModelOverride: 'fromFile' | 'gitflow' | 'trunk';
  reviewChanges: 'always' | 'replacementsOrRemovals' | 'never';
  /** Put the bundled CLI on PATH in integrated terminals. */
  addCliToPath: boolean;
}

export function readSettings(scope?: vscode.ConfigurationScope): Settings {
  const c = vscode.workspace.getConfiguration('stagecraft', scope);
  return {
    defaultProvider: c.get<'local' | 'aws'>('defaultProvider', 'local'),
    awsEndpoint: c.get<string>('aws.endpoint', ''),
    branchModelOverride: c.get<'fromFile' | 'gitflow' | 'trunk'>('branchModel', 'fromFile'),
    reviewChanges: c.get<'always' | 'replacementsOrRemovals' | 'never'>('reviewChanges', 'always'),
    addCliToPath: c.get<boolean>('terminal.addCliToPath', true),
  };
}
