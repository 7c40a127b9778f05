import * as crypto from 'crypto';
import * as vscode from 'vscode';
import { renderTimelineHtml } from '../export/timelineHtml';
import type { Trace } from '../model/trace';
import type { FromWebview, ToWebview } from '../protocol/webview';

/** Gives the message that brings a freshly loaded webview up to date. */
export type SnapshotSource = () => ToWebview;

/** What the webview last reported drawing (its `rendered` message). */
export type RenderedCounts = Omit<Extract<FromWebview, { type: 'rendered' }>, 'type'>;

/** Webview options shared by panels, restored panels and the trace editor. */
export function timelineWebviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist')] };
}

/**
 * The host side of one timeline webview (a panel or a trace editor). The host owns the data: whenever
 * the webview (re)loads it posts `ready` and gets a full snapshot from the current source (none yet:
 * it waits for `show()`); live runs then `post()` deltas, dropped until the webview is ready (the
 * snapshot covers them).
 */
export class TimelineView implements vscode.Disposable {
  private ready = false;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly renderedEmitter = new vscode.EventEmitter<RenderedCounts>();
  /** Fires each time the webview reports what it drew. */
  readonly onDidRender = this.renderedEmitter.event;
  /** The latest `rendered` report, if any. */
  lastRendered: RenderedCounts | undefined;
  /** The error the view shows instead of a timeline, if any. */
  shownError: string | undefined;
  /** The trace shown, once there is a complete one (for export and "Save trace as..."). */
  trace: Trace | undefined;

  constructor(
    private readonly webview: vscode.Webview,
    extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
    private snapshot: SnapshotSource | undefined,
  ) {
    webview.options = timelineWebviewOptions(extensionUri);
    const dist = vscode.Uri.joinPath(extensionUri, 'dist');
    webview.html = renderTimelineHtml({
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.css')).toString(),
      cspSource: webview.cspSource,
      nonce: crypto.randomBytes(16).toString('base64'),
    });
    this.disposables.push(
      this.renderedEmitter,
      webview.onDidReceiveMessage((message: FromWebview) => this.receive(message)),
    );
  }

  /** Replaces what the view shows (and what it shows after a reload). */
  show(snapshot: SnapshotSource): void {
    this.snapshot = snapshot;
    if (this.ready) this.postSnapshot();
  }

  /** Changes what a reload shows, without redrawing now (the view is already up to date). */
  setReloadSnapshot(snapshot: SnapshotSource): void {
    this.snapshot = snapshot;
  }

  /** Posts a live update; ignored until the webview asked for its snapshot. */
  post(message: ToWebview): void {
    if (this.ready) void this.webview.postMessage(message);
  }

  private postSnapshot(): void {
    if (!this.snapshot) return;
    const message = this.snapshot();
    this.shownError = message.type === 'error' ? message.message : undefined;
    void this.webview.postMessage(message);
  }

  private receive(message: FromWebview): void {
    switch (message.type) {
      case 'ready':
        this.ready = true;
        this.postSnapshot();
        break;
      case 'goToSource':
        void goToSource(message.file, message.line, this.log);
        break;
      case 'rendered': {
        const { type: _type, ...counts } = message;
        this.lastRendered = counts;
        this.renderedEmitter.fire(counts);
        break;
      }
      case 'log':
        this.log[message.level](`webview: ${message.message}`);
        break;
      default:
        this.log.warn(
          `webview: unknown message ${JSON.stringify((message as { type?: unknown }).type)}`,
        );
    }
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
  }
}

/** Opens `file` at `line` (1-based) in the first editor column. */
async function goToSource(
  file: string,
  line: number | null,
  log: vscode.LogOutputChannel,
): Promise<void> {
  try {
    const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    const position = new vscode.Position(Math.max(0, (line ?? 1) - 1), 0);
    await vscode.window.showTextDocument(document, {
      viewColumn: vscode.ViewColumn.One,
      selection: new vscode.Range(position, position),
    });
  } catch (error) {
    log.warn(`go to source failed: ${String(error)}`);
    void vscode.window.showWarningMessage(
      `Cannot open ${file}: it may have moved or been deleted.`,
    );
  }
}
