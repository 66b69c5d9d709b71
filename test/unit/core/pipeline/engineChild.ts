/**
 * A second process for the pipeline tests (not a test file itself):
 *   run ROOT STEP_ID      starts a run that hangs at STEP_ID and prints {"runId"} when it gets there
 *   approve|reject ROOT TARGET BY COMMENT   decides a pending approval and prints the decision
 */
import { loadStackFile } from '../../../../src/core/config/load';
import { approve, reject, startRun, type Step, type StepContext, type StepOutcome } from '../../../../src/core/pipeline';

async function main(): Promise<void> {
  const [mode, root, target, by, comment] = process.argv.slice(2);
  if (mode === 'run') {
    const loaded = await loadStackFile(root);
    if (!loaded?.stack) throw new Error(`no stack in ${root}`);
    const handle = startRun({
      stack: loaded.stack,
      commit: 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00',
      timing: { heartbeatMs: 200 },
      executor: {
        async execute(step: Step, ctx: StepContext): Promise<StepOutcome> {
          if (step.id === target) {
            process.stdout.write(JSON.stringify({ runId: ctx.run.id }) + '\n');
            setInterval(() => undefined, 1000); // a pending promise alone would let the process exit
            await new Promise(() => undefined); // hang until killed
          }
          return { status: 'succeeded', summary: 'ok', ...(step.kind === 'artifact' ? { outputs: { artifact: 'sha256-child' } } : {}) };
        },
      },
    });
    handle.events.on('awaiting-approval', e => process.stdout.write(JSON.stringify({ runId: e.runId, awaiting: e.stage }) + '\n'));
    await handle.done;
    return;
  }
  const decide = mode === 'approve' ? approve : reject;
  const decision = await decide(root, target, { by, comment });
  process.stdout.write(JSON.stringify(decision) + '\n');
}

main().catch(err => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
