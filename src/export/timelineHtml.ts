/**
 * The timeline page, shared by the VS Code webview (script and style by URI) and the standalone HTML
 * report (script, style and trace inlined). Strict CSP: nothing runs without the caller's nonce.
 * No `vscode` import: the extension host and the CLI both use it.
 */
import type { Trace } from '../model/trace';

export interface TimelineHtmlOptions {
  /** URI of dist/webview.js (ignored when `inlineScript` is given). */
  scriptUri: string;
  /** URI of dist/webview.css (ignored when `inlineStyle` is given). */
  styleUri: string;
  /** The webview's `cspSource`; empty for the report (everything inline). */
  cspSource: string;
  /** Fresh random nonce per load (the caller's job). */
  nonce: string;
  inlineScript?: string;
  inlineStyle?: string;
  /** The trace, embedded as JSON for the standalone report. */
  inlineTrace?: Trace;
}

/** Escapes text for an HTML attribute value or element content. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * JSON safe inside a `<script type="application/json">`: `<` becomes `\u003c`, so no string in the
 * trace can close the element, and U+2028/2029 are escaped for old parsers.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Keeps inlined JS or CSS from closing its element early. */
function inlineSafe(code: string, tag: 'script' | 'style'): string {
  return code.replace(new RegExp(`</(${tag})`, 'gi'), '<\\/$1');
}

export function renderTimelineHtml(options: TimelineHtmlOptions): string {
  const { cspSource, nonce } = options;
  if (!/^[A-Za-z0-9+/=_-]{16,}$/.test(nonce))
    throw new Error('renderTimelineHtml: weak or bad nonce');
  const source = cspSource ? ` ${cspSource}` : '';
  const csp = [
    "default-src 'none'",
    `img-src${source} data:`,
    `font-src${source || " 'none'"}`,
    `style-src${source} 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  const style =
    options.inlineStyle !== undefined
      ? `<style nonce="${nonce}">${inlineSafe(options.inlineStyle, 'style')}</style>`
      : `<link rel="stylesheet" nonce="${nonce}" href="${escapeHtml(options.styleUri)}">`;
  const trace =
    options.inlineTrace !== undefined
      ? `<script type="application/json" id="trace-data">${jsonForScript(options.inlineTrace)}</script>`
      : '';
  const script =
    options.inlineScript !== undefined
      ? `<script nonce="${nonce}">${inlineSafe(options.inlineScript, 'script')}</script>`
      : `<script nonce="${nonce}" src="${escapeHtml(options.scriptUri)}"></script>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Parallel Profiler timeline</title>
${style}
</head>
<body>
<div id="app"><noscript>The timeline needs JavaScript.</noscript></div>
${trace}
${script}
</body>
</html>
`;
}
