import { randomBytes } from 'node:crypto';
import type { PanelKind } from './messages';

/** What the HTML shell of a panel needs from the host: URIs already converted for the webview. */
export interface ShellInput {
  panel: PanelKind;
  /** A fixed, human title (never a name from a file: those reach the page as data, shown as text). */
  title: string;
  scriptUri: string;
  styleUri: string;
  /** webview.cspSource */
  cspSource: string;
  nonce: string;
  /**
   * The nonce of the one `<style>` element the toolkit creates (fast-web-utilities probes
   * `:focus-visible` support with it, reading the nonce from `<meta property="csp-nonce">`).
   * Separate from the script nonce, which the page therefore never carries in readable markup.
   * A fresh one when omitted.
   */
  styleNonce?: string;
}

/**
 * The Content-Security-Policy of every panel: nothing by default; styles, fonts and images only
 * from the extension's own files (plus a `<style>` element carrying the page's style nonce);
 * scripts only with this page's nonce. No 'unsafe-inline', no 'unsafe-eval'. (The toolkit's
 * components style themselves through constructable stylesheets, which CSP does not govern.)
 */
export function contentSecurityPolicy(cspSource: string, nonce: string, styleNonce?: string): string {
  return [
    "default-src 'none'",
    `style-src ${cspSource}${styleNonce ? ` 'nonce-${styleNonce}'` : ''}`,
    `font-src ${cspSource}`,
    `img-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

/**
 * The page a panel is built from. It carries no data at all (no stage names, values or
 * secrets): those arrive by message after the ready handshake and are rendered as text.
 */
export function panelHtml(input: ShellInput): string {
  const attr = escapeHtml;
  const styleNonce = input.styleNonce ?? randomBytes(18).toString('base64');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(input.cspSource, input.nonce, styleNonce))}">
<meta property="csp-nonce" content="${attr(styleNonce)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(input.styleUri)}">
<title>${escapeHtml(input.title)}</title>
</head>
<body data-panel="${attr(input.panel)}">
<main id="app" aria-busy="true"><p class="loading">Loading…</p></main>
<script nonce="${attr(input.nonce)}" src="${attr(input.scriptUri)}"></script>
</body>
</html>
`;
}

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A nonce must be base64 and long enough that a page cannot guess it. */
export function isUsableNonce(nonce: string): boolean {
  return /^[A-Za-z0-9+/]{22,}={0,2}$/.test(nonce);
}
