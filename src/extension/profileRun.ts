import * as path from 'path';
import * as vscode from 'vscode';
import type { RunMeta, Trace } from '../model/trace';
import { DELTA_INTERVAL_MS, type TraceDelta } from '../protocol/webview';
import { startRecording, type Recording } from '../recorder/record';
import { RunTerminal } from './runTerminal';
import type { RunSettings } from './settings';
import type { TimelineView } from './timelineView';

export interface RunRequest extends RunSettings {
  python: string;
  script: string;
}

/** Live numbers for the status bar. */
export interface RunCounts {
  processes: number;
  tasks: number;
  messages: number;
}

/**
 * One profiled run: the recording, its terminal, and the live timeline it feeds. `done` resolves with
 * the final trace, or with undefined when the program could not be started (the view shows why).
 */
export class ProfileRun implements vscode.Disposable {
  readonly terminal: RunTerminal;
  readonly done: Promise<Trace | undefined>;
  readonly counts: RunCounts = { processes: 0, tasks: 0, messages: 0 };
  private recording: Recording | undefined;
  private stopRequested = false;
  private readonly seenPids = new Set<number>();
  private readonly seenMessages = new Set<number>();
  private readonly changeEmitter = new vscode.EventEmitter<RunCounts>();
  /** Fires with fresh counts about four times a second while data arrives. */
  readonly onDidChangeCounts = this.changeEmitter.event;

  constructor(
    readonly request: RunRequest,
    readonly view: TimelineView,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.terminal = new RunTerminal(`Profile: ${path.basename(request.script)}`, () => {
      void this.stop();
    });
    this.terminal.terminal.show(true);
    this.done = this.run();
  }

  /** The collector's socket while the run is recording (the log shows it; it is removed after). */
  get socketPath(): string | null {
    return this.recording?.collector.address ?? null;
  }

  /** Stops the program and every process it started; resolves once they are gone. */
  async stop(): Promise<void> {
    this.stopRequested = true;
    await this.recording?.stop();
  }

  private async run(): Promise<Trace | undefined> {
    const { python, script, args, cwd, env, sampleIntervalMs } = this.request;
    this.log.info(`run: ${python} ${script} (${args.length} args) in ${cwd}`);
    try {
      this.recording = await startRecording({
        python,
        script,
        args,
        cwd,
        env,
        sampleIntervalMs,
        stdio: 'pipe',
      });
    } catch (error) {
      const message = `Could not start the profiled program: ${errorMessage(error)}`;
      this.log.error(message);
      this.view.show(() => ({ type: 'error', message }));
      this.terminal.finish(message);
      return undefined;
    }
    const recording = this.recording;
    if (this.stopRequested) void recording.stop();
    this.log.info(`run: started pid ${recording.pid}, collector at ${recording.collector.address}`);
    const { stdout, stderr, stdin } = recording.child;
    this.terminal.attach(stdout, stderr, stdin);

    // A (re)loading webview gets everything so far; pending deltas are in that snapshot already.
    this.view.show(() => {
      recording.collector.takeDelta();
      return { type: 'snapshot', trace: recording.collector.trace(), live: true };
    });
    const timer = setInterval(() => this.postDelta(recording), DELTA_INTERVAL_MS);
    try {
      const trace = await recording.done;
      this.postDelta(recording);
      this.view.trace = trace;
      this.view.setReloadSnapshot(() => ({ type: 'snapshot', trace, live: false }));
      this.view.post({ type: 'ended', meta: trace.meta });
      this.terminal.finish(describeEnd(trace.meta));
      this.log.info(`run: ${describeEnd(trace.meta)}`);
      return trace;
    } catch (error) {
      const message = `The profiler failed: ${errorMessage(error)}`;
      this.log.error(message);
      this.view.show(() => ({ type: 'error', message }));
      this.terminal.finish(message);
      return undefined;
    } finally {
      clearInterval(timer);
    }
  }

  private postDelta(recording: Recording): void {
    const delta = recording.collector.takeDelta('built');
    if (isEmpty(delta)) return;
    this.view.post({ type: 'delta', delta });
    delta.processes.forEach((p) => this.seenPids.add(p.pid));
    delta.messages.forEach((m) => this.seenMessages.add(m.id));
    this.counts.processes = this.seenPids.size;
    this.counts.tasks += delta.tasks.length;
    this.counts.messages = this.seenMessages.size;
    this.changeEmitter.fire(this.counts);
  }

  /** Stops the run if it is still going and closes its terminal. */
  dispose(): void {
    void this.stop();
    this.changeEmitter.dispose();
    this.terminal.terminal.dispose();
    this.terminal.dispose();
  }
}

function isEmpty(delta: TraceDelta): boolean {
  return (
    delta.processes.length +
      delta.channels.length +
      delta.messages.length +
      delta.tasks.length +
      delta.waits.length +
      delta.managerCalls.length +
      delta.coreSamples.length ===
    0
  );
}

/** "exited with code 0", "killed by SIGKILL", "stopped". */
export function describeEnd(meta: RunMeta): string {
  if (meta.endReason === 'stopped') return 'stopped by the user';
  if (meta.endReason === 'failed-to-start') return 'failed to start';
  if (meta.signal) return `killed by ${meta.signal}`;
  return `exited with code ${meta.exitCode ?? 'unknown'}`;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
