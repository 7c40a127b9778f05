/**
 * Findings about Pool / executor tasks, per task function: tasks too small for their per-task
 * overhead (with the chunksize that would fit), and load imbalance (the join tail behind stragglers).
 */
import type { TaskSpan } from '../../model/trace';
import { bytes, groupBy, median, ms, percent } from '../util';
import { type FindingContext, type FindingDraft, sourceKey } from './context';

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

/** Gaps between consecutive tasks of one function on the same worker: the per-task overhead. */
function interTaskGaps(tasks: readonly TaskSpan[]): number[] {
  const gaps: number[] = [];
  for (const perWorker of groupBy(tasks, (t) => t.pid).values()) {
    perWorker.sort((a, b) => a.startNs - b.startNs);
    for (let i = 1; i < perWorker.length; i++) {
      gaps.push(Math.max(0, perWorker[i].startNs - perWorker[i - 1].endNs));
    }
  }
  return gaps;
}

/** Items per job: Pool.map's default chunksize is ceil(items / (4 * workers)). */
function largestJobItems(tasks: readonly TaskSpan[]): number {
  const jobs = groupBy(tasks, (t) => `${t.submitPid}:${t.job}`);
  let largest = 0;
  for (const job of jobs.values()) {
    largest = Math.max(
      largest,
      job.reduce((sum, t) => sum + (t.items ?? 1), 0),
    );
  }
  return largest;
}

function smallTasks(tasks: TaskSpan[], ctx: FindingContext): FindingDraft | null {
  if (tasks.length < MIN_TASKS) return null;
  const fn = tasks[0].fn;
  const workers = new Set(tasks.map((t) => t.pid)).size;
  const taskNs = median(tasks.map(duration));
  const gaps = interTaskGaps(tasks);
  const overheadNs = median(gaps);
  if (overheadNs / (overheadNs + taskNs) < SMALL_TASK_OVERHEAD_SHARE) return null;
  const itemsPerTask = median(tasks.map((t) => t.items ?? 1));
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
  const argBytes = median(tasks.map((t) => t.argBytes ?? 0));
  const resultBytes = median(tasks.map((t) => t.resultBytes ?? 0));
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

function loadImbalance(tasks: TaskSpan[]): FindingDraft | null {
  const perWorker = groupBy(tasks, (t) => t.pid);
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
  const medianNs = median(tasks.map(duration));
  const chunked = median(tasks.map((t) => t.items ?? 1)) > 1;
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

export function taskFindings(ctx: FindingContext): FindingDraft[] {
  const findings: FindingDraft[] = [];
  for (const tasks of groupBy(ctx.trace.tasks, (t) => sourceKey(t.fn)).values()) {
    const small = smallTasks(tasks, ctx);
    if (small) findings.push(small);
    const imbalance = loadImbalance(tasks);
    if (imbalance) findings.push(imbalance);
  }
  return findings;
}
