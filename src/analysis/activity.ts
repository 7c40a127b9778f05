/**
 * What each process was doing, as merged interval lists: its lifetime, when it did work (busy), and
 * its blocked time by kind. The shared input of the scaling figures, the time breakdown and the findings.
 */
import { parallelismSeries } from '../model/cores';
import type { ChannelKind, ProcessInfo, TaskSpan, Trace, WaitKind, WaitSpan } from '../model/trace';
import { type Interval, subtract, union } from './intervals';
import { groupBy } from './util';

export type WaitCategory = 'contention' | 'join' | 'starved';

const WAIT_CATEGORY: Record<WaitKind, WaitCategory> = {
  'queue-put': 'contention',
  'pipe-send': 'contention',
  lock: 'contention',
  semaphore: 'contention',
  condition: 'contention',
  event: 'contention',
  barrier: 'contention',
  join: 'join',
  result: 'join',
  'queue-join': 'join',
  'queue-get': 'starved',
  'pipe-recv': 'starved',
};

export function waitCategory(kind: WaitKind): WaitCategory {
  return WAIT_CATEGORY[kind];
}

export interface ProcessActivity {
  process: ProcessInfo;
  /** Counted among the workers (not the main process, a manager or a helper). */
  isWorker: boolean;
  /** Counted in the parallelism (managers and helpers serve others; their time is not work). */
  doesWork: boolean;
  lifetime: Interval;
  /** The process body ran: from runBegin (from the launch, for the main process) to runEnd / exit. */
  run: Interval;
  /** createdNs..runBeginNs: interpreter start-up, imports, unpickling the process object. */
  startup: Interval[];
  /** A Pool or executor worker (or any process that ran tasks): its work is its tasks. */
  runsTasks: boolean;
  tasks: TaskSpan[];
  /**
   * The task a Pool or executor worker was running when a signal killed it (`Pool.terminate()`)
   * if it has no span (a worker's task page gives it an `Unfinished` one; a trace of a runtime
   * without pages has none, as spans are sent when they end): from the worker's receipt of its
   * last task after its last span until its exit.
   */
  unfinishedTask: Interval | null;
  /**
   * For a process that runs tasks, their execution only (none for a worker killed before its first
   * task); for any other process, its run time minus its main thread's waits and minus the sampling
   * intervals in which its main thread was blocked (/proc samples).
   */
  busy: Interval[];
  /** Main-thread waits of this process. */
  waits: WaitSpan[];
}

function firstNumber(...values: (number | null)[]): number | null {
  for (const v of values) if (v !== null) return v;
  return null;
}

/** A thread running or runnable less than this share of a sampling interval was blocked then. */
const BLOCKED_SHARE = 0.5;

/**
 * Per pid, the sampling intervals in which its main thread was mostly neither on a core nor waiting
 * for one: it was blocked, in a wait the runtime may not record (e.g. inside Pool.map).
 */
function blockedByPid(trace: Trace): Map<number, Interval[]> {
  const blocked = new Map<number, Interval[]>();
  if (!trace.cores.available) return blocked;
  const mainThreads = groupBy(
    trace.cores.samples.filter((s) => s.tid === s.pid),
    (s) => s.pid,
  );
  for (const [pid, samples] of mainThreads) {
    let first = Infinity;
    let last = -Infinity;
    for (const s of samples) [first, last] = [Math.min(first, s.ts), Math.max(last, s.ts)];
    const series = parallelismSeries({ ...trace.cores, samples }, trace.meta.wallNs);
    const off = series.filter(
      (b) => b.running + b.runnable < BLOCKED_SHARE && b.startNs >= first && b.endNs <= last,
    );
    blocked.set(pid, union(off));
  }
  return blocked;
}

const TASK_CHANNELS: ReadonlySet<ChannelKind> = new Set(['pool-tasks', 'executor-calls']);

/** Per worker pid, when it last received a task (a Pool chunk or an executor call item). */
function lastTaskReceived(trace: Trace): Map<number, number> {
  const channels = new Set(
    trace.channels.filter((c) => TASK_CHANNELS.has(c.kind)).map((c) => c.id),
  );
  const last = new Map<number, number>();
  for (const m of trace.messages) {
    if (m.recvPid === null || m.recvNs === null || !channels.has(m.channel)) continue;
    last.set(m.recvPid, Math.max(last.get(m.recvPid) ?? -Infinity, m.recvNs));
  }
  return last;
}

function unfinishedTask(
  process: ProcessInfo,
  tasks: readonly TaskSpan[],
  received: number | undefined,
  lifetime: Interval,
): Interval | null {
  if (received === undefined || process.exitCode === null || process.exitCode >= 0) return null;
  const lastEnd = tasks.reduce((end, t) => Math.max(end, t.endNs), -Infinity);
  if (received < lastEnd || received >= lifetime.endNs) return null;
  return { startNs: received, endNs: lifetime.endNs };
}

export function processActivities(trace: Trace): ProcessActivity[] {
  const wallNs = trace.meta.wallNs;
  const blocked = blockedByPid(trace);
  const received = lastTaskReceived(trace);
  const tasksByPid = groupBy(trace.tasks, (t) => t.pid);
  const waitsByPid = groupBy(
    trace.waits.filter((w) => w.tid === w.pid),
    (w) => w.pid,
  );
  return trace.processes.map((process) => {
    const isMain = process.role === 'main';
    const tasks = (tasksByPid.get(process.pid) ?? []).sort((a, b) => a.startNs - b.startNs);
    const waits = (waitsByPid.get(process.pid) ?? []).sort((a, b) => a.startNs - b.startNs);
    // The main process runs from the launch: its runtime connects only at its first flush, so
    // whatever it did before (imports, preparing data) is its own work, not a start-up phase.
    const begin = isMain
      ? 0
      : (firstNumber(process.createdNs, process.startNs, process.runBeginNs) ?? 0);
    const end = Math.min(wallNs, firstNumber(process.exitNs, process.runEndNs) ?? wallNs);
    const lifetime = { startNs: begin, endNs: Math.max(begin, end) };
    const runBegin = isMain ? 0 : (firstNumber(process.runBeginNs, process.startNs) ?? begin);
    const runEnd = Math.min(
      lifetime.endNs,
      firstNumber(process.runEndNs, process.exitNs) ?? wallNs,
    );
    const run = { startNs: runBegin, endNs: Math.max(runBegin, runEnd) };
    const startup = union([{ startNs: begin, endNs: Math.min(runBegin, lifetime.endNs) }]);
    const doesWork = process.role !== 'manager' && process.role !== 'helper';
    const runsTasks =
      process.role === 'pool-worker' || process.role === 'executor-worker' || tasks.length > 0;
    const unfinished = runsTasks
      ? unfinishedTask(process, tasks, received.get(process.pid), lifetime)
      : null;
    const busy = !doesWork
      ? []
      : runsTasks
        ? union(unfinished ? [...tasks, unfinished] : tasks)
        : subtract(union([run]), union([...waits, ...(blocked.get(process.pid) ?? [])]));
    return {
      process,
      isWorker: doesWork && !isMain,
      doesWork,
      lifetime,
      run,
      startup,
      runsTasks,
      tasks,
      unfinishedTask: unfinished,
      busy,
      waits,
    };
  });
}
