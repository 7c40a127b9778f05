import * as path from 'path';
import * as vscode from 'vscode';

/** The `parallelProfiler.*` settings that shape a run, resolved for one script. */
export interface RunSettings {
  args: string[];
  cwd: string;
  /** Only the extra variables from the setting (the recorder adds them to the inherited ones). */
  env: Record<string, string>;
  sampleIntervalMs: number;
}

/** Expands `${workspaceFolder}` and `${fileDirname}` for a script. */
export function expandVariables(value: string, script: vscode.Uri): string {
  const folder =
    vscode.workspace.getWorkspaceFolder(script)?.uri.fsPath ?? path.dirname(script.fsPath);
  return value
    .replace(/\$\{workspaceFolder\}/g, folder)
    .replace(/\$\{fileDirname\}/g, path.dirname(script.fsPath));
}

export function readRunSettings(script: vscode.Uri): RunSettings {
  const config = vscode.workspace.getConfiguration('parallelProfiler', script);
  const folder = vscode.workspace.getWorkspaceFolder(script)?.uri.fsPath;
  const cwdSetting = config.get<string>('cwd', '').trim();
  const cwd = cwdSetting
    ? path.resolve(folder ?? path.dirname(script.fsPath), expandVariables(cwdSetting, script))
    : (folder ?? path.dirname(script.fsPath));
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(config.get<Record<string, unknown>>('env', {}))) {
    if (typeof value === 'string') env[name] = expandVariables(value, script);
  }
  const args = config.get<unknown[]>('args', []).filter((a): a is string => typeof a === 'string');
  const interval = config.get<number>('sampleIntervalMs', 10);
  return {
    args: args.map((a) => expandVariables(a, script)),
    cwd,
    env,
    sampleIntervalMs: Number.isFinite(interval) && interval > 0 ? interval : 10,
  };
}
