import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSummaryText, summarizeTrace } from '../../src/analysis/summary';
import { UNFINISHED_TASK } from '../../src/model/trace';
import { sampleTrace } from './tracefile-sample';

const MS = 1e6;

test('the summary counts processes, task items per function, queue traffic and waits', () => {
  const summary = summarizeTrace(sampleTrace());
  assert.equal(summary.wallNs, 100 * MS);
  assert.deepEqual(
    summary.processes.map((p) => [p.pid, p.ppid, p.role, p.exitCode]),
    [
      [100, 1, 'main', 0],
      [101, 100, 'pool-worker', 0],
      [102, 100, 'pool-worker', -9],
    ],
  );
  assert.deepEqual(summary.tasks, {
    count: 3,
    failed: 1,
    unfinished: 0,
    byFunction: { square: 5, cube: 1 },
  });
  const [queue, pipe] = summary.queues;
  assert.deepEqual(
    [queue.kind, queue.puts, queue.gets, queue.matched, queue.byDirection, queue.taskDone],
    ['joinable-queue', 2, 1, 1, { '100->101': 1 }, 1],
  );
  assert.deepEqual([pipe.byDirection, pipe.taskDone], [{ '100->101': 1, '101->100': 1 }, 0]);
  assert.deepEqual(summary.waits.join, { count: 1, totalNs: 31 * MS });
  assert.deepEqual(summary.managerCalls, { count: 1, byMethod: { 'list.append': 1 } });
  assert.deepEqual(summary.events, { total: 42, lost: 3, rejected: 1 });
});

test('average parallelism is on-CPU time over wall time, from core samples', () => {
  const { parallelism } = summarizeTrace(sampleTrace());
  // 20 ms of each worker plus 2 ms of the main thread, over 100 ms.
  assert.ok(Math.abs(parallelism.average - 0.42) < 1e-9, String(parallelism.average));
  assert.equal(parallelism.cores, 2);
  const noCores = sampleTrace();
  noCores.cores = { ...noCores.cores, available: false, reason: 'no /proc', samples: [] };
  const text = formatSummaryText(summarizeTrace(noCores));
  assert.match(text, /Parallelism: unavailable \(no \/proc\)/);
});

test('the text form is a readable table of the same facts', () => {
  const text = formatSummaryText(summarizeTrace(sampleTrace()));
  assert.match(text, /^Wall time: +100\.0 ms, exit 0 \(exited\)$/m);
  assert.match(text, /^Parallelism: 0\.42 processes running on average, 2 cores$/m);
  assert.match(text, /^ {2}102 +100 +pool-worker +Worker-102 +signal 9 +daemon$/m);
  assert.match(text, /^Tasks: 3 \(1 failed\)$/m);
  assert.match(text, /^ {2}square +5$/m);
  assert.match(text, /^ {2}Queue +joinable-queue +2 +1$/m);
  assert.match(text, /^ {2}join +1 +31\.0 ms$/m);
  assert.match(text, /^Manager calls: 1 \(list\.append x1\)$/m);
});

test('tasks whose worker ended while running them are counted as unfinished', () => {
  const trace = sampleTrace();
  const failed = trace.tasks.find((t) => !t.ok)!;
  failed.error = { type: UNFINISHED_TASK, message: 'its worker ended while running it' };
  const summary = summarizeTrace(trace);
  assert.deepEqual([summary.tasks.failed, summary.tasks.unfinished], [1, 1]);
  assert.match(
    formatSummaryText(summary),
    /^Tasks: 3 \(1 failed, 1 unfinished: their worker ended while running them\)$/m,
  );
});
