import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { buildEvidence, evidenceDigest, evidenceLines } from '../../../../src/core/approval';
import { parseStackFile } from '../../../../src/core/config/load';
import type { Stack } from '../../../../src/core/model';
import type { ArtifactRef, DeployReview, Provider } from '../../../../src/core/provider';
import type { ProviderLookup } from '../../../../src/core/providerModule';
import { builtinSchema } from '../../support/providers';
import { repoWithWaitingRun, type WaitingRepo } from './support/waitingRun';

const YAML = `stack: shop
service:
  port: 8080
stages:
  - name: test
    provider: local
  - name: prod
    provider: local
    requireApproval: true
`;

const REVIEW: DeployReview = {
  label: 'shop/prod',
  target: 'CloudFormation stack shop-prod',
  creates: false,
  changes: [
    { resource: 'TaskDefinition', type: 'AWS::ECS::TaskDefinition', kind: 'modify', scope: ['Properties'] },
    { resource: 'DatabaseInstance', type: 'AWS::RDS::DBInstance', kind: 'replace', scope: ['Properties'] },
  ],
  summary: '0 to add, 1 to modify (TaskDefinition), 1 to replace (DatabaseInstance), 0 to remove',
};

/** A lookup answering every stage with one provider whose previewChanges is `preview` (absent: none). */
function lookup(preview?: (candidate: ArtifactRef, signal?: AbortSignal) => Promise<DeployReview>): ProviderLookup & { asked: ArtifactRef[] } {
  const asked: ArtifactRef[] = [];
  const provider = { name: 'local', ...(preview && { previewChanges: (_s: Stack, _st: unknown, c: ArtifactRef, ctx?: { signal?: AbortSignal }) => (asked.push(c), preview(c, ctx?.signal)) }) } as unknown as Provider;
  return { asked, names: () => ['local'], has: () => true, module: () => undefined, get: async () => provider };
}

describe('approval evidence: the change set from the provider', function () {
  this.timeout(20_000);
  let repo: WaitingRepo;
  let stack: Stack;
  beforeEach(async () => {
    repo = await repoWithWaitingRun(YAML, ['test', 'prod'], 'prod', 'art-1');
    stack = parseStackFile(YAML, join(repo.root, 'stagecraft.yaml'), builtinSchema()).stack!;
  });
  afterEach(() => repo?.remove());

  it('asks the provider about the run’s artifact, shows its change set and the digest covers it', async () => {
    const providers = lookup(async () => REVIEW);
    const e = (await buildEvidence(stack, 'prod', { providers }))!;
    assert.deepEqual(providers.asked, [{ id: 'art-1', commit: repo.commit }]);
    assert.equal(e.changeSet?.summary, REVIEW.summary);
    assert.deepEqual(e.changeSet?.changes.map(c => `${c.kind} ${c.resource}`), ['replace DatabaseInstance', 'modify TaskDefinition'], 'the risky ones first');
    const without = { ...e, changeSet: undefined };
    assert.notEqual(evidenceDigest(e), evidenceDigest(without));
  });

  it('the CLI text lists the change set, replacements first and marked', async () => {
    const e = (await buildEvidence(stack, 'prod', { providers: lookup(async () => REVIEW) }))!;
    const lines = evidenceLines(e, evidenceDigest(e));
    const at = lines.indexOf(`Change set: ${REVIEW.summary}`);
    assert.ok(at > 0, lines.join('\n'));
    assert.equal(lines[at + 1], '  ! REPLACE     DatabaseInstance (AWS::RDS::DBInstance): Properties');
    assert.equal(lines[at + 2], '  ~ modify      TaskDefinition (AWS::ECS::TaskDefinition): Properties');
    assert.ok(lines.indexOf('Checks:') > at, 'before the checks');
  });

  it('a preview that fails or does not answer in time is a note, and the evidence is still built', async () => {
    const failed = (await buildEvidence(stack, 'prod', { providers: lookup(async () => Promise.reject(new Error('shop-prod is busy (UPDATE_IN_PROGRESS)'))) }))!;
    assert.equal(failed.changeSet?.summary, 'change set not available: shop-prod is busy (UPDATE_IN_PROGRESS)');
    assert.deepEqual(failed.changeSet?.changes, []);
    assert.ok(evidenceLines(failed, evidenceDigest(failed)).includes('Change set not available: shop-prod is busy (UPDATE_IN_PROGRESS)'));

    let aborted = false;
    const started = Date.now();
    // Never answers: the signal it was given is aborted at the limit.
    const hung = lookup((_c, signal) => new Promise<DeployReview>(() => signal?.addEventListener('abort', () => (aborted = true))));
    const late = (await buildEvidence(stack, 'prod', { providers: hung, previewTimeoutMs: 300 }))!;
    assert.ok(Date.now() - started < 5_000, 'bounded');
    assert.equal(late.changeSet?.unavailable, 'no answer within 300 ms');
    assert.equal(aborted, true, 'the provider was told to stop');
  });

  it('a provider without previewChanges (local) adds no change set', async () => {
    const e = (await buildEvidence(stack, 'prod', { providers: lookup() }))!;
    assert.equal(e.changeSet, undefined);
    assert.ok(!evidenceLines(e, evidenceDigest(e)).some(l => l.startsWith('Change set')));
  });
});
