import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { canonicalJson, evidenceDigest, type ApprovalEvidence } from '../../../../src/core/approval';

function evidence(): ApprovalEvidence {
  return {
    version: 1,
    stack: 'shop',
    stage: 'prod',
    runId: '20261206-101010-abcd',
    requestId: 'r1',
    candidate: { commit: 'b'.repeat(40), artifact: 'sha256-art' },
    running: { commit: 'a'.repeat(40) },
    commits: { list: [{ hash: 'b'.repeat(40), subject: 'Add checkout', author: 'Ann', date: '2026-12-06T10:00:00Z' }], truncated: false, behind: 0 },
    config: { from: 'test', changes: ['env GREETING: "hi" → (not set)'] },
    checks: [{ kind: 'unit-tests', label: 'Unit tests', status: 'succeeded', summary: 'tests passed' }],
    sbom: { components: 12, comparedWith: '20261205-090000-ffff', added: ['left-pad@1.3.0'], addedTotal: 1 },
    approvals: [{ stage: 'test', decision: 'approved', by: 'Bob', runId: '20261206-101010-abcd' }],
  };
}

describe('approval evidence digest', () => {
  it('is the SHA-256 of the canonical JSON, and the same whatever the key order', () => {
    const e = evidence();
    const digest = evidenceDigest(e);
    assert.equal(digest, `sha256:${createHash('sha256').update(canonicalJson(e)).digest('hex')}`);
    const reordered = Object.fromEntries(Object.entries(e).reverse());
    assert.equal(evidenceDigest(reordered), digest);
    assert.equal(canonicalJson({ b: 1, a: [{ d: 2, c: undefined }] }), '{"a":[{"d":2}],"b":1}');
  });

  it('changes when anything shown changes: a commit, a config line, a check, an earlier approval, the request', () => {
    const base = evidenceDigest(evidence());
    const changes: ((e: ApprovalEvidence) => void)[] = [
      e => (e.commits.list[0].subject = 'Add checkout (amended)'),
      e => e.config.changes.push('origins: + https://shop.example'),
      e => (e.checks[0].status = 'failed'),
      e => (e.sbom!.addedTotal = 2),
      e => (e.approvals[0].by = 'Mallory'),
      e => (e.requestId = 'r2'),
      e => (e.changeSet = { summary: '1 to replace', changes: [{ resource: 'Database', type: 'AWS::RDS::DBInstance', kind: 'replace', scope: [] }] }),
    ];
    const seen = new Set([base]);
    for (const change of changes) {
      const e = evidence();
      change(e);
      const d = evidenceDigest(e);
      assert.notEqual(d, base);
      seen.add(d);
    }
    assert.equal(seen.size, changes.length + 1, 'each change gives its own digest');
  });
});
