/**
 * Pool workers are ended by SIGTERM (Pool.terminate), possibly right after the parent got their last
 * result and before their next flush. Between a result and the next task the runtime flushes from a
 * SIGTERM handler and then still dies of SIGTERM; this checks both halves.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { readTraceFile } from '../../src/tracefile/tracefile';
import { cli, FIXTURES, tempDir } from './record-run';

test('a pool worker terminated after its last result keeps its events and exits with -15', async () => {
  const out = path.join(tempDir('sigterm'), 'pool_worker_sigterm.pptrace');
  const result = await cli(['record', '-o', out, path.join(FIXTURES, 'pool_worker_sigterm.py')]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, 'made\n');
  const trace = readTraceFile(out);
  const pipes = trace.channels.filter((c) => c.kind === 'pipe');
  assert.equal(pipes.length, 1, JSON.stringify(trace.channels));
  const worker = trace.processes.find((p) => p.pid === pipes[0].createdPid);
  assert.ok(worker, 'the pipe was created by a traced process');
  assert.equal(worker.role, 'pool-worker');
  assert.equal(worker.exitCode, -15);
  assert.deepEqual(
    trace.tasks.map((t) => [t.fn.name, t.pid, t.ok]),
    [['make_pipe', worker.pid, true]],
  );
});
