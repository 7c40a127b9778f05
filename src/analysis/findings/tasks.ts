/**
 * Findings about Pool / executor tasks, per task function: tasks too small for their per-task
 * overhead (with the chunksize that would fit), and load imbalance (the join tail behind stragglers).
 */
import type { SourceRef, TaskSpan } from '../../model/trace';
import { bytes, groupBy, median, medianOf, ms, percent } from '../util';
import type { FindingContext, FindingDraft } from './context';

/** Overhead at most this share of a chunk's time once the suggested chunksize is used. */
const TARGET_OVERHEAD_SHARE = 0.1;
/** Flag small tasks when the per-task overhead is at least this share of task + overhead. */
const SMALL_TASK_OVERHEAD_SHARE = 0.3;
const MIN_TASKS = 20;
/** Flag imbalance when the mean idle tail is at least this share of the tasks' span. */
const IMBALANCE_TAIL_SHARE = 0.15;

const duration = (t: TaskSpan) => Math.max(0, t.endNs - t.startNs);

/** First start and last end (loops, not spreads: a run can have a million tasks). */
function extent(tasks: readonly TaskSpan[]): { startNs: number; endNs: number } {
  let startNs = Infinity;
  let endNs = -Infinity;
  for (const t of tasks) {
    startNs = Math.min(startNs, t.startNs);
    endNs = Math.max(endNs, t.endNs);
  }
  return { startNs, endNs };
}

/** One task function's tasks, with what both detectors need computed once. */
interface TaskGroup {
  tasks: TaskSpan[];
  /** The same tasks per worker pid, each list in start order. */
  perWorker: Map<number, TaskSpan[]>;
  medianNs: number;
  medianItems: number;
}

function taskGroup(tasks: TaskSpan[]): TaskGroup {
  const perWorker = groupBy(tasks, (t) => t.pid);
  for (const list of perWorker.values()) list.sort((a, b) => a.startNs - b.startNs);
  return {
    tasks,
    perWorker,
    medianNs: medianOf(tasks, duration),
    medianItems: medianOf(tasks, (t) => t.items ?? 1),
  };
}

/**
 * Per task, the gap on its worker since the task before it (of any function): the per-task overhead.
 * Measured within one function's tasks instead, a gap would span the other functions' tasks.
 */
function gapsBeforeTasks(ctx: FindingContext): Map<TaskSpan, number> {
  const gaps = new Map<TaskSpan, number>();
  for (const { tasks } of ctx.activities) {
    for (let i = 1; i < tasks.length; i++) {
      gaps.set(tasks[i], Math.max(0, tasks[i].startNs - tasks[i - 1].endNs));
    }
  }
  return gaps;
}

/** The gaps before these tasks (a worker's first task has none). */
function interTaskGaps(tasks: readonly TaskSpan[], gapBefore: Map<TaskSpan, number>): Float64Array {
  const gaps: number[] = [];
  for (const task of tasks) {
    const gap = gapBefore.get(task);
    if (gap !== undefined) gaps.push(gap);
  }
  return Float64Array.from(gaps);
}

/** Items per job: Pool.map's default chunksize is ceil(items / (4 * workers)). */
function largestJobItems(tasks: readonly TaskSpan[]): number {
  // Keyed by submitter, then job number: no key string per task.
  const items = new Map<number | null, Map<number | null, number>>();
  let largest = 0;
  for (const t of tasks) {
    let jobs = items.get(t.submitPid);
    if (!jobs) items.set(t.submitPid, (jobs = new Map()));
    const sum = (jobs.get(t.job) ?? 0) + (t.items ?? 1);
    jobs.set(t.job, sum);
    largest = Math.max(largest, sum);
  }
  return largest;
}

function smallTasks(
  group: TaskGroup,
  gapBefore: Map<TaskSpan, number>,
  ctx: FindingContext,
): FindingDraft | null {
  const { tasks, medianNs: taskNs, medianItems: itemsPerTask } = group;
  if (tasks.length < MIN_TASKS) return null;
  const fn = tasks[0].fn;
  const workers = group.perWorker.size;
  const gaps = interTaskGaps(tasks, gapBefore);
  const overheadNs = median(gaps);
  if (overheadNs / (overheadNs + taskNs) < SMALL_TASK_OVERHEAD_SHARE) return null;
  const itemNs = Math.max(1, taskNs / Math.max(1, itemsPerTask));
  const items = largestJobItems(tasks);
  const defaultChunk = Math.ceil(items / (4 * workers));
  const fitting = Math.ceil(overheadNs / TARGET_OVERHEAD_SHARE / itemNs);
  const chunksize = Math.max(
    Math.ceil(itemsPerTask) + 1,
    Math.min(fitting, Math.ceil(items / workers)),
  );
  const gapNs = gaps.reduce((a, b) => a + b, 0);
  const busyNs = tasks.reduce((sum, t) => sum + duration(t), 0);
  const argBytes = medianOf(tasks, (t) => t.argBytes ?? 0);
  const resultBytes = medianOf(tasks, (t) => t.resultBytes ?? 0);
  const kind = tasks[0].kind;
  const fix =
    kind === 'pool'
      ? `Pass chunksize=${chunksize} to map/imap/imap_unordered/starmap of ${fn.name} so each task ` +
        `carries enough work (now ${itemsPerTask} item(s) per task; Pool.map's default for ` +
        `${items} items on ${workers} workers would be ${defaultChunk}).`
      : `Batch the work for ${fn.name}: executor.map(..., chunksize=${chunksize}) or submit lists ` +
        `of ~${chunksize} items per call instead of one item per submit().`;
  return {
    kind: 'small-tasks',
    title: `Tasks of ${fn.name} are too small for their IPC cost`,
    costNs: gapNs / Math.max(1, Math.min(workers, ctx.slots)),
    evidence: [
      { label: 'tasks', value: `${tasks.length} on ${workers} workers` },
      { label: 'median task time', value: ms(taskNs) },
      { label: 'median overhead between tasks', value: ms(overheadNs) },
      { label: 'overhead share', value: percent(gapNs / Math.max(1, gapNs + busyNs)) },
      { label: 'items per task', value: String(itemsPerTask) },
      { label: 'median bytes in / out', value: `${bytes(argBytes)} / ${bytes(resultBytes)}` },
      { label: 'suggested chunksize', value: String(chunksize) },
    ],
    fix,
    location: fn,
    ranges: [extent(tasks)],
  };
}

/** Task durations in power-of-two buckets of milliseconds, e.g. "1-2 ms: 40". */
function histogram(tasks: readonly TaskSpan[]): string {
  const counts = new Map<number, number>();
  for (const t of tasks) {
    const bucket = Math.max(-10, Math.floor(Math.log2(Math.max(1, duration(t)) / 1e6)));
    counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([b, n]) => `${ms(2 ** b * 1e6)}-${ms(2 ** (b + 1) * 1e6)}: ${n}`)
    .join(', ');
}

function loadImbalance(group: TaskGroup): FindingDraft | null {
  const { tasks, perWorker, medianNs } = group;
  if (perWorker.size < 2) return null;
  const { startNs, endNs } = extent(tasks);
  const tails = [...perWorker.entries()].map(([pid, list]) => ({
    pid,
    startNs: extent(list).endNs,
    endNs,
  }));
  const tailNs = tails.reduce((sum, t) => sum + (t.endNs - t.startNs), 0) / tails.length;
  if (tailNs < IMBALANCE_TAIL_SHARE * (endNs - startNs)) return null;
  const fn = tasks[0].fn;
  const longestTask = tasks.reduce((a, b) => (duration(b) > duration(a) ? b : a));
  const chunked = group.medianItems > 1;
  const fix = chunked
    ? `Use a smaller chunksize for ${fn.name} (e.g. imap_unordered(..., chunksize=1)) so uneven ` +
      `items spread over the workers instead of landing in one big chunk.`
    : `Split the longest calls of ${fn.name} into smaller pieces, or submit the most expensive ` +
      `items first so no worker is left with a long one at the end.`;
  return {
    kind: 'load-imbalance',
    title: `Load imbalance in ${fn.name}: workers wait for a straggler`,
    costNs: tailNs,
    evidence: [
      { label: 'mean idle tail per worker', value: ms(tailNs) },
      { label: 'task span', value: ms(endNs - startNs) },
      { label: 'longest task', value: `${ms(duration(longestTask))} on pid ${longestTask.pid}` },
      { label: 'median task', value: ms(medianNs) },
      { label: 'task durations', value: histogram(tasks) },
    ],
    fix,
    location: fn,
    ranges: [
      { startNs: longestTask.startNs, endNs: longestTask.endNs, pid: longestTask.pid },
      ...tails.filter((t) => t.endNs > t.startNs),
    ],
  };
}

function sameSource(a: SourceRef, b: SourceRef): boolean {
  return (
    a.name === b.name &&
    (a.module ?? '') === (b.module ?? '') &&
    (a.file ?? '') === (b.file ?? '') &&
    (a.line ?? '') === (b.line ?? '')
  );
}

/**
 * Tasks per function (same name, module, file and line) in order of first appearance: looked up by
 * name, then compared, so no key string is built per task.
 */
function tasksByFunction(tasks: readonly TaskSpan[]): TaskSpan[][] {
  const groups: TaskSpan[][] = [];
  const byName = new Map<string, TaskSpan[][]>();
  for (const task of tasks) {
    let named = byName.get(task.fn.name);
    if (!named) byName.set(task.fn.name, (named = []));
    let group = named.find((g) => sameSource(g[0].fn, task.fn));
    if (!group) {
      named.push((group = []));
      groups.push(group);
    }
    group.push(task);
  }
  return groups;
}

export function taskFindings(ctx: FindingContext): FindingDraft[] {
  const findings: FindingDraft[] = [];
  const gapBefore = gapsBeforeTasks(ctx);
  for (const tasks of tasksByFunction(ctx.trace.tasks)) {
    const group = taskGroup(tasks);
    const small = smallTasks(group, gapBefore, ctx);
    if (small) findings.push(small);
    const imbalance = loadImbalance(group);
    if (imbalance) findings.push(imbalance);
  }
  return findings;
}
