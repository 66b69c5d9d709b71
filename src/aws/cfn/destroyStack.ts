import { StagecraftError } from '../../core/errors';
import type { AwsClients } from '../clients';
import { deleteAndWait, setTerminationProtection } from './deployStack';
import type { StackEventLine } from './events';
import { describeStack, isInProgress } from './stacks';

export interface DestroyStackRequest {
  stackName: string;
  label: string;
  /** The stage is protected in stagecraft.yaml (prod is by default). */
  protectedStage: boolean;
  /**
   * The user explicitly confirmed destroying a protected stage: termination protection is turned
   * off first, then the stack is deleted. Without it a protected stage is refused.
   */
  force?: boolean;
  onEvent?: (event: StackEventLine) => void;
  log?: (line: string) => void;
  signal?: AbortSignal;
  pollMs?: number;
}

/** Deletes a stage stack; 'absent' when there was none. Protected stages need `force`. */
export async function destroyStack(clients: AwsClients, req: DestroyStackRequest): Promise<'deleted' | 'absent'> {
  const stack = await describeStack(clients, req.stackName, req.signal, `${req.label}: read stack ${req.stackName}`);
  if (!stack) {
    req.log?.(`${req.label}: ${req.stackName} does not exist; nothing to destroy`);
    return 'absent';
  }
  const why = [req.protectedStage ? 'the stage is protected in stagecraft.yaml' : undefined, stack.terminationProtection ? `termination protection is on for ${req.stackName}` : undefined].filter(Boolean);
  if (why.length > 0 && !req.force) {
    throw new StagecraftError(`${req.label} is protected (${why.join('; ')}); Stagecraft will not destroy it without an explicit confirmation.`, {
      kind: 'input',
      hint: 'Confirm it explicitly (Destroy Stage: type the stage name; CLI: `stagecraft destroy STAGE --force`), which reaches the provider as `force`; its termination protection is then removed and the stack deleted.',
    });
  }
  if (isInProgress(stack.status) && stack.status !== 'REVIEW_IN_PROGRESS') {
    throw new StagecraftError(`${req.label}: ${req.stackName} is busy (${stack.status}).`, { kind: 'input', hint: 'Wait until the running operation ends, then destroy again.' });
  }
  if (stack.terminationProtection) {
    await setTerminationProtection(clients, stack.id, false, req.signal, req.label);
    req.log?.(`${req.label}: termination protection removed from ${req.stackName} (confirmed)`);
  }
  req.log?.(`${req.label}: deleting ${req.stackName}`);
  await deleteAndWait(clients, stack, req);
  req.log?.(`${req.label}: ${req.stackName} deleted`);
  return 'deleted';
}
