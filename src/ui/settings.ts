import * as vscode from 'vscode';

/** Typed access to the `stagecraft.*` settings declared in package.json. */
export interface Settings {
  /** A registered provider's name, or undefined for the first registered (see Providers). */
  defaultProvider: string | undefined;
  branchModelOverride: 'fromFile' | 'gitflow' | 'trunk';
  reviewChanges: 'always' | 'replacementsOrRemovals' | 'never';
}

export function readSettings(scope?: vscode.ConfigurationScope): Settings {
  const c = vscode.workspace.getConfiguration('stagecraft', scope);
  return {
    defaultProvider: c.get<string>('defaultProvider') || undefined,
    branchModelOverride: c.get<'fromFile' | 'gitflow' | 'trunk'>('branchModel', 'fromFile'),
    reviewChanges: c.get<'always' | 'replacementsOrRemovals' | 'never'>('reviewChanges', 'always'),
  };
}
