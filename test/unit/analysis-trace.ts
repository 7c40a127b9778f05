/** Hand-built traces for the analysis tests: a main process plus workers, in milliseconds. */
import type {
  ProcessInfo,
  ProcessRole,
  SourceRef,
  TaskSpan,
  Trace,
  WaitKind,
  WaitSpan,
} from '../../src/model/trace';

export const MS = 1e6;

export function fn(name: string, line = 10): SourceRef {
  return { name, module: '__main__', file: '/tmp/app.py', line };
}

export function proc(
  pid: number,
  role: ProcessRole,
  fromMs: number,
  toMs: number,
  extra: Partial<ProcessInfo> = {},
): ProcessInfo {
  const main = role === 'main';
  return {
    pid,
    ppid: main ? 1 : 100,
    parentPid: main ? null : 100,
    name: main ? 'MainProcess' : `Worker-${pid}`,
    role,
    startMethod: 'fork',
    daemon: !main,
    target: null,
    createdNs: main ? null : fromMs * MS,
    startNs: fromMs * MS,
    runBeginNs: main ? null : fromMs * MS,
    runEndNs: toMs * MS,
    exitNs: toMs * MS,
    exitCode: 0,
    exception: null,
    connection: 'bye',
    threads: [],
    ...extra,
  };
}

let nextTaskId = 1;

export function task(
  pid: number,
  fromMs: number,
  toMs: number,
  f: SourceRef,
  extra: Partial<TaskSpan> = {},
): TaskSpan {
  return {
    id: nextTaskId++,
    kind: 'pool',
    fn: f,
    pid,
    tid: pid,
    startNs: fromMs * MS,
    endNs: toMs * MS,
    submitNs: 0,
    submitPid: 100,
    job: 0,
    index: nextTaskId,
    items: 1,
    argBytes: 50,
    resultBytes: 30,
    ok: true,
    error: null,
    ...extra,
  };
}

export function wait(
  pid: number,
  kind: WaitKind,
  fromMs: number,
  toMs: number,
  objectId: string | null = null,
): WaitSpan {
  return {
    pid,
    tid: pid,
    kind,
    startNs: fromMs * MS,
    endNs: toMs * MS,
    objectId,
    targetPid: null,
    ok: true,
  };
}

export function makeTrace(wallMs: number, parts: Partial<Trace>, cpuCount = 2): Trace {
  return {
    format: 'parallel-profiler-trace',
    version: 1,
    meta: {
      profilerVersion: '0.1.0',
      command: ['python3', '/tmp/app.py'],
      cwd: '/tmp',
      script: '/tmp/app.py',
      module: null,
      python: { executable: 'python3', version: '3.11.7' },
      startMethod: 'fork',
      platform: 'linux',
      hostCpuCount: cpuCount,
      startedAtIso: '2026-01-01T00:00:00.000Z',
      clockBaseNs: '0',
      clock: 'shared',
      wallNs: wallMs * MS,
      exitCode: 0,
      signal: null,
      endReason: 'exited',
      warnings: [],
    },
    processes: [],
    tasks: [],
    waits: [],
    channels: [],
    messages: [],
    managerCalls: [],
    cores: { available: false, reason: 'test', cpuCount, intervalMs: 10, samples: [] },
    counts: { total: 0, lost: 0, rejected: 0, rejectedReasons: {} },
    ...parts,
  };
}
