import * as vscode from 'vscode';
import { CurrentTrace } from './currentTrace';
import { RunController, type RunOutcome } from './runController';
import { openTrace, saveCurrentTrace } from './traceCommands';
import { TraceEditorProvider } from './traceEditor';
import { TIMELINE_VIEW_TYPE, TimelinePanels } from './timelinePanels';
import type { TimelineView } from './timelineView';

/**
 * What `activate` returns. Only the integration tests use it, to look at state a user sees on screen
 * (the run in progress and what each timeline reported drawing).
 */
export interface ExtensionTestApi {
  runController: RunController;
  openViews(): readonly TimelineView[];
}

let runController: RunController | undefined;

export function activate(context: vscode.ExtensionContext): ExtensionTestApi {
  const log = vscode.window.createOutputChannel('Parallel Profiler', { log: true });
  const current = new CurrentTrace();
  const panels = new TimelinePanels(context, log, current);
  const controller = new RunController(context, log, panels, current);
  runController = controller;
  const editor = new TraceEditorProvider(context.extensionUri, log, current);

  const command = (id: string, handler: (...args: never[]) => unknown) =>
    vscode.commands.registerCommand(`parallelProfiler.${id}`, handler);
  context.subscriptions.push(
    log,
    panels,
    controller,
    vscode.window.registerWebviewPanelSerializer(TIMELINE_VIEW_TYPE, panels),
    ...TraceEditorProvider.register(editor),
    command('run', (uri?: vscode.Uri): Promise<RunOutcome> => controller.run(uri)),
    command('stop', () => controller.stop()),
    command('openTrace', (uri?: vscode.Uri) => openTrace(uri)),
    command('saveTraceAs', (uri?: vscode.Uri) => saveCurrentTrace(current, log, 'pptrace', uri)),
    command('exportPerfetto', (uri?: vscode.Uri) => saveCurrentTrace(current, log, 'chrome', uri)),
    command('exportHtml', (uri?: vscode.Uri) => saveCurrentTrace(current, log, 'html', uri)),
  );
  log.info(`activated (${vscode.env.appName} ${vscode.version}, ${process.platform})`);
  return { runController: controller, openViews: () => [...panels.openViews, ...editor.views] };
}

/** Stops a run still going, so no profiled process outlives the window. */
export async function deactivate(): Promise<void> {
  const controller = runController;
  runController = undefined;
  await controller?.stop();
}
