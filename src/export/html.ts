/**
 * The standalone HTML report: one file with the webview bundle, its CSS and the trace inlined, which
 * opens from `file://` with no network and no VS Code.
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { Trace } from '../model/trace';
import { renderTimelineHtml } from './timelineHtml';

/**
 * Directory holding webview.js and webview.css: next to the running bundle (dist/cli.js), or the
 * repository's dist/ when running compiled sources (out/src/export) or tests.
 */
function findWebviewAssets(): string {
  const candidates = [
    __dirname,
    path.resolve(__dirname, '../../../dist'),
    path.resolve(__dirname, '../../dist'),
  ];
  for (const dir of candidates) {
    if (
      fs.existsSync(path.join(dir, 'webview.js')) &&
      fs.existsSync(path.join(dir, 'webview.css'))
    ) {
      return dir;
    }
  }
  throw new Error(
    `HTML report: webview.js and webview.css not found (looked in ${candidates.join(', ')}); build with 'node esbuild.js'`,
  );
}

export function renderHtmlReport(trace: Trace): string {
  const dir = findWebviewAssets();
  return renderTimelineHtml({
    scriptUri: '',
    styleUri: '',
    cspSource: '',
    nonce: randomBytes(18).toString('base64url'),
    inlineScript: fs.readFileSync(path.join(dir, 'webview.js'), 'utf8'),
    inlineStyle: fs.readFileSync(path.join(dir, 'webview.css'), 'utf8'),
    inlineTrace: trace,
  });
}
