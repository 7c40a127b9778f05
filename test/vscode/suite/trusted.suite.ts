/// <reference types="mocha" />
// Inside the extension host with a trusted workspace holding the tutorial examples: runs the real
// command on each and checks the trace and what the webview drew, Stop, errors, editor and exports.
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { Trace } from '../../../src/model/trace';
import { readTraceFile } from '../../../src/tracefile/tracefile';
import { ECHO_INPUT_SCRIPT, HANGING_SCRIPT, SYNTAX_ERROR_SCRIPT } from '../fixtures';
import {
  eventually,
  extensionApi,
  isAlive,
  renderedAtLeast,
  runCommand,
  setSetting,
  workspaceFile,
} from './helpers';

function finished(outcome: Awaited<ReturnType<typeof runCommand>>) {
  assert.equal(outcome.kind, 'finished', JSON.stringify(outcome.kind === 'not-run' && outcome));
  return outcome as Extract<typeof outcome, { kind: 'finished' }>;
}

function mainProcess(trace: Trace) {
  const main = trace.processes.find((p) => p.role === 'main');
  assert.ok(main, 'the trace has a main process');
  return main;
}

suite('Run with parallel profiler (trusted workspace)', () => {
  suiteSetup(async () => {
    fs.writeFileSync(workspaceFile('hang.py').fsPath, HANGING_SCRIPT);
    fs.writeFileSync(workspaceFile('syntax_error.py').fsPath, SYNTAX_ERROR_SCRIPT);
    fs.writeFileSync(workspaceFile('echo_input.py').fsPath, ECHO_INPUT_SCRIPT);
    await extensionApi();
  });

  // A failed test must not leave its run going (the next run would ask to stop it).
  teardown(async () => {
    const running = (await extensionApi()).runController.running;
    running?.stop();
    await running?.done;
  });

  test('process_example.py: two child processes, drawn as lanes, trace saved', async () => {
    const run = finished(await runCommand('process_example.py'));
    const { trace } = run;
    assert.equal(trace.meta.exitCode, 0);
    assert.equal(trace.meta.endReason, 'exited');
    const main = mainProcess(trace);
    const children = trace.processes.filter((p) => p.role === 'process');
    assert.equal(children.length, 2);
    for (const child of children) {
      assert.equal(child.parentPid, main.pid);
      assert.equal(child.target?.name, 'worker');
      assert.equal(child.exitCode, 0);
    }
    const drawn = await renderedAtLeast(run.view, trace.processes.length);
    assert.equal(drawn.processLanes, trace.processes.length);
    assert.ok(run.traceFile, 'the run was saved into workspace storage');
    assert.deepEqual(readTraceFile(run.traceFile).processes.length, trace.processes.length);
  });

  test('pool_example.py: 4 pool workers ran square() over 5 items', async () => {
    const run = finished(await runCommand('pool_example.py'));
    const { trace } = run;
    assert.equal(trace.meta.exitCode, 0);
    assert.equal(trace.processes.filter((p) => p.role === 'pool-worker').length, 4);
    assert.ok(trace.tasks.length > 0);
    assert.ok(trace.tasks.every((t) => t.fn.name === 'square' && t.ok && t.kind === 'pool'));
    const items = trace.tasks.reduce((sum, t) => sum + (t.items ?? 0), 0);
    assert.equal(items, 5);
    const workers = new Set(
      trace.processes.filter((p) => p.role === 'pool-worker').map((p) => p.pid),
    );
    assert.ok(trace.tasks.every((t) => workers.has(t.pid)));
    const drawn = await renderedAtLeast(run.view, trace.processes.length);
    assert.equal(drawn.tasks, trace.tasks.length);
  });

  test('queue_example.py: 5 messages from producer to consumer, drawn as arrows', async () => {
    const run = finished(await runCommand('queue_example.py'));
    const { trace } = run;
    assert.equal(trace.meta.exitCode, 0);
    const byTarget = (name: string) => trace.processes.find((p) => p.target?.name === name)?.pid;
    const producer = byTarget('producer');
    const consumer = byTarget('consumer');
    assert.ok(producer && consumer);
    const queue = trace.channels.find((c) => c.kind === 'queue');
    assert.ok(queue, 'the Queue is a channel');
    const messages = trace.messages.filter((m) => m.channel === queue.id);
    assert.equal(messages.length, 5);
    for (const message of messages) {
      assert.equal(message.sendPid, producer);
      assert.equal(message.recvPid, consumer);
    }
    const drawn = await renderedAtLeast(run.view, trace.processes.length);
    assert.ok(drawn.arrows >= 5, `arrows drawn: ${drawn.arrows}`);
  });

  test('the live timeline fills while running, and Stop kills the whole process tree', async () => {
    const api = await extensionApi();
    const pending = runCommand('hang.py');
    const running = await eventually('the run to start', () => api.runController.running);
    await eventually('three live processes', () => running.counts.processes >= 3);
    await eventually('the live panel to draw three lanes', () =>
      (running.view.lastRendered?.processLanes ?? 0) >= 3 ? true : undefined,
    );
    assert.equal(running.view.trace, undefined, 'the panel drew live data before the run ended');
    const socket = running.socketPath;
    assert.ok(socket && fs.existsSync(socket), 'the collector listens on a socket file');
    await vscode.commands.executeCommand('parallelProfiler.stop');
    const run = finished(await pending);
    assert.equal(fs.existsSync(path.dirname(socket)), false, 'its private folder is removed');
    assert.equal(run.trace.meta.endReason, 'stopped');
    assert.equal(run.trace.processes.length, 3);
    const pids = run.trace.processes.map((p) => p.pid);
    await eventually('every process to be gone', () => pids.every((pid) => !isAlive(pid)), 15_000);
    assert.equal(api.runController.running, undefined);
  });

  test('closing the terminal stops the run', async () => {
    const api = await extensionApi();
    const pending = runCommand('hang.py');
    const running = await eventually('the run to start', () => api.runController.running);
    await eventually('three live processes', () => running.counts.processes >= 3);
    running.terminal.terminal.dispose();
    const run = finished(await pending);
    assert.equal(run.trace.meta.endReason, 'stopped');
    const pids = run.trace.processes.map((p) => p.pid);
    await eventually('every process to be gone', () => pids.every((pid) => !isAlive(pid)), 15_000);
  });

  test('text typed into the terminal reaches the script on Enter', async () => {
    // The script does not use multiprocessing, so it may never show up as a process: type at once.
    const api = await extensionApi();
    const pending = runCommand('echo_input.py');
    const running = await eventually('the run to start', () => api.runController.running);
    running.terminal.terminal.sendText('hello profiler', true);
    const run = finished(await pending);
    assert.equal(run.trace.meta.exitCode, 0);
    assert.equal(fs.readFileSync(workspaceFile('echoed.txt').fsPath, 'utf8'), 'hello profiler');
  });

  test('a script with a syntax error ends with exit code 1', async () => {
    const run = finished(await runCommand('syntax_error.py'));
    assert.equal(run.trace.meta.exitCode, 1);
    assert.equal(run.trace.processes.filter((p) => p.role !== 'main').length, 0);
  });

  test('a missing or non-Python interpreter is reported and nothing runs', async () => {
    try {
      await setSetting('pythonPath', '/nonexistent/python3');
      const missing = await runCommand('process_example.py');
      assert.equal(missing.kind, 'not-run');
      assert.match(
        missing.kind === 'not-run' ? missing.reason : '',
        /parallelProfiler\.pythonPath/,
      );
      await setSetting('pythonPath', '/bin/true');
      const notPython = await runCommand('process_example.py');
      assert.equal(notPython.kind, 'not-run');
    } finally {
      await setSetting('pythonPath', undefined);
    }
  });

  test('trace files open in the trace editor; a corrupt one shows why', async () => {
    const api = await extensionApi();
    const run = finished(await runCommand('pool_example.py'));
    assert.ok(run.traceFile);
    const copy = workspaceFile('pool.pptrace');
    fs.copyFileSync(run.traceFile, copy.fsPath);
    // A webview loads only once visible: with the earlier tests' panels around, a new editor can
    // open behind them, so each file opens into an empty editor area.
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('parallelProfiler.openTrace', copy);
    const view = await eventually('the trace editor', () =>
      api
        .openViews()
        .find((v) => v !== run.view && v.trace?.meta.startedAtIso === run.trace.meta.startedAtIso),
    );
    const drawn = await renderedAtLeast(view, run.trace.processes.length);
    assert.equal(drawn.tasks, run.trace.tasks.length);

    const corrupt = workspaceFile('corrupt.pptrace');
    fs.writeFileSync(
      corrupt.fsPath,
      '{"format": "parallel-profiler-trace", "version": 1, "meta": ',
    );
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('vscode.openWith', corrupt, 'parallelProfiler.trace');
    const error = await eventually('the error in the editor', () =>
      api.openViews().find((v) => v.shownError?.includes('corrupt.pptrace')),
    );
    assert.equal(error.trace, undefined);
  });

  test('Save trace as, Perfetto and HTML exports write the current trace', async () => {
    finished(await runCommand('queue_example.py'));
    const saved = workspaceFile('saved.pptrace');
    const chrome = workspaceFile('perfetto.json');
    const html = workspaceFile('report.html');
    await vscode.commands.executeCommand('parallelProfiler.saveTraceAs', saved);
    await vscode.commands.executeCommand('parallelProfiler.exportPerfetto', chrome);
    await vscode.commands.executeCommand('parallelProfiler.exportHtml', html);
    assert.equal(readTraceFile(saved.fsPath).messages.length, 5);
    const events = JSON.parse(fs.readFileSync(chrome.fsPath, 'utf8')).traceEvents as unknown[];
    assert.ok(Array.isArray(events) && events.length > 0);
    assert.match(fs.readFileSync(html.fsPath, 'utf8'), /<html/i);
  });
});
