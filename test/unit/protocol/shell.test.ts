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
    styleNonce: randomBytes(18).toString('base64'),
  };

  it('has a CSP of default-src none, scripts by nonce only, nothing unsafe', () => {
    const csp = contentSecurityPolicy(input.cspSource, nonce, input.styleNonce);
    assert.match(csp, /^default-src 'none'; /);
    assert.match(csp, new RegExp(`script-src 'nonce-${nonce.replace(/[+/]/g, '\\$&')}'`));
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*(?!\.vscode-cdn)/);
    const html = panelHtml(input);
    assert.ok(html.includes(`http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}"`));
  });

  it('allows the toolkit\'s one <style> element by a style nonce of its own, named in <meta property="csp-nonce">', () => {
    const styleNonce = randomBytes(18).toString('base64');
    const html = panelHtml({ ...input, styleNonce });
    const csp = contentSecurityPolicy(input.cspSource, nonce, styleNonce);
    assert.ok(csp.includes(`style-src ${input.cspSource} 'nonce-${styleNonce}'`), csp);
    assert.ok(html.includes(`content="${escapeHtml(csp)}"`));
    assert.ok(html.includes(`<meta property="csp-nonce" content="${escapeHtml(styleNonce)}">`));
    assert.ok(!html.includes(`csp-nonce" content="${escapeHtml(nonce)}"`), 'the script nonce is not in readable markup');
    // Without one given, each page gets a fresh style nonce all the same.
    const fresh = panelHtml({ ...input, styleNonce: undefined }).match(/csp-nonce" content="([^"]+)"/)?.[1];
    assert.ok(fresh && isUsableNonce(fresh.replace(/&#39;|&quot;/g, '')) && fresh !== nonce);
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
