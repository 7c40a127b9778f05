import {
  PythonExtension,
  type EnvironmentPath,
  type ResolvedEnvironment,
} from '@vscode/python-extension';
import * as vscode from 'vscode';
import { checkInterpreter, defaultPythonCandidates } from '../recorder/interpreter';
import { expandVariables } from './settings';

const PYTHON_EXTENSION_ID = 'ms-python.python';

export interface ResolvedInterpreter {
  executable: string;
  version: string;
  /** Where the choice came from, for the log. */
  source: 'setting' | 'python-extension' | 'default';
  /** Why the Python extension's choice was not used although it is installed, for the log. */
  fallback: string | null;
}

/** How long a run waits for the Python extension to finish selecting the workspace's environment. */
const PYTHON_EXTENSION_READY_MS = 15_000;

/** No usable interpreter; `message` is meant for the user. */
export class InterpreterUnavailable extends Error {}

/**
 * The interpreter for a script, as the setting's description says: `parallelProfiler.pythonPath`
 * when set, else the Python extension's selected one when that extension is installed and answers,
 * else python3 / python from PATH. Checks it runs and is >= 3.8.
 */
export async function resolveInterpreter(script: vscode.Uri): Promise<ResolvedInterpreter> {
  const setting = pythonPathSetting(script);
  const answer = setting ? undefined : await pythonExtensionInterpreter(script);
  const fromExtension = typeof answer === 'string' ? answer : undefined;
  const fallback = answer && typeof answer !== 'string' ? answer.fallback : null;
  const source = setting ? 'setting' : fromExtension ? 'python-extension' : 'default';
  const candidates = setting
    ? [expandVariables(setting, script)]
    : fromExtension
      ? [fromExtension]
      : defaultPythonCandidates();

  let lastError: unknown;
  for (const candidate of candidates) {
    try {
      const info = await checkInterpreter(candidate);
      return { executable: info.executable, version: info.version, source, fallback };
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

function pythonPathSetting(script: vscode.Uri): string {
  return vscode.workspace
    .getConfiguration('parallelProfiler', script)
    .get<string>('pythonPath', '')
    .trim();
}

/**
 * The Python extension's interpreter for the script (a path, or a command such as `python`);
 * undefined without that extension, `{ fallback }` saying why when its API fails.
 */
async function pythonExtensionInterpreter(
  script: vscode.Uri,
): Promise<string | { fallback: string } | undefined> {
  if (!vscode.extensions.getExtension(PYTHON_EXTENSION_ID)) return undefined;
  let active: EnvironmentPath;
  let resolved: ResolvedEnvironment | undefined;
  try {
    const api = await PythonExtension.api();
    // Until it is ready it may not have selected the workspace's environment yet (it answers its
    // default, `python`), so a first run right after start-up would use the wrong interpreter. A
    // `ready` that never settles must not hang the run: past the limit, its current answer is used.
    await Promise.race([api.ready, delay(PYTHON_EXTENSION_READY_MS)]);
    active = api.environments.getActiveEnvironmentPath(script);
    resolved = await api.environments.resolveEnvironment(active);
  } catch (error) {
    // Its API failed (disabled or broken): fall back to PATH.
    return { fallback: `the Python extension's API failed (${String(error)}); using PATH` };
  }
  if (!resolved) return active.path; // Not an environment it knows: checking the path says why.
  if (resolved.executable.uri) return resolved.executable.uri.fsPath;
  // `active.path` names an environment folder (e.g. a conda environment created without Python).
  throw new InterpreterUnavailable(
    `The environment selected in the Python extension has no Python interpreter: ${active.path}`,
  );
}

/**
 * Shows why no interpreter can be used, with a "Choose interpreter" button that changes what the
 * next run uses: a file dialog for `parallelProfiler.pythonPath` when that is set or the Python
 * extension is not installed, else the Python extension's interpreter picker.
 */
export async function reportInterpreterProblem(message: string, script: vscode.Uri): Promise<void> {
  const choose = 'Choose interpreter';
  const answer = await vscode.window.showErrorMessage(message, choose);
  if (answer !== choose) return;
  if (!pythonPathSetting(script) && vscode.extensions.getExtension(PYTHON_EXTENSION_ID)) {
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

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
