import * as vscode from 'vscode';

/** Typed access to the `stagecraft.*` settings declared in package.json. */
export interface Settings {
  /** A registered provider's name, or undefined for the first registered (see Providers). */
  defaultProvider: string | undefined;
  branchModelOverride: 'fromFile' | 'gitflow' | 'trunk';
  reviewChanges: 'always' | 'replacementsOrRemovals' | 'never';
  /** Base folder of Stagecraft's state; empty means the platform's state folder. */
  stateHome: string;
  /** Artifacts kept beyond those a stage runs or ran last; runs kept per stage. */
  keepArtifacts: number;
  /** Time to live of personal stages when stagecraft.yaml has no `personal.ttl`. */
  personalStageTtl: string;
  /** Put the bundled CLI on PATH in integrated terminals. */
  addCliToPath: boolean;
}

export function readSettings(scope?: vscode.ConfigurationScope): Settings {
  const c = vscode.workspace.getConfiguration('stagecraft', scope);
  return {
    defaultProvider: c.get<string>('defaultProvider') || undefined,
    branchModelOverride: c.get<'fromFile' | 'gitflow' | 'trunk'>('branchModel', 'fromFile'),
    reviewChanges: c.get<'always' | 'replacementsOrRemovals' | 'never'>('reviewChanges', 'always'),
    stateHome: c.get<string>('stateHome', ''),
    keepArtifacts: c.get<number>('retention.keep', 5),
    personalStageTtl: c.get<string>('personalStages.ttl', '7d'),
    addCliToPath: c.get<boolean>('terminal.addCliToPath', true),
  };
}
