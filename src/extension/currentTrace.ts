import * as vscode from 'vscode';
import type { Trace } from '../model/trace';

/**
 * The trace that "Save trace as..." and the export commands act on: the one in the most recently
 * focused timeline, or the last finished run. Keeps the `parallelProfiler.hasTrace` context key.
 */
export class CurrentTrace {
  private value: { trace: Trace; name: string } | undefined;

  get(): { trace: Trace; name: string } | undefined {
    return this.value;
  }

  /** `name` is used for suggested file names. */
  set(trace: Trace, name: string): void {
    this.value = { trace, name };
    void vscode.commands.executeCommand('setContext', 'parallelProfiler.hasTrace', true);
  }
}
