import * as vscode from 'vscode';
import { readTraceFile } from '../tracefile/tracefile';
import { TimelineView, timelineWebviewOptions, type SnapshotSource } from './timelineView';
import type { CurrentTrace } from './currentTrace';

export const TIMELINE_VIEW_TYPE = 'parallelProfiler.timeline';
/** workspaceState key: panel title -> trace file, so a reloaded window can restore its panels. */
const SAVED_PANELS_KEY = 'parallelProfiler.timelinePanels';

/**
 * Creates timeline panels and restores them after a window reload. A restored panel shows the trace
 * file its run was saved to (panel titles are unique per run, so the title finds the file).
 */
export class TimelinePanels implements vscode.WebviewPanelSerializer, vscode.Disposable {
  private readonly views = new Set<TimelineView>();
  private readonly panelOf = new WeakMap<TimelineView, vscode.WebviewPanel>();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
    private readonly current: CurrentTrace,
  ) {}

  /** Opens an empty panel beside the editor; the caller decides what it shows. */
  create(title: string): TimelineView {
    const panel = vscode.window.createWebviewPanel(
      TIMELINE_VIEW_TYPE,
      title,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      timelineWebviewOptions(this.context.extensionUri),
    );
    return this.adopt(panel, undefined);
  }

  /** Remembers which trace file a panel shows, for restoring it after a reload. */
  async rememberTraceFile(view: TimelineView, file: string): Promise<void> {
    const panel = this.panelOf.get(view);
    if (!panel) return;
    const saved = this.context.workspaceState.get<Record<string, string>>(SAVED_PANELS_KEY, {});
    await this.context.workspaceState.update(SAVED_PANELS_KEY, { ...saved, [panel.title]: file });
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel): Promise<void> {
    const saved = this.context.workspaceState.get<Record<string, string>>(SAVED_PANELS_KEY, {});
    const file = saved[panel.title];
    this.log.info(`restoring timeline panel (${file ? 'trace file found' : 'no trace file'})`);
    if (!file) {
      const message = 'This run was not saved before the window reloaded; run the script again.';
      this.adopt(panel, () => ({ type: 'error', message }));
      return;
    }
    try {
      const trace = readTraceFile(file);
      const view = this.adopt(panel, () => ({ type: 'snapshot', trace, live: false }));
      view.trace = trace;
    } catch (error) {
      const message = `Cannot restore this timeline: ${error instanceof Error ? error.message : error}`;
      this.adopt(panel, () => ({ type: 'error', message }));
    }
  }

  private adopt(panel: vscode.WebviewPanel, initial: SnapshotSource | undefined): TimelineView {
    const view = new TimelineView(panel.webview, this.context.extensionUri, this.log, initial);
    this.views.add(view);
    this.panelOf.set(view, panel);
    const title = panel.title;
    const subscriptions = [
      panel.onDidChangeViewState(() => {
        if (panel.active && view.trace) this.current.set(view.trace, title);
      }),
      panel.onDidDispose(() => {
        subscriptions.forEach((s) => s.dispose());
        view.dispose();
        this.views.delete(view);
        const saved = this.context.workspaceState.get<Record<string, string>>(SAVED_PANELS_KEY, {});
        const { [title]: _removed, ...rest } = saved;
        void this.context.workspaceState.update(SAVED_PANELS_KEY, rest);
      }),
    ];
    return view;
  }

  /** Every open timeline view (for tests and the status of the current run). */
  get openViews(): readonly TimelineView[] {
    return [...this.views];
  }

  /** Brings a view's panel to the front. */
  reveal(view: TimelineView): void {
    this.panelOf.get(view)?.reveal(undefined, true);
  }

  dispose(): void {
    this.views.forEach((v) => v.dispose());
  }
}
