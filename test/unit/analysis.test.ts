import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagnose } from '../../src/analysis/diagnose';
import { formatDiagnosis } from '../../src/analysis/format';
import {
  forEachByPriority,
  type Interval,
  intersect,
  longest,
  subtract,
  union,
  whereConcurrency,
} from '../../src/analysis/intervals';
import { BREAKDOWN_CATEGORIES } from '../../src/analysis/types';
import type { Trace } from '../../src/model/trace';
import { fn, makeTrace, MS, proc, task, wait } from './analysis-trace';

const work = fn('work', 12);

/** Main waits for results 2..98 ms; two workers each run eight 10 ms tasks back to back. */
function balancedPool(): Trace {
  const tasks = [];
  for (const pid of [201, 202]) {
    for (let i = 0; i < 8; i++) tasks.push(task(pid, 10 + i * 10, 20 + i * 10, work));
  }
  return makeTrace(100, {
    processes: [
      proc(100, 'main', 0, 100),
      proc(201, 'pool-worker', 1, 99),
      proc(202, 'pool-worker', 1, 99),
    ],
    tasks,
    waits: [wait(100, 'result', 2, 98)],
  });
}

/**
 * The scaling figures again, the slow way: step through time in 10 us and ask every process whether
 * it was working then, straight from the raw tasks, run times and waits.
 */
function figuresByStepping(trace: Trace) {
  const step = 0.01 * MS;
  let busyNs = 0;
  let serialNs = 0;
  for (let t = step / 2; t < trace.meta.wallNs; t += step) {
    let working = 0;
    for (const p of trace.processes) {
      const tasks = trace.tasks.filter((k) => k.pid === p.pid);
      const inTask = tasks.some((k) => k.startNs <= t && t < k.endNs);
      const begin = p.runBeginNs ?? p.startNs ?? 0;
      const end = p.runEndNs ?? p.exitNs ?? trace.meta.wallNs;
      const waiting = trace.waits.some((w) => w.pid === p.pid && w.startNs <= t && t < w.endNs);
      if (tasks.length > 0 ? inTask : begin <= t && t < end && !waiting) working++;
    }
    busyNs += working * step;
    if (working <= 1) serialNs += step;
  }
  return { parallelism: busyNs / trace.meta.wallNs, serialFraction: serialNs / trace.meta.wallNs };
}

test('interval set operations', () => {
  const a = union([
    { startNs: 5, endNs: 10 },
    { startNs: 0, endNs: 3 },
    { startNs: 2, endNs: 4 },
  ]);
  assert.deepEqual(a, [
    { startNs: 0, endNs: 4 },
    { startNs: 5, endNs: 10 },
  ]);
  const b = [{ startNs: 3, endNs: 6 }];
  assert.deepEqual(subtract(a, b), [
    { startNs: 0, endNs: 3 },
    { startNs: 6, endNs: 10 },
  ]);
  assert.deepEqual(intersect(a, b), [
    { startNs: 3, endNs: 4 },
    { startNs: 5, endNs: 6 },
  ]);
  const two = whereConcurrency([a, b], 0, 10, (n) => n >= 2);
  assert.deepEqual(two, intersect(a, b));
});

/** Random intervals on a grid of whole units in start order: overlapping, touching, some empty. */
function randomIntervals(next: (n: number) => number): Interval[] {
  return Array.from({ length: next(12) }, () => {
    const startNs = next(100);
    return { startNs, endNs: startNs + next(15) };
  }).sort((a, b) => a.startNs - b.startNs);
}

test('interval operations agree with a unit-by-unit count on random lists', () => {
  let state = 1;
  const next = (n: number) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
  const covers = (list: readonly Interval[], t: number) =>
    list.some((i) => i.startNs <= t && t < i.endNs);
  for (let round = 0; round < 300; round++) {
    // Priority groups of one or two raw lists each; whereConcurrency takes merged lists.
    const groups = Array.from({ length: 1 + next(6) }, () =>
      Array.from({ length: 1 + next(2) }, () => randomIntervals(next)),
    );
    const merged = groups.map((lists) => union(lists.flat()));
    const within = { startNs: next(20), endNs: 60 + next(50) };
    const shares = groups.map((): Interval[] => []);
    const rest: Interval[] = [];
    let previous = -2;
    forEachByPriority(groups, within, (group, startNs, endNs) => {
      assert.notEqual(group, previous, 'pieces are maximal');
      previous = group;
      (group < 0 ? rest : shares[group]).push({ startNs, endNs });
    });
    const two = whereConcurrency(merged, within.startNs, within.endNs, (n) => n === 2);
    for (const result of [...shares, rest, two]) assert.deepEqual(union(result), result);
    for (let t = 0.5; t < 120; t++) {
      const inside = within.startNs <= t && t < within.endNs;
      const winner = inside ? merged.findIndex((l) => covers(l, t)) : -2;
      shares.forEach((share, i) => assert.equal(covers(share, t), winner === i, `${round} ${t}`));
      assert.equal(covers(rest, t), winner === -1, `${round} ${t}`);
      const count = merged.filter((l) => covers(l, t)).length;
      assert.equal(covers(two, t), inside && count === 2, `${round} ${t}`);
    }
    const all = merged.flat();
    const expected = [...all].sort((a, b) => b.endNs - b.startNs - (a.endNs - a.startNs));
    assert.deepEqual(longest(all, 5), expected.slice(0, 5));
  }
});

test('scaling figures agree with a step-by-step count over the raw events', () => {
  const trace = balancedPool();
  const d = diagnose(trace);
  const expected = figuresByStepping(trace);
  assert.ok(
    Math.abs(d.scaling.parallelism - expected.parallelism) < 0.01,
    `${d.scaling.parallelism}`,
  );
  assert.ok(Math.abs(d.scaling.serialFraction - expected.serialFraction) < 0.01);
  assert.equal(d.scaling.workers, 2);
  assert.ok(Math.abs(d.scaling.efficiency - expected.parallelism / 2) < 0.01);
  assert.ok(Math.abs(d.scaling.speedup - 1.64) < 1e-9, `speedup ${d.scaling.speedup}`);
  // Already at the core count: twice the workers cannot help.
  assert.ok(Math.abs(d.scaling.amdahl2x.wallNs - trace.meta.wallNs) < 1);
  assert.equal(d.findings.length, 0, formatDiagnosis(d));
  const worst = d.scaling.worstWindows[0];
  assert.ok(worst.endNs <= 12 * MS || worst.startNs >= 88 * MS, `worst window ${worst.startNs}`);
});

test('Amdahl projection scales the parallel part when cores are left', () => {
  const trace = balancedPool();
  trace.meta.hostCpuCount = 8;
  trace.cores.cpuCount = 8;
  const s = diagnose(trace).scaling;
  const expectedWall = 100 * MS * (s.serialFraction + (1 - s.serialFraction) / 2);
  assert.ok(Math.abs(s.amdahl2x.wallNs - expectedWall) < 1);
  assert.equal(s.amdahl2x.workers, 4);
});

test('each process breakdown adds up to its lifetime', () => {
  const d = diagnose(balancedPool());
  for (const p of d.processes) {
    const sum = BREAKDOWN_CATEGORIES.reduce((s, c) => s + p.categories[c].ns, 0);
    assert.ok(Math.abs(sum - p.lifetimeNs) < 1, `${p.pid}: ${sum} vs ${p.lifetimeNs}`);
  }
  const main = d.processes.find((p) => p.pid === 100)!;
  assert.equal(main.categories.join.ns, 96 * MS);
  const worker = d.processes.find((p) => p.pid === 201)!;
  assert.equal(worker.categories.running.ns, 80 * MS);
  // Its first task was already submitted when it started: waiting on the pipe, not starved.
  assert.equal(worker.categories.ipc.ns, 9 * MS);
  assert.equal(worker.categories.idle.ns, 9 * MS);
});

test('tiny tasks with big gaps: small-tasks first, with a chunksize and the function location', () => {
  const tiny = fn('square', 7);
  const tasks = [];
  for (const pid of [201, 202]) {
    for (let i = 0; i < 90; i++) tasks.push(task(pid, 5 + i, 5.1 + i, tiny));
  }
  const trace = makeTrace(100, {
    processes: [
      proc(100, 'main', 0, 100),
      proc(201, 'pool-worker', 1, 99),
      proc(202, 'pool-worker', 1, 99),
    ],
    tasks,
    waits: [wait(100, 'result', 2, 98)],
  });
  const d = diagnose(trace);
  const first = d.findings[0];
  assert.equal(first.kind, 'small-tasks', formatDiagnosis(d));
  assert.deepEqual(first.location, tiny);
  // 0.9 ms overhead per 0.1 ms item: 90 items per task keep overhead at 10 %; 180 items, 2 workers.
  assert.match(first.fix, /chunksize=90\b/);
  assert.match(first.fix, /default for 180 items on 2 workers would be 23/);
});

test('a straggler task: load imbalance with the join tail', () => {
  const trace = makeTrace(100, {
    processes: [
      proc(100, 'main', 0, 100),
      proc(201, 'pool-worker', 1, 99),
      proc(202, 'pool-worker', 1, 99),
    ],
    tasks: [
      task(201, 5, 15, work),
      task(202, 5, 15, work),
      task(201, 15, 25, work),
      task(202, 15, 95, work),
    ],
    waits: [wait(100, 'result', 2, 98)],
  });
  const d = diagnose(trace);
  assert.equal(d.findings[0].kind, 'load-imbalance', formatDiagnosis(d));
  assert.deepEqual(d.findings[0].location, work);
  assert.ok(d.findings[0].ranges.some((r) => r.pid === 201 && r.startNs === 25 * MS));
});

test('consumers blocked on an empty queue: producer-bound, located at the producer', () => {
  const consume = fn('consume', 20);
  const produce = fn('produce', 30);
  const trace = makeTrace(100, {
    processes: [
      proc(100, 'main', 0, 100),
      proc(201, 'process', 1, 99, { target: produce }),
      proc(202, 'process', 1, 99, { target: consume }),
      proc(203, 'process', 1, 99, { target: consume }),
    ],
    channels: [
      { id: 'q1', kind: 'queue', label: 'Queue#1', createdPid: 100, createdNs: 0, createdAt: null },
    ],
    messages: Array.from({ length: 9 }, (_, i) => ({
      id: i,
      channel: 'q1',
      bytes: 10,
      sendPid: 201,
      sendTid: 201,
      putNs: (10 + i * 10) * MS,
      sendNs: (10 + i * 10) * MS,
      recvPid: 202 + (i % 2),
      recvTid: 202 + (i % 2),
      getNs: (10 + i * 10 - 9) * MS,
      recvNs: (10 + i * 10) * MS,
    })),
    waits: [
      wait(100, 'join', 2, 98),
      ...Array.from({ length: 9 }, (_, i) =>
        // Each consumer waits from 1 ms after its previous item until the next one arrives.
        wait(202 + (i % 2), 'queue-get', i < 2 ? 1 : i * 10 - 9, 10 + i * 10, 'q1'),
      ),
    ],
  });
  const d = diagnose(trace);
  assert.equal(d.findings[0].kind, 'producer-bound', formatDiagnosis(d));
  assert.deepEqual(d.findings[0].location, produce);
});

test('processes queueing on one lock: lock contention at their function', () => {
  const add = fn('add_up', 40);
  const trace = makeTrace(100, {
    processes: [
      proc(100, 'main', 0, 100),
      proc(201, 'process', 1, 99, { target: add }),
      proc(202, 'process', 1, 99, { target: add }),
    ],
    waits: [
      wait(100, 'join', 2, 98),
      ...Array.from({ length: 40 }, (_, i) =>
        wait(201 + (i % 2), 'lock', 2 + i * 2, 3.5 + i * 2, 'lock:Value#1'),
      ),
    ],
  });
  const d = diagnose(trace);
  assert.equal(d.findings[0].kind, 'lock-contention', formatDiagnosis(d));
  assert.deepEqual(d.findings[0].location, add);
  assert.match(d.findings[0].title, /Value#1/);
});

test('the parent computing alone before the pool: serial section in the parent', () => {
  const trace = makeTrace(1000, {
    processes: [
      proc(100, 'main', 0, 1000),
      proc(201, 'pool-worker', 10, 999),
      proc(202, 'pool-worker', 10, 999),
    ],
    tasks: [201, 202].map((pid) => task(pid, 600, 990, work)),
    waits: [wait(100, 'result', 600, 995)],
  });
  const d = diagnose(trace);
  assert.equal(d.findings[0].kind, 'serial-parent', formatDiagnosis(d));
  assert.equal(d.findings[0].location?.file, '/tmp/app.py');
  assert.deepEqual(d.findings[0].ranges[0], { startNs: 0, endNs: 600 * MS, pid: 100 });
  assert.ok(d.scaling.serialFraction > 0.6);
});

test('a main thread sampled asleep (no recorded wait) is not counted as working', () => {
  const trace = balancedPool();
  trace.waits = [];
  const samples = [];
  for (let t = 0; t <= 100; t += 10) {
    // On a core for its first 10 ms and last 10 ms, asleep in between.
    const runNs = Math.min(t, 10) * MS + Math.max(0, t - 90) * MS;
    samples.push({ ts: t * MS, pid: 100, tid: 100, cpu: 0, state: 'S', runNs, waitNs: 0 });
  }
  trace.cores = { available: true, reason: null, cpuCount: 2, intervalMs: 10, samples };
  const main = diagnose(trace).processes.find((p) => p.pid === 100)!;
  assert.equal(main.categories.running.ns, 20 * MS);
  assert.equal(main.categories.idle.ns, 80 * MS);
});

test('spawned workers that start slowly and work briefly: start-up cost', () => {
  const job = fn('job', 50);
  const spawned = (pid: number) =>
    proc(pid, 'process', 0, 100, { startMethod: 'spawn', target: job, runBeginNs: 80 * MS });
  const trace = makeTrace(100, {
    processes: [proc(100, 'main', 0, 100), spawned(201), spawned(202)],
    waits: [wait(100, 'join', 1, 99)],
  });
  trace.processes[1].runEndNs = 95 * MS;
  trace.processes[2].runEndNs = 95 * MS;
  const d = diagnose(trace);
  assert.equal(d.findings[0].kind, 'startup-cost', formatDiagnosis(d));
  assert.deepEqual(d.findings[0].location, job);
  const worker = d.processes.find((p) => p.pid === 201)!;
  assert.equal(worker.categories.startup.ns, 80 * MS);
});

test('four busy workers on two cores waiting for a core: oversubscription', () => {
  const trace = balancedPool();
  const samples = [];
  trace.processes = [proc(100, 'main', 0, 100)];
  for (const pid of [201, 202, 203, 204]) {
    trace.processes.push(proc(pid, 'pool-worker', 1, 99));
    // Each runs half of the time and waits for a core the other half.
    for (let t = 0; t <= 100; t += 10) {
      const st = (t * MS) / 2;
      samples.push({ ts: t * MS, pid, tid: pid, cpu: pid % 2, state: 'R', runNs: st, waitNs: st });
    }
  }
  trace.tasks = [201, 202, 203, 204].map((pid) => task(pid, 5, 95, work));
  trace.cores = { available: true, reason: null, cpuCount: 2, intervalMs: 10, samples };
  const d = diagnose(trace);
  assert.equal(d.findings[0].kind, 'oversubscription', formatDiagnosis(d));
  assert.equal(d.scaling.workers, 4);
  const worker = d.processes.find((p) => p.pid === 201)!;
  assert.ok(Math.abs(worker.categories.runnable.ns - 45 * MS) < 1);
  assert.ok(d.scaling.cpuParallelism !== null && Math.abs(d.scaling.cpuParallelism - 2) < 1e-9);
});

test('the text rendering shows figures, findings with fixes and the per-process time', () => {
  const text = formatDiagnosis(diagnose(balancedPool()));
  assert.match(text, /achieved parallelism 1\.6\d/);
  assert.match(text, /serial fraction/);
  assert.match(text, /Worker-201 \(pid 201, pool-worker/);
  assert.match(text, /none: no problem/);
});

/** A producer putting into a full queue 1..99 ms while `consumers` processes work on its items. */
function fullQueue(consumers: number): Trace {
  const produce = fn('produce', 30);
  const consume = fn('consume', 20);
  const pids = Array.from({ length: consumers }, (_, i) => 202 + i);
  return makeTrace(100, {
    processes: [
      proc(100, 'main', 0, 100),
      proc(201, 'process', 1, 99, { target: produce }),
      ...pids.map((pid) => proc(pid, 'process', 1, 99, { target: consume })),
    ],
    channels: [
      { id: 'q1', kind: 'queue', label: 'Queue#1', createdPid: 100, createdNs: 0, createdAt: null },
    ],
    messages: Array.from({ length: 45 }, (_, i) => ({
      id: i,
      channel: 'q1',
      bytes: 10,
      sendPid: 201,
      sendTid: 201,
      putNs: (2 + i * 2) * MS,
      sendNs: (3.8 + i * 2) * MS,
      recvPid: pids[i % consumers],
      recvTid: pids[i % consumers],
      getNs: (4 + i * 2) * MS,
      recvNs: (4 + i * 2) * MS,
    })),
    waits: [
      wait(100, 'join', 2, 98),
      ...Array.from({ length: 45 }, (_, i) => wait(201, 'queue-put', 2 + i * 2, 3.8 + i * 2, 'q1')),
    ],
  });
}

test('a producer blocked on a full queue while a core idles: consumer-bound at the consumer', () => {
  const d = diagnose(fullQueue(1));
  assert.equal(d.findings[0].kind, 'consumer-bound', formatDiagnosis(d));
  assert.equal(d.findings[0].location?.name, 'consume');
});

test('a producer blocked on a full queue while the consumers use every core: no finding', () => {
  const d = diagnose(fullQueue(2));
  assert.ok(
    d.findings.every((f) => f.kind !== 'consumer-bound'),
    formatDiagnosis(d),
  );
});

test('sibling Processes with uneven work: load imbalance at their target', () => {
  const crunch = fn('crunch', 8);
  const trace = makeTrace(100, {
    processes: [
      proc(100, 'main', 0, 100),
      proc(201, 'process', 1, 20, { target: crunch }),
      proc(202, 'process', 1, 95, { target: crunch }),
    ],
    waits: [wait(100, 'join', 2, 96)],
  });
  const d = diagnose(trace);
  assert.equal(d.findings[0].kind, 'load-imbalance', formatDiagnosis(d));
  assert.deepEqual(d.findings[0].location, crunch);
  // Busy 19 ms and 94 ms: the slower one works 37.5 ms more than the mean.
  assert.ok(Math.abs(d.findings[0].costNs - 37.5 * MS) < 1);
});

test('oversubscribed runs do not count as more than fully efficient', () => {
  const trace = balancedPool();
  trace.processes = [proc(100, 'main', 0, 100)];
  trace.tasks = [];
  for (const pid of [201, 202, 203, 204]) {
    trace.processes.push(proc(pid, 'pool-worker', 1, 99));
    trace.tasks.push(task(pid, 5, 95, work));
  }
  const s = diagnose(trace).scaling;
  assert.ok(s.parallelism > 3.5);
  assert.equal(s.efficiency, 1);
  assert.ok(Math.abs(s.efficiencyVsWorkers - s.parallelism / 4) < 1e-9);
});

test('pickling before a send and reading after a get count as IPC of plain processes', () => {
  const trace = makeTrace(100, {
    processes: [
      proc(100, 'main', 0, 100),
      proc(201, 'process', 1, 99, { target: fn('produce') }),
      proc(202, 'process', 1, 99, { target: fn('consume') }),
    ],
    channels: [
      { id: 'p1', kind: 'pipe', label: 'Pipe#1', createdPid: 100, createdNs: 0, createdAt: null },
    ],
    // Five messages: 2 ms from send() to the write, 3 ms from recv() to the end of the read.
    messages: Array.from({ length: 5 }, (_, i) => ({
      id: i,
      channel: 'p1',
      bytes: 1000,
      sendPid: 201,
      sendTid: 201,
      putNs: (10 + i * 10) * MS,
      sendNs: (12 + i * 10) * MS,
      recvPid: 202,
      recvTid: 202,
      getNs: (11 + i * 10) * MS,
      recvNs: (14 + i * 10) * MS,
    })),
    waits: [wait(100, 'join', 2, 98)],
  });
  const d = diagnose(trace);
  const sender = d.processes.find((p) => p.pid === 201)!;
  const receiver = d.processes.find((p) => p.pid === 202)!;
  assert.equal(sender.categories.ipc.ns, 10 * MS);
  assert.equal(sender.bytesSent, 5000);
  assert.equal(receiver.categories.ipc.ns, 15 * MS);
  assert.equal(receiver.bytesReceived, 5000);
  assert.equal(receiver.categories.running.ns, 98 * MS - 15 * MS);
});

test('degenerate traces: nothing recorded, a run still going, a lone main process', () => {
  const empty = diagnose(makeTrace(0, {}));
  assert.equal(empty.findings.length, 0);
  assert.equal(empty.scaling.parallelism, 0);
  const running = makeTrace(50, {
    processes: [proc(100, 'main', 0, 50, { exitNs: null, runEndNs: null })],
  });
  running.meta.endReason = 'running';
  const lone = diagnose(running);
  assert.equal(lone.scaling.workers, 1);
  assert.ok(Math.abs(lone.scaling.parallelism - 1) < 1e-9);
  assert.equal(lone.processes[0].lifetimeNs, 50 * MS);
  assert.match(formatDiagnosis(lone), /Time per process/);
});

/** Pool workers 201 and 202 (with their pool's loop as target) behind a main process working alone. */
function terminatedPool(): Trace {
  const loop = {
    name: 'worker',
    module: 'multiprocessing.pool',
    file: '/usr/lib/pool.py',
    line: 97,
  };
  const killed = { exitCode: -15, connection: 'closed' as const, target: loop };
  return makeTrace(100, {
    processes: [
      proc(100, 'main', 0, 100),
      proc(201, 'pool-worker', 5, 90, { ...killed, runEndNs: null }),
      proc(202, 'pool-worker', 80, 90, {
        ...killed,
        connection: 'never',
        startNs: null,
        runBeginNs: null,
        runEndNs: null,
      }),
    ],
    tasks: [task(201, 10, 20, work)],
    channels: [
      {
        id: 't',
        kind: 'pool-tasks',
        label: 'Pool tasks',
        createdPid: 100,
        createdNs: 0,
        createdAt: null,
      },
    ],
    // Two chunks to 201: the one it finished and, at 30 ms, the one it was running when killed.
    messages: [9, 30].map((recvMs, id) => ({
      id,
      channel: 't',
      bytes: 40,
      sendPid: 100,
      sendTid: 150,
      putNs: (recvMs - 1) * MS,
      sendNs: (recvMs - 1) * MS,
      recvPid: 201,
      recvTid: 201,
      getNs: (recvMs - 1) * MS,
      recvNs: recvMs * MS,
    })),
  });
}

test('Pool.terminate(): a task killed mid-run counts from its receipt; a worker killed unstarted did nothing', () => {
  const d = diagnose(terminatedPool());
  const running = (pid: number) => d.processes.find((p) => p.pid === pid)!.categories.running.ns;
  assert.equal(running(201), 10 * MS + 60 * MS);
  assert.equal(running(202), 0);
  assert.ok(Math.abs(d.scaling.busyNs - (100 + 70) * MS) < 1);
  assert.ok(Math.abs(d.scaling.serialEstimateNs - (100 + 70) * MS) < 1);
  // Their shared target is the pool's loop, not work divided between sibling processes.
  assert.ok(
    d.findings.every((f) => f.kind !== 'load-imbalance'),
    formatDiagnosis(d),
  );
});

test('a worker that exits normally after its last task has no unfinished task', () => {
  const trace = terminatedPool();
  trace.processes[1].exitCode = 0;
  const d = diagnose(trace);
  assert.equal(d.processes.find((p) => p.pid === 201)!.categories.running.ns, 10 * MS);
});

test('two functions taking turns on the workers: the gap before a task is from the task before it', () => {
  const f = fn('parse', 5);
  const g = fn('score', 9);
  const tasks = [];
  for (const pid of [201, 202]) {
    // 1 ms tasks, 0.05 ms apart, parse and score alternating: the overhead is 5 %, not 50 %.
    for (let i = 0; i < 60; i++) tasks.push(task(pid, 5 + i * 1.05, 6 + i * 1.05, i % 2 ? g : f));
  }
  const trace = makeTrace(100, {
    processes: [
      proc(100, 'main', 0, 100),
      proc(201, 'pool-worker', 1, 99),
      proc(202, 'pool-worker', 1, 99),
    ],
    tasks,
    waits: [wait(100, 'result', 2, 98)],
  });
  const d = diagnose(trace);
  assert.ok(
    d.findings.every((x) => x.kind !== 'small-tasks'),
    formatDiagnosis(d),
  );
});
