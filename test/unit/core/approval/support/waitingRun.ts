import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newRunId, runDir, writeRunRecord } from '../../../../../src/core/pipeline/store';
import type { RunRecord } from '../../../../../src/core/pipeline/types';

/** A real git repository with one commit and a run record that waits for the approval of `stage`. */
export interface WaitingRepo {
  root: string;
  commit: string;
  runId: string;
  remove(): void;
}

export async function repoWithWaitingRun(stackYaml: string, stages: string[], stage: string, artifactId: string | undefined): Promise<WaitingRepo> {
  const root = mkdtempSync(join(tmpdir(), 'stagecraft-evidence-'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main');
  writeFileSync(join(root, 'stagecraft.yaml'), stackYaml);
  git('add', 'stagecraft.yaml');
  git('-c', 'user.name=Ann Approver', '-c', 'user.email=ann@example.com', 'commit', '-q', '-m', 'Add the service');
  const commit = git('rev-parse', 'HEAD');
  const now = new Date();
  const run: RunRecord = {
    version: 1,
    id: newRunId(now),
    stack: 'shop',
    commit,
    branch: 'main',
    stages,
    createdAt: now.toISOString(),
    status: 'awaiting-approval',
    warnings: [],
    artifact: artifactId ? { id: artifactId, commit } : undefined,
    steps: [
      {
        id: `stage:${stage}:approval`,
        kind: 'approval',
        group: 'stage',
        stage,
        label: `${stage}: approval`,
        status: 'awaiting-approval',
        approval: { requestId: 'req-1', requestedAt: now.toISOString(), expiresAt: new Date(now.getTime() + 3_600_000).toISOString() },
      },
    ],
    stageRecords: {},
  };
  mkdirSync(runDir(root, run.id), { recursive: true });
  await writeRunRecord(root, run);
  return { root, commit, runId: run.id, remove: () => rmSync(root, { recursive: true, force: true }) };
}
