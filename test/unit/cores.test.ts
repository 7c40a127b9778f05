import { test } from 'node:test';
import assert from 'node:assert/strict';
import { averageParallelism, coreSlices, parallelismSeries } from '../../src/model/cores';
import type { CoreData, CoreSample } from '../../src/model/trace';

const MS = 1e6;

function sample(ts: number, tid: number, cpu: number, runNs: number, waitNs: number): CoreSample {
  return { ts, pid: tid, tid, cpu, state: 'R', runNs, waitNs };
}

function cores(samples: CoreSample[]): CoreData {
  return { available: true, reason: null, cpuCount: 2, intervalMs: 10, samples };
}

// Thread 1 runs flat out on core 0 for 20 ms; thread 2 runs half of its time on core 1 and waits the rest.
const twoThreads = cores([
  sample(0, 1, 0, 0, 0),
  sample(0, 2, 1, 0, 0),
  sample(10 * MS, 1, 0, 10 * MS, 0),
  sample(10 * MS, 2, 1, 5 * MS, 5 * MS),
  sample(20 * MS, 1, 0, 20 * MS, 0),
  sample(20 * MS, 2, 1, 10 * MS, 10 * MS),
]);

test('core slices follow schedstat deltas per thread', () => {
  const slices = coreSlices(twoThreads);
  assert.equal(slices.length, 4);
  const thread2 = slices.filter((s) => s.tid === 2);
  assert.deepEqual(
    thread2.map((s) => [s.cpu, s.startNs, s.endNs, s.onCpuNs]),
    [
      [1, 0, 10 * MS, 5 * MS],
      [1, 10 * MS, 20 * MS, 5 * MS],
    ],
  );
});

test('parallelism counts running and runnable threads per bucket', () => {
  const series = parallelismSeries(twoThreads, 20 * MS);
  assert.equal(series.length, 2);
  for (const point of series) {
    assert.ok(Math.abs(point.running - 1.5) < 1e-9, `running ${point.running}`);
    assert.ok(Math.abs(point.runnable - 0.5) < 1e-9, `runnable ${point.runnable}`);
  }
  assert.ok(Math.abs(averageParallelism(twoThreads, 20 * MS) - 1.5) < 1e-9);
});

test('a thread sampled once contributes nothing; a dead pid reusing a tid is not paired', () => {
  const data = cores([
    sample(0, 7, 0, 0, 0),
    { ts: 10 * MS, pid: 8, tid: 7, cpu: 0, state: 'R', runNs: 50 * MS, waitNs: 0 },
  ]);
  assert.equal(coreSlices(data).length, 0);
  assert.equal(averageParallelism(data, 10 * MS), 0);
});

test('without schedstat, R at both ends counts as running', () => {
  const data = cores([
    { ts: 0, pid: 1, tid: 1, cpu: 1, state: 'R', runNs: null, waitNs: null },
    { ts: 10 * MS, pid: 1, tid: 1, cpu: 1, state: 'R', runNs: null, waitNs: null },
    { ts: 20 * MS, pid: 1, tid: 1, cpu: 1, state: 'S', runNs: null, waitNs: null },
  ]);
  const slices = coreSlices(data);
  assert.equal(slices.length, 1);
  assert.equal(slices[0].onCpuNs, 10 * MS);
});
