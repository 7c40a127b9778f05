// A stand-in for the Python extension (ms-python.python), for the VS Code tests only. It models the
// extension's published API (the `PythonExtension` type of @vscode/python-extension), not our code:
// just the members that `PythonExtension.api()` and src/extension/interpreter.ts use, with answers
// steered by the settings declared in package.json.
// - `ready` resolves READY_AFTER_MS after activation. Until then getActiveEnvironmentPath answers the
//   default `python`, as the real one may before it has auto-selected the workspace's environment.
// - `environments.getActiveEnvironmentPath(resource)`: `pythonStandIn.activeEnvironmentPath`.
// - `environments.resolveEnvironment(pathOrEnv)`: an interpreter file resolves to itself, an
//   environment folder to its bin/python (an executable uri of undefined when it has none), anything
//   else to undefined. (The real one also finds bare names such as `python` on PATH and runs the
//   interpreter for its version; the profiler runs it itself.)
// - `pythonStandIn.apiThrows` makes both throw, as a broken extension's API would.
// - The command `python.setInterpreter` (the real interpreter picker) only counts its calls, which the
//   command `pythonStandIn.setInterpreterCalls` returns.
const fs = require('fs');
const path = require('path');
const vscode = require('vscode');

const READY_AFTER_MS = 2000;
const DEFAULT_PATH = 'python';

function activate(context) {
  let isReady = false;
  const ready = new Promise((resolve) =>
    setTimeout(() => {
      isReady = true;
      resolve();
    }, READY_AFTER_MS),
  );
  const settings = (resource) => vscode.workspace.getConfiguration('pythonStandIn', resource);
  const failIfAsked = () => {
    if (settings().get('apiThrows')) {
      throw new Error('Python extension stand-in: its API fails (pythonStandIn.apiThrows)');
    }
  };

  function getActiveEnvironmentPath(resource) {
    failIfAsked();
    const selected = isReady && settings(resource).get('activeEnvironmentPath');
    const envPath = selected || DEFAULT_PATH;
    return { id: envPath === DEFAULT_PATH ? 'DEFAULT_PYTHON' : envPath, path: envPath };
  }

  async function resolveEnvironment(environment) {
    failIfAsked();
    const envPath = typeof environment === 'string' ? environment : environment.path;
    const stat = path.isAbsolute(envPath) && fs.statSync(envPath, { throwIfNoEntry: false });
    if (!stat) return undefined;
    const executable = stat.isDirectory() ? path.join(envPath, 'bin', 'python') : envPath;
    const uri = fs.existsSync(executable) ? vscode.Uri.file(executable) : undefined;
    return { id: envPath, path: envPath, executable: { uri } };
  }

  let setInterpreterCalls = 0;
  context.subscriptions.push(
    vscode.commands.registerCommand('python.setInterpreter', () => setInterpreterCalls++),
    vscode.commands.registerCommand('pythonStandIn.setInterpreterCalls', () => setInterpreterCalls),
  );
  return { ready, environments: { getActiveEnvironmentPath, resolveEnvironment } };
}

module.exports = { activate };
