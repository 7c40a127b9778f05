// Helpers for the integration suite (runs inside the extension host, so it may import vscode).
import * as fs from 'fs';
import * as vscode from 'vscode';
import type { ExtensionTestApi } from '../../../src/extension/extension';
import type { RunOutcome } from '../../../src/extension/runController';
import type { RenderedCounts, TimelineView } from '../../../src/extension/timelineView';

export const extensionId = 'parallel-profiler.parallel-profiler';

export async function extensionApi(): Promise<ExtensionTestApi> {
  const extension = vscode.extensions.getExtension<ExtensionTestApi>(extensionId);
  if (!extension) throw new Error(`${extensionId} is not loaded`);
  return extension.activate();
}

export function workspaceFile(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the suite needs a workspace folder');
  return vscode.Uri.joinPath(folder.uri, name);
}

/** Runs the real command, as the editor's run button does, and waits for the run to end. */
export async function runCommand(file: string): Promise<RunOutcome> {
  return vscode.commands.executeCommand<RunOutcome>('parallelProfiler.run', workspaceFile(file));
}

/** Waits (up to a generous watchdog) until `check` is true, polling. */
export async function eventually<T>(
  what: string,
  probe: () => T | undefined | false,
  watchdogMs = 120_000,
): Promise<T> {
  const until = Date.now() + watchdogMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** What the webview reports after drawing a finished trace with `processes` lanes. */
export function renderedAtLeast(view: TimelineView, processes: number): Promise<RenderedCounts> {
  return eventually(`the timeline to draw ${processes} process lanes`, () => {
    const counts = view.lastRendered;
    return counts && counts.processLanes >= processes ? counts : undefined;
  });
}

/** True while `pid` is alive (a zombie counts as gone: it runs nothing). */
export function isAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

export async function setSetting(
  name: string,
  value: unknown,
  section = 'parallelProfiler',
): Promise<void> {
  await vscode.workspace
    .getConfiguration(section)
    .update(name, value, vscode.ConfigurationTarget.Workspace);
}

/** Waits until the extension's log, as the Output panel shows it, has a line containing `text`. */
export async function logLine(text: string): Promise<string> {
  const channel = `${extensionId}.Parallel Profiler`;
  await vscode.commands.executeCommand(`workbench.action.output.show.${channel}`);
  return eventually(`a log line with "${text}"`, () =>
    vscode.workspace.textDocuments
      .find((d) => d.uri.scheme === 'output' && d.uri.path === channel)
      ?.getText()
      .split('\n')
      .find((line) => line.includes(text)),
  );
}
