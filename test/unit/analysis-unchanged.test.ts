/**
 * diagnose() gives the same results as before it was optimised for huge traces: the whole diagnosis
 * (figures, every process's breakdown with its intervals, findings with evidence and ranges) of
 * traces that reach every code path, as a digest recorded from the earlier implementation. A digest
 * that changes on purpose (the analysis itself changed) is updated here with the reason in the commit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { diagnose } from '../../src/analysis/diagnose';
import { formatDiagnosis } from '../../src/analysis/format';
import type { Trace } from '../../src/model/trace';
import { syntheticTrace } from '../../scripts/synthetic-trace';
import { fn } from './analysis-trace';
import { sampleTrace } from './tracefile-sample';

/**
 * A synthetic pool run started with spawn on a machine without /proc, whose parent works alone for
 * its first 280 ms (the tasks before are left out).
 */
function serialParentWithoutCores(): Trace {
  const trace = syntheticTrace({ events: 20_000, workers: 3, cpuCount: 4, seed: 3 });
  for (const p of trace.processes) if (p.role === 'pool-worker') p.startMethod = 'spawn';
  trace.tasks = trace.tasks.filter((t) => t.startNs >= 280e6);
  trace.waits.find((w) => w.kind === 'result')!.startNs = 280e6;
  trace.cores = { available: false, reason: 'test', cpuCount: 4, intervalMs: 10, samples: [] };
  return trace;
}

/**
 * Plain Processes instead of a pool (no task spans: busy time from run time, waits and /proc samples),
 * spawned and slow to start, waiting long on their input queue, on their full output queue and on a
 * shared lock, and one of them stopping early.
 */
function plainProcesses(): Trace {
  const trace = syntheticTrace({ events: 8_000, workers: 4, cpuCount: 2, seed: 5 });
  trace.tasks = [];
  for (const p of trace.processes) {
    if (p.role !== 'pool-worker') continue;
    Object.assign(p, { role: 'process', startMethod: 'spawn', runBeginNs: 40e6 });
    p.target = fn('consume', 20);
  }
  trace.processes[4].runEndNs = trace.meta.wallNs / 2;
  for (const c of trace.channels) c.kind = 'queue';
  trace.waits.forEach((w, i) => {
    if (w.kind !== 'queue-get') return;
    w.startNs = w.endNs - 6 * (w.endNs - w.startNs);
    if (i % 3 === 0) [w.kind, w.objectId] = ['lock', 'lock:Value#1'];
    if (i % 3 === 1) [w.kind, w.objectId] = ['queue-put', 'pool-results'];
  });
  return trace;
}

/** A synthetic pool run whose tasks are a tenth as long: their overhead dominates. */
function smallTasks(): Trace {
  const trace = syntheticTrace({ events: 20_000, workers: 4, cpuCount: 4, seed: 11 });
  for (const t of trace.tasks) t.endNs = t.startNs + (t.endNs - t.startNs) / 10;
  return trace;
}

const TRACES: [string, () => Trace, string][] = [
  [
    'synthetic pool, 4 workers on 2 cores',
    () => syntheticTrace({ events: 20_000, workers: 4, cpuCount: 2 }),
    'a4d49c7a3bb61bb1',
  ],
  [
    'synthetic pool, 8 workers on 8 cores',
    () => syntheticTrace({ events: 20_000, workers: 8, cpuCount: 8, seed: 7 }),
    'e1ed35dca6e2c02a',
  ],
  ['a serial parent, spawned workers, no /proc', serialParentWithoutCores, 'b9c3713133a9db5e'],
  ['plain processes with queues and a lock', plainProcesses, '7c924cf66730a0a2'],
  ['tasks too small for their overhead', smallTasks, 'b374c30cc12f2acb'],
  ['the trace file sample', sampleTrace, '6feccf3fb816f96f'],
];

/** Numbers to 12 significant digits: a different summation order must not count as a change. */
function digest(value: unknown): string {
  const json = JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'number' ? Number(v.toPrecision(12)) : v,
  );
  return createHash('sha256').update(json).digest('hex').slice(0, 16);
}

for (const [name, make, expected] of TRACES) {
  test(`the diagnosis is unchanged: ${name}`, () => {
    const d = diagnose(make());
    assert.equal(digest(d), expected, formatDiagnosis(d));
  });
}
