/// <reference types="mocha" />
// Inside the extension host with the Python extension's API stand-in installed as ms-python.python
// (test/vscode/python-extension-stand-in): the interpreter it selects is the one a run uses, its bad
// choices are reported with its picker, the setting wins over it, and PATH stands in when its API
// fails. This tests our use of the published API contract (@vscode/python-extension), not the real
// Python extension.
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { checkInterpreter, type InterpreterInfo } from '../../../src/recorder/interpreter';
import { pyenvPythons } from '../../runtime/record-run';
import { extensionApi, logLine, runCommand, setSetting, workspaceFile } from './helpers';

const PYTHON_EXTENSION_ID = 'ms-python.python';

/** Steers the stand-in (its settings are declared in its package.json). */
function standIn(name: 'activeEnvironmentPath' | 'apiThrows', value: unknown): Promise<void> {
  return setSetting(name, value, 'pythonStandIn');
}

async function recordedPython(file: string) {
  const outcome = await runCommand(file);
  assert.equal(outcome.kind, 'finished', JSON.stringify(outcome.kind === 'not-run' && outcome));
  const python = outcome.kind === 'finished' ? outcome.trace.meta.python : null;
  assert.ok(python, 'the trace names its interpreter');
  return python;
}

async function notRunReason(file: string): Promise<string> {
  const outcome = await runCommand(file);
  assert.equal(outcome.kind, 'not-run');
  return outcome.kind === 'not-run' ? outcome.reason : '';
}

function setInterpreterCalls(): Thenable<number> {
  return vscode.commands.executeCommand<number>('pythonStandIn.setInterpreterCalls');
}

suite('With the Python extension (its published API, served by a stand-in)', () => {
  /** python3 from PATH, and two other real interpreters (3.8+) for the extension and the setting. */
  let onPath: InterpreterInfo;
  let selected: InterpreterInfo;
  let other: InterpreterInfo;

  suiteSetup(async function () {
    onPath = await checkInterpreter('python3');
    const others = [...pyenvPythons()]
      .filter(([minor]) => minor >= 8 && minor !== onPath.minor)
      .map(([, python]) => python);
    if (others.length < 2) this.skip();
    [selected, other] = await Promise.all(others.slice(-2).map((p) => checkInterpreter(p)));
    await extensionApi();
  });

  teardown(async () => {
    await standIn('activeEnvironmentPath', undefined);
    await standIn('apiThrows', undefined);
    await setSetting('pythonPath', undefined);
    await vscode.commands.executeCommand('notifications.clearAll');
  });

  test('Run uses the interpreter the Python extension selected, once it is ready', async () => {
    // The first call activates it; until `ready` it answers its default, `python` (python3 here).
    assert.equal(vscode.extensions.getExtension(PYTHON_EXTENSION_ID)?.isActive, false);
    await standIn('activeEnvironmentPath', selected.executable);
    const python = await recordedPython('process_example.py');
    assert.equal(python.version, selected.version);
    assert.equal(python.executable, selected.executable);
    await logLine(`interpreter: ${selected.executable} (${selected.version}, python-extension)`);
  });

  test('an environment folder runs its bin/python; one without Python is reported', async () => {
    const folder = path.dirname(path.dirname(other.executable));
    await standIn('activeEnvironmentPath', folder);
    assert.equal((await recordedPython('process_example.py')).version, other.version);

    const empty = workspaceFile('env-without-python').fsPath;
    fs.mkdirSync(empty, { recursive: true });
    await standIn('activeEnvironmentPath', empty);
    assert.match(
      await notRunReason('process_example.py'),
      /environment selected in the Python extension has no Python interpreter/,
    );
  });

  test('a missing interpreter is reported; "Choose interpreter" opens its picker', async () => {
    await standIn('activeEnvironmentPath', '/nonexistent/bin/python');
    const missing = await notRunReason('process_example.py');
    assert.match(missing, /interpreter selected in the Python extension cannot be used/);
    assert.match(missing, /not found: '\/nonexistent\/bin\/python'/);
    // The button of the error notification, as a click runs it.
    const before = await setInterpreterCalls();
    for (let attempt = 0; (await setInterpreterCalls()) === before; attempt++) {
      assert.ok(attempt < 100, '"Choose interpreter" never ran python.setInterpreter');
      await vscode.commands.executeCommand('notification.acceptPrimaryAction');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(await setInterpreterCalls(), before + 1);
  });

  test('a too old interpreter selected in the Python extension is reported', async function () {
    const tooOld = pyenvPythons().get(7);
    if (!tooOld) this.skip();
    await standIn('activeEnvironmentPath', tooOld);
    assert.match(
      await notRunReason('process_example.py'),
      /Python extension cannot be used: .* is Python 3\.7\.\d+; .* needs Python 3\.8 or newer/,
    );
  });

  test('parallelProfiler.pythonPath, when set, wins over the Python extension', async () => {
    await standIn('activeEnvironmentPath', selected.executable);
    await setSetting('pythonPath', other.executable);
    assert.equal((await recordedPython('process_example.py')).version, other.version);
    await logLine(`interpreter: ${other.executable} (${other.version}, setting)`);
  });

  test('when its API throws, python3 from PATH is used', async () => {
    await standIn('activeEnvironmentPath', selected.executable);
    await standIn('apiThrows', true);
    const python = await recordedPython('process_example.py');
    assert.equal(python.executable, onPath.executable);
    await logLine("interpreter: the Python extension's API failed");
    await logLine(`interpreter: ${onPath.executable} (${onPath.version}, default)`);
  });
});
