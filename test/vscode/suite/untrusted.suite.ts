/// <reference types="mocha" />
// Inside the extension host with workspace trust enabled and the folder not trusted (restricted
// mode): the run command explains and starts nothing, while trace files still open and render.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { startRecording } from '../../../src/recorder/record';
import { writeTraceFile } from '../../../src/tracefile/tracefile';
import { eventually, extensionApi, renderedAtLeast, runCommand, workspaceFile } from './helpers';

suite('Restricted mode (untrusted workspace)', () => {
  test('the workspace is not trusted', () => {
    assert.equal(vscode.workspace.isTrusted, false);
  });

  test('Run explains why it needs trust and starts nothing', async () => {
    const api = await extensionApi();
    const outcome = await runCommand('pool_example.py');
    assert.equal(outcome.kind, 'not-run');
    assert.match(outcome.kind === 'not-run' ? outcome.reason : '', /trust/i);
    assert.equal(api.runController.running, undefined);
    assert.equal(api.openViews().length, 0, 'no timeline panel was opened');
  });

  test('a trace file still opens in the trace editor', async () => {
    const api = await extensionApi();
    // Recorded by the test itself (the extension may not run code here).
    const script = workspaceFile('pool_example.py').fsPath;
    const recording = await startRecording({
      python: 'python3',
      script,
      args: [],
      cwd: workspaceFile('.').fsPath,
      env: {},
      sampleIntervalMs: 10,
      stdio: 'pipe',
    });
    const trace = await recording.done;
    const file = workspaceFile('pool.pptrace');
    writeTraceFile(file.fsPath, trace);
    await vscode.commands.executeCommand('parallelProfiler.openTrace', file);
    const view = await eventually('the trace editor', () => api.openViews()[0]);
    const drawn = await renderedAtLeast(view, trace.processes.length);
    assert.equal(drawn.processLanes, trace.processes.length);
    assert.equal(drawn.tasks, trace.tasks.length);
  });
});
