import { PythonExtension } from '@vscode/python-extension';
import * as vscode from 'vscode';
import { checkInterpreter, defaultPythonCandidates } from '../recorder/interpreter';
import { expandVariables } from './settings';

const PYTHON_EXTENSION_ID = 'ms-python.python';

export interface ResolvedInterpreter {
  executable: string;
  version: string;
  /** Where the choice came from, for the log. */
  source: 'python-extension' | 'setting' | 'default';
}

/** No usable interpreter; `message` is meant for the user. */
export class InterpreterUnavailable extends Error {}

/**
 * The interpreter for a script: the Python extension's selected one when that extension is installed,
 * else `parallelProfiler.pythonPath`, else python3 / python from PATH. Checks it runs and is >= 3.8.
 */
export async function resolveInterpreter(script: vscode.Uri): Promise<ResolvedInterpreter> {
  const fromExtension = await pythonExtensionInterpreter(script);
  const setting = vscode.workspace
    .getConfiguration('parallelProfiler', script)
    .get<string>('pythonPath', '')
    .trim();
  const source = fromExtension ? 'python-extension' : setting ? 'setting' : 'default';
  const candidates = fromExtension
    ? [fromExtension]
    : setting
      ? [expandVariables(setting, script)]
      : defaultPythonCandidates();

  let lastError: unknown;
  for (const candidate of candidates) {
    try {
      const info = await checkInterpreter(candidate);
      return { executable: info.executable, version: info.version, source };
    } catch (error) {
      lastError = error;
    }
  }
  const what =
    source === 'python-extension'
      ? 'The interpreter selected in the Python extension cannot be used'
      : source === 'setting'
        ? 'The interpreter in the setting parallelProfiler.pythonPath cannot be used'
        : 'No usable Python 3.8 or later as python3 or python on PATH';
  const detail = lastError instanceof Error ? lastError.message : String(lastError);
  throw new InterpreterUnavailable(`${what}: ${detail}`);
}

/** The Python extension's interpreter for the script; undefined without that extension. */
async function pythonExtensionInterpreter(script: vscode.Uri): Promise<string | undefined> {
  if (!vscode.extensions.getExtension(PYTHON_EXTENSION_ID)) return undefined;
  try {
    const api = await PythonExtension.api();
    const active = api.environments.getActiveEnvironmentPath(script);
    const resolved = await api.environments.resolveEnvironment(active);
    return resolved?.executable.uri?.fsPath ?? active.path;
  } catch {
    // Its API failed (still activating, or disabled): fall back to the setting and PATH.
    return undefined;
  }
}

/**
 * Shows why no interpreter can be used, with a "Choose interpreter" button: the Python extension's
 * picker when it is installed, otherwise a file dialog that sets `parallelProfiler.pythonPath`.
 */
export async function reportInterpreterProblem(message: string, script: vscode.Uri): Promise<void> {
  const choose = 'Choose interpreter';
  const answer = await vscode.window.showErrorMessage(message, choose);
  if (answer !== choose) return;
  if (vscode.extensions.getExtension(PYTHON_EXTENSION_ID)) {
    await vscode.commands.executeCommand('python.setInterpreter');
    return;
  }
  const picked = await vscode.window.showOpenDialog({
    title: 'Python interpreter for the parallel profiler',
    canSelectMany: false,
    openLabel: 'Use this interpreter',
  });
  if (!picked?.[0]) return;
  const folder = vscode.workspace.getWorkspaceFolder(script);
  await vscode.workspace
    .getConfiguration('parallelProfiler', script)
    .update(
      'pythonPath',
      picked[0].fsPath,
      folder ? vscode.ConfigurationTarget.WorkspaceFolder : vscode.ConfigurationTarget.Global,
    );
}
