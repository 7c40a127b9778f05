/**
 * The record command as a user drives it: the script's arguments, stdin, stdout and stderr pass through
 * untouched, `-m MODULE` works, and SIGTERM or Ctrl-C stop the run but still write the trace.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { shellExitCode } from '../../src/cli/record';
import { readTraceFile } from '../../src/tracefile/tracefile';
import { CLI, cli, FIXTURES, profilerLines, tempDir } from './record-run';

/** Starts recording run_forever.py, waits until it printed "started", then sends `signal`. */
async function interrupt(signal: NodeJS.Signals, toGroup: boolean) {
  const out = path.join(tempDir('signal'), 'stopped.pptrace');
  const child = spawn(
    process.execPath,
    [CLI, 'record', '-o', out, path.join(FIXTURES, 'run_forever.py')],
    { detached: toGroup, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
  await new Promise<void>((resolve) =>
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (stdout.includes('started\n')) resolve();
    }),
  );
  if (toGroup) process.kill(-child.pid!, signal);
  else child.kill(signal);
  const code = await closed;
  return { code, stderr, trace: readTraceFile(out) };
}

describe('record passes the terminal through and stops cleanly', { concurrency: 2 }, () => {
  it("the script's arguments, stdin, stdout, stderr and exit code pass through", async () => {
    const dir = tempDir('stdio');
    const out = path.join(dir, 'stdio.pptrace');
    const script = path.join(FIXTURES, 'stdio_args.py');
    const args = ['-o', 'x', '--help', '--', 'y'];
    const result = await cli(['record', '-o', out, script, ...args], { input: 'hello\n' });
    assert.equal(result.stdout, `args: ['-o', 'x', '--help', '--', 'y']\nHELLO\n\n`);
    assert.equal(result.code, 5, result.stderr);
    const own = profilerLines(result.stderr);
    assert.equal(own.length, 1);
    assert.match(own[0], /script exit 5$/);
    assert.equal(result.stderr.replace(own[0] + '\n', ''), 'to stderr\n');
    const trace = readTraceFile(out);
    assert.deepEqual(trace.meta.command.slice(1), [script, ...args]);
  });

  it('-m MODULE runs a module with its arguments', async () => {
    const out = path.join(tempDir('module'), 'module.pptrace');
    const result = await cli(['record', '-o', out, '-m', 'pkg.tool', '2', '3'], { cwd: FIXTURES });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '[4, 9]\n');
    const trace = readTraceFile(out);
    assert.deepEqual([trace.meta.module, trace.meta.script], ['pkg.tool', null]);
    assert.deepEqual(
      trace.tasks.map((t) => t.fn.name),
      ['square', 'square'],
    );
  });

  it('a trace that cannot be written where asked is saved elsewhere, not lost', async () => {
    const dir = tempDir('gone');
    const script = path.join(FIXTURES, 'remove_dir.py');
    const result = await cli(['record', '-o', path.join(dir, 'run.pptrace'), script, dir]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'removed\n');
    const saved = /saving the trace to (\S+) instead/.exec(result.stderr);
    assert.ok(saved, result.stderr);
    assert.match(profilerLines(result.stderr).at(-1)!, new RegExp(`wrote ${saved[1]}:`));
    assert.equal(readTraceFile(saved[1]).meta.script, script);
    fs.rmSync(saved[1]);
  });

  it('SIGTERM to the CLI stops the run and still writes the trace', async () => {
    const { code, stderr, trace } = await interrupt('SIGTERM', false);
    assert.match(stderr, /parallel-profiler: SIGTERM: stopping the run/);
    assert.equal(trace.meta.endReason, 'stopped');
    assert.equal(code, shellExitCode(trace));
    assert.notEqual(code, 0);
    const roles = trace.processes.map((p) => p.role).filter((r) => r !== 'helper');
    assert.deepEqual(roles.sort(), ['main', 'process']);
    // The stopped tree is gone: no connection is left open (an exit code no parent reaped stays null).
    assert.ok(trace.processes.every((p) => p.connection !== 'open'));
  });

  it('Ctrl-C (SIGINT to the whole process group) stops the run and still writes the trace', async () => {
    const { code, stderr, trace } = await interrupt('SIGINT', true);
    assert.match(stderr, /parallel-profiler: SIGINT: stopping the run/);
    assert.equal(trace.meta.endReason, 'stopped');
    assert.equal(code, shellExitCode(trace));
    assert.notEqual(code, 0);
    assert.ok(trace.processes.some((p) => p.role === 'process'));
  });
});
