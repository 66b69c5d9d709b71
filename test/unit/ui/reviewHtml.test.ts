import * as assert from 'node:assert/strict';
import type { ApprovalEvidence } from '../../../src/core/approval';
import { reviewHtml } from '../../../src/ui/review/reviewHtml';

const EVIDENCE: ApprovalEvidence = {
  version: 1,
  stack: 'shop',
  stage: 'prod',
  runId: '20261206-101010-000-abcd',
  requestId: 'r1',
  candidate: { commit: 'b'.repeat(40), branch: 'main' },
  running: { commit: 'a'.repeat(40) },
  commits: { list: [{ hash: 'b'.repeat(40), subject: '<img src=x onerror=alert(1)> fix', author: 'Ann "A" <ann@x>', date: '2026-12-06T10:00:00Z' }], truncated: false, behind: 0 },
  config: { from: 'test', changes: ['env API_KEY: secret "test-key" → secret "prod-key"'] },
  changeSet: { summary: '1 to replace', changes: [{ resource: 'Database', type: 'AWS::RDS::DBInstance', kind: 'replace', scope: [] }, { resource: 'Service', type: 'AWS::ECS::Service', kind: 'modify', scope: ['Properties'] }] },
  checks: [{ kind: 'unit-tests', label: 'Unit tests', status: 'succeeded', summary: 'passed' }],
  approvals: [],
};

describe('ui/review: the review page (no vscode)', () => {
  const html = reviewHtml({ evidence: EVIDENCE, digest: 'sha256:abc', scriptUri: 'https://x/review.js', styleUri: 'https://x/review.css', cspSource: 'https://x', nonce: 'bm9uY2Vub25jZW5vbmNlbm9uY2U=', focus: 'approve' });

  it('renders every fact as escaped text: a commit subject cannot inject markup', () => {
    assert.ok(!html.includes('<img'), 'no element from the data');
    assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt; fix'));
    assert.ok(html.includes('Ann &quot;A&quot; &lt;ann@x&gt;'));
  });

  it('has a strict CSP: scripts only by nonce, no inline style or script, no style attribute', () => {
    const csp = (/http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)?.[1] ?? '').replace(/&#39;/g, "'");
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'nonce-bm9uY2Vub25jZW5vbmNlbm9uY2U='/);
    assert.ok(!/unsafe-inline|unsafe-eval/.test(csp), csp);
    assert.ok(!/ style=|<style/.test(html), 'no inline style');
    assert.equal((html.match(/<script/g) ?? []).length, 1);
    assert.match(html, /<script nonce="bm9uY2Vub25jZW5vbmNlbm9uY2U=" src="https:\/\/x\/review.js"><\/script>/);
  });

  it('highlights a replacement, and keeps Approve and Reject as real buttons', () => {
    assert.match(html, /<span class="kind risky">REPLACE<\/span> Database/);
    assert.match(html, /<span class="kind">modify<\/span> Service/);
    assert.match(html, /<button id="approve" type="button">Approve<\/button>/);
    assert.match(html, /<button id="reject" type="button" class="secondary">Reject<\/button>/);
    assert.match(html, /<label for="comment">/);
  });

  it('a change set that was not available says why, without claiming "no resource changes"', () => {
    const unavailable = { summary: 'change set not available: no answer within 60 s', changes: [], unavailable: 'no answer within 60 s' };
    const page = reviewHtml({ evidence: { ...EVIDENCE, changeSet: unavailable }, digest: 'sha256:abc', scriptUri: 'https://x/review.js', styleUri: 'https://x/review.css', cspSource: 'https://x', nonce: 'bm9uY2Vub25jZW5vbmNlbm9uY2U=', focus: 'approve' });
    assert.match(page, /<p class="muted">change set not available: no answer within 60 s<\/p>/);
    assert.ok(!page.includes('No resource changes.'));
  });
});
