import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { contentSecurityPolicy, escapeHtml, isUsableNonce, panelHtml } from '../../../src/protocol/shell';

describe('protocol: panel HTML shell', () => {
  const nonce = randomBytes(18).toString('base64');
  const input = {
    panel: 'environment' as const,
    title: 'Environment Variables',
    scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/environment.js',
    styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/panels/panels.css',
    cspSource: 'https://*.vscode-cdn.net',
    nonce,
  };

  it('has a CSP of default-src none, scripts by nonce only, nothing unsafe', () => {
    const csp = contentSecurityPolicy(input.cspSource, nonce);
    assert.match(csp, /^default-src 'none'; /);
    assert.match(csp, new RegExp(`script-src 'nonce-${nonce.replace(/[+/]/g, '\\$&')}'`));
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*(?!\.vscode-cdn)/);
    const html = panelHtml(input);
    assert.ok(html.includes(`http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}"`));
  });

  it('loads one script, with the nonce, and carries no inline script, style or handler', () => {
    const html = panelHtml(input);
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map(m => m[0]);
    assert.deepEqual(scripts, [`<script nonce="${escapeHtml(nonce)}" src="${input.scriptUri}">`]);
    assert.doesNotMatch(html, /<style|style=|\son[a-z]+=/i);
    assert.ok(html.includes('data-panel="environment"'));
  });

  it('escapes what it does carry, and is built without any data from files', () => {
    const html = panelHtml({ ...input, title: '<img src=x onerror=alert(1)>', scriptUri: 'x" onload="alert(1)' });
    assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
    assert.ok(html.includes('src="x&quot; onload=&quot;alert(1)"'));
    assert.ok(!html.includes('<img'));
    assert.equal(escapeHtml(`&<>"'`), '&amp;&lt;&gt;&quot;&#39;');
  });

  it('accepts only long base64 nonces', () => {
    assert.ok(isUsableNonce(nonce));
    assert.ok(!isUsableNonce('abc'));
    assert.ok(!isUsableNonce(`${nonce}'; script-src *`));
  });
});
