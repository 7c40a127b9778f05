/**
 * Where each process's time went, in exclusive categories that add up to its lifetime. Overlaps are
 * resolved by priority: start-up, blocked waits, IPC, then work; what is left is idle.
 */
import { parallelismSeries } from '../model/cores';
import type { CoreSample, Trace } from '../model/trace';
import { type ProcessActivity, waitCategory } from './activity';
import {
  forEachByPriority,
  inStartOrder,
  type Interval,
  intersect,
  Longest,
  longest,
  union,
} from './intervals';
import type { BreakdownCategory, CategoryTime, ProcessBreakdown, TimeRange } from './types';

const MAX_INTERVALS = 50;
/** A sampling bucket counts as "runnable" when a thread waited for a core this share of it or more. */
const RUNNABLE_MIN_SHARE = 0.05;

/**
 * Gaps between a worker's tasks, split at the next task's submit time: before it the worker had
 * nothing to do (starved); after it the task was waiting on the pipe, the (un)pickling and the result
 * hand-off (IPC). A gap with an unknown submit time counts as IPC.
 */
function taskGaps(activity: ProcessActivity): { starved: Interval[]; ipc: Interval[] } {
  // In start order, as byPriority needs; empty pieces are harmless there.
  const starved: Interval[] = [];
  const ipc: Interval[] = [];
  let previousEnd = activity.run.startNs;
  for (const task of activity.tasks) {
    if (task.startNs > previousEnd) {
      const submit = task.submitNs ?? previousEnd;
      const split = Math.min(task.startNs, Math.max(previousEnd, submit));
      starved.push({ startNs: previousEnd, endNs: split });
      ipc.push({ startNs: split, endNs: task.startNs });
    }
    previousEnd = Math.max(previousEnd, task.endNs);
  }
  return { starved, ipc };
}

/**
 * Time this process's threads waited for a core while it was working (`running`, merged), and the
 * parts of `running` where they did: each sampling bucket's wait is counted in proportion to how much
 * of the bucket was working time.
 */
function runnableTime(
  samples: CoreSample[] | undefined,
  trace: Trace,
  running: readonly Interval[],
): { ns: number; intervals: Interval[] } {
  if (!samples || !trace.cores.available) return { ns: 0, intervals: [] };
  let ns = 0;
  const buckets: Interval[] = [];
  let j = 0;
  for (const bucket of parallelismSeries({ ...trace.cores, samples }, trace.meta.wallNs)) {
    if (bucket.runnable <= 0) continue;
    while (j < running.length && running[j].endNs <= bucket.startNs) j++;
    let overlap = 0;
    for (let k = j; k < running.length && running[k].startNs < bucket.endNs; k++) {
      overlap +=
        Math.min(bucket.endNs, running[k].endNs) - Math.max(bucket.startNs, running[k].startNs);
    }
    ns += bucket.runnable * overlap;
    if (overlap > 0 && bucket.runnable >= RUNNABLE_MIN_SHARE) buckets.push(bucket);
  }
  return { ns, intervals: intersect(union(buckets), running) };
}

/** A category's time and its longest pieces (at most MAX_INTERVALS), in time order. */
function categoryTime(ns: number, longestPieces: readonly Interval[], pid: number): CategoryTime {
  const ranges: TimeRange[] = longestPieces.map((i) => ({
    startNs: i.startNs,
    endNs: i.endNs,
    pid,
  }));
  return { ns, intervals: ranges.sort((a, b) => a.startNs - b.startNs) };
}

export function processBreakdowns(
  trace: Trace,
  activities: readonly ProcessActivity[],
): ProcessBreakdown[] {
  const samplesByPid = new Map<number, CoreSample[]>();
  for (const s of trace.cores.samples) {
    const list = samplesByPid.get(s.pid);
    if (list) list.push(s);
    else samplesByPid.set(s.pid, [s]);
  }
  const sent = new Map<number, number>();
  const received = new Map<number, number>();
  // Main-thread IPC: from a send() call to the write (pickling in the caller; a Queue's feeder
  // thread writes later, in another thread) and from a get() call to the end of the read.
  // Only for processes without tasks: a worker's IPC is the gaps between its tasks.
  const messageIpc = new Map<number, Interval[]>();
  const withoutTasks = new Set(
    activities.filter((a) => a.tasks.length === 0).map((a) => a.process.pid),
  );
  const addIpc = (pid: number, startNs: number | null, endNs: number | null) => {
    if (!withoutTasks.has(pid) || startNs === null || endNs === null || endNs <= startNs) return;
    const list = messageIpc.get(pid);
    if (list) list.push({ startNs, endNs });
    else messageIpc.set(pid, [{ startNs, endNs }]);
  };
  for (const m of trace.messages) {
    sent.set(m.sendPid, (sent.get(m.sendPid) ?? 0) + (m.bytes ?? 0));
    if (m.sendTid === m.sendPid) addIpc(m.sendPid, m.putNs, m.sendNs);
    if (m.recvPid === null) continue;
    received.set(m.recvPid, (received.get(m.recvPid) ?? 0) + (m.bytes ?? 0));
    if (m.recvTid === m.recvPid) addIpc(m.recvPid, m.getNs, m.recvNs);
  }

  return activities.map((activity) => {
    const { pid } = activity.process;
    // Waits are in start order, so each category's list is too.
    const byWait: Record<'contention' | 'join' | 'starved', Interval[]> = {
      contention: [],
      join: [],
      starved: [],
    };
    for (const w of activity.waits) byWait[waitCategory(w.kind)].push(w);
    const gaps = activity.tasks.length > 0 ? taskGaps(activity) : { starved: [], ipc: [] };
    const ordered: [BreakdownCategory, (readonly Interval[])[]][] = [
      ['startup', [activity.startup]],
      ['contention', [byWait.contention]],
      ['join', [byWait.join]],
      ['starved', [byWait.starved, gaps.starved]],
      ['ipc', [gaps.ipc, inStartOrder(messageIpc.get(pid) ?? [])]],
      ['running', [activity.busy]],
    ];
    // Per category (and idle, last): its total and its longest pieces; the running pieces in full.
    const IDLE = ordered.length;
    const RUNNING = IDLE - 1;
    const sums = new Float64Array(ordered.length + 1);
    const longestPieces = Array.from(sums, () => new Longest<Interval>(MAX_INTERVALS));
    const running: Interval[] = [];
    forEachByPriority(
      ordered.map(([, lists]) => lists),
      activity.lifetime,
      (group, startNs, endNs) => {
        const slot = group < 0 ? IDLE : group;
        sums[slot] += endNs - startNs;
        if (slot !== RUNNING && !longestPieces[slot].accepts(endNs - startNs)) return;
        const piece = { startNs, endNs };
        longestPieces[slot].offer(piece);
        if (slot === RUNNING) running.push(piece);
      },
    );
    const categories = {} as Record<BreakdownCategory, CategoryTime>;
    ordered.forEach(([category], i) => {
      categories[category] = categoryTime(sums[i], longestPieces[i].kept, pid);
    });
    categories.idle = categoryTime(sums[IDLE], longestPieces[IDLE].kept, pid);
    // Waiting for a core happens while "working": carve it out of running so the total still adds up.
    const runnable = runnableTime(samplesByPid.get(pid), trace, running);
    const runnableNs = Math.min(runnable.ns, categories.running.ns);
    categories.running.ns -= runnableNs;
    categories.runnable = categoryTime(runnableNs, longest(runnable.intervals, MAX_INTERVALS), pid);
    return {
      pid,
      name: activity.process.name,
      role: activity.process.role,
      lifetimeNs: activity.lifetime.endNs - activity.lifetime.startNs,
      categories,
      bytesSent: sent.get(pid) ?? 0,
      bytesReceived: received.get(pid) ?? 0,
    };
  });
}
