import * as path from 'path';
import * as vscode from 'vscode';
import type { Trace } from '../model/trace';
import { readTraceFile } from '../tracefile/tracefile';
import type { CurrentTrace } from './currentTrace';
import { TimelineView } from './timelineView';

/** `*.pptrace` files open here by default. */
export const TRACE_EDITOR_VIEW_TYPE = 'parallelProfiler.trace';
/** The same editor for `*.json`, offered through "Open With...". */
export const JSON_TRACE_EDITOR_VIEW_TYPE = 'parallelProfiler.traceJson';

class TraceDocument implements vscode.CustomDocument {
  constructor(readonly uri: vscode.Uri) {}
  dispose(): void {}
}

/**
 * A read-only editor showing a trace file as a timeline. A file that is not a valid trace shows the
 * reason in the editor instead of a timeline. Works in untrusted workspaces (it runs nothing).
 */
export class TraceEditorProvider implements vscode.CustomReadonlyEditorProvider<TraceDocument> {
  /** The open trace editors' views. */
  readonly views = new Set<TimelineView>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
    private readonly current: CurrentTrace,
  ) {}

  static register(provider: TraceEditorProvider): vscode.Disposable[] {
    const options = { supportsMultipleEditorsPerDocument: true };
    return [TRACE_EDITOR_VIEW_TYPE, JSON_TRACE_EDITOR_VIEW_TYPE].map((viewType) =>
      vscode.window.registerCustomEditorProvider(viewType, provider, options),
    );
  }

  openCustomDocument(uri: vscode.Uri): TraceDocument {
    return new TraceDocument(uri);
  }

  resolveCustomEditor(document: TraceDocument, panel: vscode.WebviewPanel): void {
    const view = new TimelineView(panel.webview, this.extensionUri, this.log, undefined);
    this.views.add(view);
    const name = path.basename(document.uri.fsPath);
    const load = () => {
      const loaded = loadTrace(document.uri);
      view.trace = 'trace' in loaded ? loaded.trace : undefined;
      if (view.trace && panel.active) this.current.set(view.trace, name);
      view.show(() =>
        'trace' in loaded
          ? { type: 'snapshot', trace: loaded.trace, live: false }
          : { type: 'error', message: loaded.error },
      );
    };
    load();
    const watcher = vscode.workspace.createFileSystemWatcher(
      new vscode.RelativePattern(vscode.Uri.file(path.dirname(document.uri.fsPath)), name),
    );
    const subscriptions = [
      watcher,
      watcher.onDidChange(load),
      panel.onDidChangeViewState(() => {
        if (panel.active && view.trace) this.current.set(view.trace, name);
      }),
    ];
    panel.onDidDispose(() => {
      subscriptions.forEach((s) => s.dispose());
      view.dispose();
      this.views.delete(view);
    });
  }
}

function loadTrace(uri: vscode.Uri): { trace: Trace } | { error: string } {
  try {
    return { trace: readTraceFile(uri.fsPath) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      error: `${path.basename(uri.fsPath)} is not a trace this profiler can show: ${reason}`,
    };
  }
}
