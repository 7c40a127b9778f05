/**
 * A realistic synthetic trace of about `events` events for benchmarks and browser tests: a main process
 * feeding a Pool of workers (one task, one queue wait and two messages per task: the task handed over
 * on `pool-tasks`, the result back on `pool-results`), some failed tasks, a manager, and /proc core
 * samples every 10 ms (about 1 % of events) with oversubscription when workers outnumber cores. Deterministic per `seed`.
 *
 * CLI: `node out/scripts/synthetic-trace.js <events> [workers] > trace.json`
 */
import { TRACE_FORMAT, TRACE_VERSION } from '../src/model/trace';
import type {
  CoreSample,
  Message,
  ProcessInfo,
  SourceRef,
  TaskSpan,
  Trace,
  WaitSpan,
} from '../src/model/trace';

export interface SyntheticOptions {
  events: number;
  workers?: number;
  cpuCount?: number;
  seed?: number;
}

const MAIN_PID = 1000;
const INTERVAL_MS = 10;
const FUNCTIONS: SourceRef[] = [
  'parse_record',
  'score',
  'resize_image',
  'checksum',
  'tokenize',
].map((name, i) => ({
  name,
  module: 'jobs',
  file: '/home/user/project/jobs.py',
  line: 10 + i * 12,
}));

/** mulberry32: small, fast, deterministic. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function processInfo(
  pid: number,
  name: string,
  role: ProcessInfo['role'],
  wallNs: number,
): ProcessInfo {
  const isMain = role === 'main';
  return {
    pid,
    ppid: isMain ? 1 : MAIN_PID,
    parentPid: isMain ? null : MAIN_PID,
    name,
    role,
    startMethod: 'fork',
    daemon: !isMain,
    target: null,
    createdNs: isMain ? 0 : 2e6,
    startNs: isMain ? 0 : 4e6,
    runBeginNs: isMain ? 0 : 6e6,
    runEndNs: wallNs - 2e6,
    exitNs: wallNs - 1e6,
    exitCode: 0,
    exception: null,
    connection: 'bye',
    threads: [{ tid: pid, name: 'MainThread' }],
  };
}

export function syntheticTrace(options: SyntheticOptions): Trace {
  const workers = options.workers ?? (options.events >= 50_000 ? 32 : 8);
  const cpuCount = options.cpuCount ?? 8;
  const next = random(options.seed ?? 1);
  // Each task brings a task span, a queue-get wait and two messages; core samples add the rest.
  const taskCount = Math.max(1, Math.floor((options.events * 0.99) / 4));
  const tasks: TaskSpan[] = [];
  const waits: WaitSpan[] = [];
  const messages: Message[] = [];
  const clock = new Float64Array(workers).fill(8e6);
  const busyByTick: Float64Array[] = [];
  for (let id = 0; id < taskCount; id++) {
    const w = id % workers;
    const pid = MAIN_PID + 1 + w;
    const fn = FUNCTIONS[Math.floor(next() * next() * FUNCTIONS.length)];
    const gap = 5e3 + next() * 40e3;
    const duration = 20e3 + -Math.log(1 - next()) * 150e3;
    const startNs = clock[w] + gap;
    const endNs = startNs + duration;
    clock[w] = endNs;
    const ok = next() > 0.002;
    const argBytes = 60 + Math.floor(next() * 2000);
    const resultBytes = 20 + Math.floor(next() * 400);
    const putNs = Math.max(0, startNs - gap - 20e3 * next());
    tasks.push({
      id,
      kind: 'pool',
      fn,
      pid,
      tid: pid,
      startNs,
      endNs,
      submitNs: putNs,
      submitPid: MAIN_PID,
      job: Math.floor(id / 1000),
      index: id % 1000,
      items: 1 + Math.floor(next() * 8),
      argBytes,
      resultBytes,
      ok,
      error: ok ? null : { type: 'ValueError', message: `bad record ${id}` },
    });
    waits.push({
      pid,
      tid: pid,
      kind: 'queue-get',
      startNs: startNs - gap,
      endNs: startNs - 1e3,
      objectId: 'pool-tasks',
      targetPid: null,
      ok: true,
    });
    messages.push(
      {
        id: 2 * id,
        channel: 'pool-tasks',
        bytes: argBytes,
        sendPid: MAIN_PID,
        sendTid: MAIN_PID,
        putNs,
        sendNs: putNs + 2e3,
        recvPid: pid,
        recvTid: pid,
        getNs: startNs - gap,
        recvNs: startNs - 1e3,
      },
      {
        id: 2 * id + 1,
        channel: 'pool-results',
        bytes: resultBytes,
        sendPid: pid,
        sendTid: pid,
        putNs: endNs,
        sendNs: endNs + 2e3,
        recvPid: MAIN_PID,
        recvTid: MAIN_PID + 100000,
        getNs: endNs + 1e3,
        recvNs: endNs + 5e3 + next() * 20e3,
      },
    );
    const ticks = (busyByTick[w] ??= new Float64Array(1024));
    addBusy(busyByTick, w, startNs, endNs, ticks);
  }
  const wallNs = Math.max(...clock) + 10e6;
  messages.sort((a, b) => a.putNs - b.putNs);
  const samples = coreSamples(busyByTick, workers, cpuCount, wallNs, next);
  const processes = [processInfo(MAIN_PID, 'MainProcess', 'main', wallNs)];
  processes[0].target = null;
  for (let w = 0; w < workers; w++) {
    processes.push(
      processInfo(MAIN_PID + 1 + w, `SpawnPoolWorker-${w + 1}`, 'pool-worker', wallNs),
    );
  }
  processes.push(processInfo(MAIN_PID + workers + 1, 'SyncManager-1', 'manager', wallNs));
  waits.push({
    pid: MAIN_PID,
    tid: MAIN_PID,
    kind: 'result',
    startNs: 8e6,
    endNs: wallNs - 5e6,
    objectId: null,
    targetPid: null,
    ok: true,
  });
  return {
    format: TRACE_FORMAT,
    version: TRACE_VERSION,
    meta: {
      profilerVersion: 'synthetic',
      command: ['python3', 'jobs.py'],
      cwd: '/home/user/project',
      script: 'jobs.py',
      module: null,
      python: { executable: '/usr/bin/python3', version: '3.11.7' },
      startMethod: 'fork',
      platform: 'linux',
      hostCpuCount: cpuCount,
      startedAtIso: '2026-01-01T00:00:00.000Z',
      clockBaseNs: '0',
      clock: 'shared',
      wallNs,
      exitCode: 0,
      signal: null,
      endReason: 'exited',
      warnings: [],
    },
    processes,
    tasks,
    waits,
    channels: [
      {
        id: 'pool-tasks',
        kind: 'pool-tasks',
        label: 'Pool tasks',
        createdPid: MAIN_PID,
        createdNs: 1e6,
        createdAt: null,
      },
      {
        id: 'pool-results',
        kind: 'pool-results',
        label: 'Pool results',
        createdPid: MAIN_PID,
        createdNs: 1e6,
        createdAt: null,
      },
    ],
    messages,
    managerCalls: [],
    cores: { available: true, reason: null, cpuCount, intervalMs: INTERVAL_MS, samples },
    counts: {
      total: tasks.length + waits.length + messages.length + samples.length,
      lost: 0,
      rejected: 0,
      rejectedReasons: {},
    },
  };
}

/** Adds [startNs, endNs) to worker w's busy time per sampling tick. */
function addBusy(
  all: Float64Array[],
  w: number,
  startNs: number,
  endNs: number,
  ticks: Float64Array,
): void {
  const tickNs = INTERVAL_MS * 1e6;
  let array = ticks;
  for (let t = startNs; t < endNs;) {
    const i = Math.floor(t / tickNs);
    if (i >= array.length) {
      const grown = new Float64Array(Math.max(i + 1, array.length * 2));
      grown.set(array);
      array = all[w] = grown;
    }
    const to = Math.min(endNs, (i + 1) * tickNs);
    array[i] += to - t;
    t = to;
  }
}

/** Samples per worker per tick: busy time shared among the cores, the rest of the demand waits. */
function coreSamples(
  busyByTick: Float64Array[],
  workers: number,
  cpuCount: number,
  wallNs: number,
  next: () => number,
): CoreSample[] {
  const tickNs = INTERVAL_MS * 1e6;
  const share = Math.min(1, cpuCount / workers);
  const samples: CoreSample[] = [];
  for (let w = 0; w < workers; w++) {
    const pid = MAIN_PID + 1 + w;
    let runNs = 0;
    let waitNs = 0;
    let cpu = w % cpuCount;
    for (let i = 0; i * tickNs <= wallNs; i++) {
      const busy = busyByTick[w]?.[i - 1] ?? 0;
      runNs += busy * share;
      waitNs += busy * (1 - share);
      if (next() < 0.05) cpu = Math.floor(next() * cpuCount);
      const state = busy > 0 ? 'R' : 'S';
      samples.push({ ts: i * tickNs, pid, tid: pid, cpu, state, runNs, waitNs });
    }
  }
  return samples;
}

if (typeof module !== 'undefined' && require.main === module) {
  const events = Number(process.argv[2] ?? 10000);
  const workers = process.argv[3] ? Number(process.argv[3]) : undefined;
  process.stdout.write(JSON.stringify(syntheticTrace({ events, workers })));
}
