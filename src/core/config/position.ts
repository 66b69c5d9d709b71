/**
 * Where Add Stage puts a new stage unless told: just before the first protected stage (a new
 * stage is promoted through before prod, not after it), else last. In the terms of `NewStage`:
 * `first` when the first stage is protected, `after` the stage before it otherwise; neither for last.
 */
export function defaultPosition(stages: ReadonlyArray<{ name: string; protected: boolean }>): { after?: string; first?: boolean } {
  const index = stages.findIndex(s => s.protected);
  if (index < 0) return {};
  if (index === 0) return { first: true };
  return { after: stages[index - 1].name };
}
