import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { Trace } from '../model/trace';
import { writeTraceFile } from '../tracefile/tracefile';
import type { CurrentTrace } from './currentTrace';
import {
  InterpreterUnavailable,
  reportInterpreterProblem,
  resolveInterpreter,
} from './interpreter';
import { ProfileRun, describeEnd } from './profileRun';
import { readRunSettings } from './settings';
import type { TimelinePanels } from './timelinePanels';
import type { TimelineView } from './timelineView';

/** Runs kept in workspace storage; older trace files are deleted. */
const KEPT_TRACES = 20;

/** What the run command resolves with (used by the integration tests). */
export type RunOutcome =
  | { kind: 'finished'; trace: Trace; traceFile: string | undefined; view: TimelineView }
  | { kind: 'failed-to-start'; view: TimelineView }
  | { kind: 'not-run'; reason: string };

/**
 * The Run and Stop commands: one run at a time, its status bar item, the `parallelProfiler.running`
 * context key, and saving each finished run's trace into workspace storage.
 */
export class RunController implements vscode.Disposable {
  private active: ProfileRun | undefined;
  private lastRun: ProfileRun | undefined;
  private readonly statusItem = vscode.window.createStatusBarItem(
    'parallelProfiler.run',
    vscode.StatusBarAlignment.Left,
    10,
  );

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
    private readonly panels: TimelinePanels,
    private readonly current: CurrentTrace,
  ) {
    this.statusItem.name = 'Parallel Profiler';
    this.statusItem.command = 'parallelProfiler.stop';
  }

  /** The run in progress, if any. */
  get running(): ProfileRun | undefined {
    return this.active;
  }

  /** Profiles `target` (or the active editor's Python file) and resolves when the run is over. */
  async run(target?: vscode.Uri): Promise<RunOutcome> {
    const script = target ?? vscode.window.activeTextEditor?.document.uri;
    if (!script || script.scheme !== 'file' || !script.fsPath.endsWith('.py')) {
      const reason = 'Open a Python file (.py) to run it with the parallel profiler.';
      void vscode.window.showWarningMessage(reason);
      return { kind: 'not-run', reason };
    }
    if (!vscode.workspace.isTrusted) return this.explainTrust();
    if (this.active && !(await this.stopActiveFirst())) {
      return { kind: 'not-run', reason: 'A profile is still running.' };
    }
    await vscode.workspace.textDocuments.find((d) => d.uri.fsPath === script.fsPath)?.save();

    let python: string;
    try {
      const interpreter = await resolveInterpreter(script);
      if (interpreter.fallback) this.log.warn(`interpreter: ${interpreter.fallback}`);
      this.log.info(
        `interpreter: ${interpreter.executable} (${interpreter.version}, ${interpreter.source})`,
      );
      python = interpreter.executable;
    } catch (error) {
      if (!(error instanceof InterpreterUnavailable)) throw error;
      this.log.error(error.message);
      void reportInterpreterProblem(error.message, script);
      return { kind: 'not-run', reason: error.message };
    }

    const name = path.basename(script.fsPath);
    const view = this.panels.create(`Timeline: ${name} ${new Date().toLocaleTimeString()}`);
    // One terminal at a time: the previous run's output goes with its run.
    this.lastRun?.dispose();
    const run = new ProfileRun(
      { python, script: script.fsPath, ...readRunSettings(script) },
      view,
      this.log,
    );
    this.active = this.lastRun = run;
    this.showRunning(run);
    const trace = await run.done;
    this.active = undefined;
    this.statusItem.hide();
    void vscode.commands.executeCommand('setContext', 'parallelProfiler.running', false);
    if (!trace) return { kind: 'failed-to-start', view };

    this.current.set(trace, path.parse(name).name);
    const traceFile = this.saveTrace(trace, name);
    if (traceFile) await this.panels.rememberTraceFile(view, traceFile);
    return { kind: 'finished', trace, traceFile, view };
  }

  /** Stops the run in progress (and every process it started). */
  async stop(): Promise<void> {
    await this.active?.stop();
  }

  private async explainTrust(): Promise<RunOutcome> {
    const reason =
      "Profiling runs this workspace's Python code, which restricted mode does not allow. Trust the workspace to run it; opening trace files works without trust.";
    const manage = 'Manage Workspace Trust';
    void vscode.window.showWarningMessage(reason, manage).then((answer) => {
      if (answer === manage) void vscode.commands.executeCommand('workbench.trust.manage');
    });
    return { kind: 'not-run', reason };
  }

  private async stopActiveFirst(): Promise<boolean> {
    const stopAndRun = 'Stop and run';
    const answer = await vscode.window.showWarningMessage(
      'A profile is already running. Stop it and start the new one?',
      { modal: true },
      stopAndRun,
    );
    if (answer !== stopAndRun || !this.active) return answer === stopAndRun;
    const previous = this.active;
    await previous.stop();
    await previous.done;
    return true;
  }

  private showRunning(run: ProfileRun): void {
    const script = path.basename(run.request.script);
    const update = () => {
      const { processes, tasks, messages } = run.counts;
      this.statusItem.text = `$(loading~spin) Profiling ${script}: ${processes} processes, ${tasks} tasks, ${messages} messages`;
    };
    update();
    this.statusItem.tooltip = 'Parallel Profiler: click to stop the run and all its processes';
    this.statusItem.show();
    run.onDidChangeCounts(update);
    void vscode.commands.executeCommand('setContext', 'parallelProfiler.running', true);
  }

  /** Writes the trace into workspace storage (global storage without a workspace). */
  private saveTrace(trace: Trace, scriptName: string): string | undefined {
    const dir = path.join(
      (this.context.storageUri ?? this.context.globalStorageUri).fsPath,
      'traces',
    );
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const file = path.join(dir, `${path.parse(scriptName).name}-${stamp}.pptrace`);
    try {
      fs.mkdirSync(dir, { recursive: true });
      writeTraceFile(file, trace);
      this.log.info(`trace saved: ${describeEnd(trace.meta)}`);
      const byAge = fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.pptrace'))
        .map((f) => path.join(dir, f))
        .sort((a, b) => fs.statSync(a).mtimeMs - fs.statSync(b).mtimeMs);
      byAge.slice(0, -KEPT_TRACES).forEach((f) => fs.rmSync(f, { force: true }));
      return file;
    } catch (error) {
      this.log.error(`could not save the trace: ${String(error)}`);
      void vscode.window.showWarningMessage(
        'The trace could not be saved to workspace storage; use "Save trace as..." to keep it.',
      );
      return undefined;
    }
  }

  dispose(): void {
    this.lastRun?.dispose();
    this.statusItem.dispose();
  }
}
