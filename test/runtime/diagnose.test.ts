/**
 * The diagnosis on real recordings of examples/diagnose: each problem program gets its finding ranked
 * first, at the right function and line; its fixed variant does not get it. The scaling figures are
 * checked against a count done here by stepping through time over the raw events.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { diagnose } from '../../src/analysis/diagnose';
import { formatDiagnosis } from '../../src/analysis/format';
import type { FindingKind } from '../../src/analysis/types';
import { parallelismSeries } from '../../src/model/cores';
import type { ProcessInfo, TaskSpan, Trace } from '../../src/model/trace';
import { readTraceFile } from '../../src/tracefile/tracefile';
import { cli, REPO, tempDir } from './record-run';

const DIR = path.join(REPO, 'examples/diagnose');
const out = tempDir('diagnose');
test.after(() => fs.rmSync(out, { recursive: true, force: true }));

async function record(name: string): Promise<Trace> {
  const file = path.join(out, `${name}.pptrace`);
  const result = await cli(['record', '-o', file, path.join(DIR, `${name}.py`)]);
  assert.equal(result.code, 0, result.stderr);
  return readTraceFile(file);
}

/** The line of `def name(` in an example. */
function defLine(name: string, fn: string): number {
  const lines = fs.readFileSync(path.join(DIR, `${name}.py`), 'utf8').split('\n');
  const index = lines.findIndex((l) => l.startsWith(`def ${fn}(`));
  assert.ok(index >= 0, `no def ${fn} in ${name}.py`);
  return index + 1;
}

/** The task a worker was killed in, as a span from its receipt to the worker's exit, if any. */
function killedInTask(trace: Trace, p: ProcessInfo, tasks: TaskSpan[]) {
  if (p.exitCode === null || p.exitCode >= 0) return [];
  const taskChannels = trace.channels
    .filter((c) => c.kind === 'pool-tasks' || c.kind === 'executor-calls')
    .map((c) => c.id);
  const lastEnd = Math.max(-Infinity, ...tasks.map((t) => t.endNs));
  const received = trace.messages
    .filter((m) => m.recvPid === p.pid && m.recvNs !== null && taskChannels.includes(m.channel))
    .map((m) => m.recvNs!);
  if (received.length === 0) return [];
  const last = Math.max(...received);
  const exit = p.exitNs ?? trace.meta.wallNs;
  return last >= lastEnd && last < exit ? [{ startNs: last, endNs: exit }] : [];
}

/**
 * Parallelism and serial fraction by stepping through the run: at each instant, count the Pool
 * workers (and any process that ran tasks) in a task, or in the task a signal killed them in (from
 * their receipt of a task after their last span to their exit: Pool.terminate() leaves it without a
 * span), and the other processes inside their run, not in a recorded wait and not sampled blocked
 * (neither on a core nor runnable for half of a sampling interval). A process never seen running
 * runs from its creation: a Pool worker terminated before its runtime connected is known only from
 * its parent (created, exit) and did no task.
 */
function figuresByStepping(trace: Trace): { parallelism: number; serialFraction: number } {
  const wall = trace.meta.wallNs;
  const interval = trace.cores.intervalMs * 1e6;
  const blockedAt = new Map<number, (t: number) => boolean>();
  for (const p of trace.processes) {
    const samples = trace.cores.samples.filter((s) => s.pid === p.pid && s.tid === p.pid);
    if (!trace.cores.available || samples.length === 0) continue;
    const first = Math.min(...samples.map((s) => s.ts));
    const last = Math.max(...samples.map((s) => s.ts));
    const buckets = parallelismSeries({ ...trace.cores, samples }, wall);
    blockedAt.set(p.pid, (t) => {
      const b = buckets[Math.floor(t / interval)];
      return !!b && b.startNs >= first && b.endNs <= last && b.running + b.runnable < 0.5;
    });
  }
  /** Whether t (increasing from call to call) falls in one of these spans, sorted by start. */
  const cursor = (spans: { startNs: number; endNs: number }[]) => {
    const sorted = [...spans].sort((a, b) => a.startNs - b.startNs);
    let next = 0;
    const open: { endNs: number }[] = [];
    return (t: number) => {
      while (next < sorted.length && sorted[next].startNs <= t) open.push(sorted[next++]);
      for (let k = open.length - 1; k >= 0; k--) if (open[k].endNs <= t) open.splice(k, 1);
      return open.length > 0;
    };
  };
  const probes = trace.processes
    .filter((p) => p.role !== 'manager' && p.role !== 'helper')
    .map((p) => {
      const tasks = trace.tasks.filter((k) => k.pid === p.pid);
      if (p.role === 'pool-worker' || p.role === 'executor-worker' || tasks.length > 0) {
        return cursor([...tasks, ...killedInTask(trace, p, tasks)]);
      }
      const begin = p.role === 'main' ? 0 : (p.runBeginNs ?? p.startNs ?? p.createdNs ?? 0);
      const end = Math.min(p.runEndNs ?? p.exitNs ?? wall, p.exitNs ?? wall);
      const waiting = cursor(trace.waits.filter((w) => w.pid === p.pid && w.tid === p.pid));
      const blocked = blockedAt.get(p.pid);
      return (t: number) => {
        const inWait = waiting(t);
        return t >= begin && t < end && !inWait && !blocked?.(t);
      };
    });
  const steps = 100_000;
  const step = wall / steps;
  let busy = 0;
  let serial = 0;
  for (let i = 0; i < steps; i++) {
    const t = (i + 0.5) * step;
    const working = probes.filter((working) => working(t)).length;
    busy += working;
    if (working <= 1) serial++;
  }
  return { parallelism: busy / steps, serialFraction: serial / steps };
}

interface Case {
  name: string;
  kind: FindingKind;
  /** The function the finding must point at, or null for the main script itself. */
  fn: string | null;
}

const CASES: Case[] = [
  { name: 'small_tasks', kind: 'small-tasks', fn: 'square' },
  { name: 'load_imbalance', kind: 'load-imbalance', fn: 'simulate' },
  { name: 'producer_bound', kind: 'producer-bound', fn: 'produce' },
  { name: 'consumer_bound', kind: 'consumer-bound', fn: 'consume' },
  { name: 'lock_contention', kind: 'lock-contention', fn: 'add_up' },
  { name: 'oversubscription', kind: 'oversubscription', fn: 'crunch' },
  { name: 'startup_cost', kind: 'startup-cost', fn: 'job' },
  { name: 'serial_parent', kind: 'serial-parent', fn: null },
];

for (const c of CASES) {
  test(`${c.name}: ${c.kind} ranked first at the right place; not in ${c.name}_fixed`, async () => {
    const problem = await record(c.name);
    const d = diagnose(problem);
    const report = formatDiagnosis(d);
    assert.equal(d.findings[0]?.kind, c.kind, report);
    const location = d.findings[0].location!;
    assert.equal(location.file, path.join(DIR, `${c.name}.py`), report);
    if (c.fn !== null) {
      assert.equal(location.name, c.fn, report);
      assert.equal(location.line, defLine(c.name, c.fn), report);
    }
    assert.ok(d.findings[0].fix.length > 0 && d.findings[0].evidence.length > 0);

    const expected = figuresByStepping(problem);
    assert.ok(
      Math.abs(d.scaling.parallelism - expected.parallelism) < 0.02 + 0.02 * expected.parallelism,
      `parallelism ${d.scaling.parallelism} vs ${expected.parallelism}`,
    );
    assert.ok(
      Math.abs(d.scaling.serialFraction - expected.serialFraction) < 0.02,
      `serial fraction ${d.scaling.serialFraction} vs ${expected.serialFraction}`,
    );

    const fixed = diagnose(await record(`${c.name}_fixed`));
    assert.ok(
      fixed.findings.every((f) => f.kind !== c.kind),
      formatDiagnosis(fixed),
    );
  });
}

test('check passes a run that scales and fails runs that do not', async () => {
  for (const name of ['well_parallel', 'small_tasks', 'serial_parent']) await record(name);
  const file = (name: string) => path.join(out, `${name}.pptrace`);
  const pass = await cli(['check', file('well_parallel'), '--min-efficiency', '0.5']);
  assert.equal(pass.code, 0, pass.stdout + pass.stderr);
  const tooSmall = await cli(['check', file('small_tasks'), '--min-efficiency', '0.5']);
  assert.equal(tooSmall.code, 1, tooSmall.stdout + tooSmall.stderr);
  assert.match(tooSmall.stdout, /^check failed: efficiency .* < 50\.0 %/);
  const serial = await cli([
    'check',
    file('serial_parent'),
    '--min-efficiency',
    '0',
    '--max-serial-fraction',
    '0.5',
  ]);
  assert.equal(serial.code, 1, serial.stdout + serial.stderr);
  assert.match(serial.stdout, /serial fraction .* > 50\.0 %/);
});
