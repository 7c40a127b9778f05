/**
 * How well the run scaled: achieved parallelism, efficiency, serial fraction, speedup over doing it all
 * in one process, an Amdahl projection, and parallelism over time with its worst windows.
 */
import { averageParallelism } from '../model/cores';
import type { Trace } from '../model/trace';
import type { ProcessActivity } from './activity';
import { forEachEdge, type Interval, totalNs, union, whereConcurrency } from './intervals';
import type { ParallelismPoint, ScalingFigures } from './types';

const SERIES_POINTS = 200;
const WORST_WINDOWS = 3;

/** Peak number of intervals open at once. */
function peakConcurrency(intervals: readonly Interval[]): number {
  let open = 0;
  let peak = 0;
  forEachEdge([intervals], (_timeNs, delta) => {
    open += delta;
    peak = Math.max(peak, open);
  });
  return peak;
}

/** Mean busy processes per bucket of `bucketNs` from 0 to wallNs. */
function busySeries(busy: readonly Interval[][], wallNs: number): ParallelismPoint[] {
  const count = Math.max(1, Math.min(SERIES_POINTS, Math.ceil(wallNs / 1e6)));
  const bucketNs = wallNs / count;
  const sums = new Float64Array(count);
  for (const list of busy) {
    for (const { startNs, endNs } of list) {
      const first = Math.max(0, Math.floor(startNs / bucketNs));
      const last = Math.min(count - 1, Math.floor(endNs / bucketNs));
      for (let b = first; b <= last; b++) {
        const overlap = Math.min(endNs, (b + 1) * bucketNs) - Math.max(startNs, b * bucketNs);
        if (overlap > 0) sums[b] += overlap;
      }
    }
  }
  return Array.from(sums, (sum, b) => ({
    startNs: b * bucketNs,
    endNs: (b + 1) * bucketNs,
    busy: sum / bucketNs,
  }));
}

/** Non-overlapping windows of about a tenth of `span` with the lowest mean parallelism. */
function worstWindows(series: readonly ParallelismPoint[], span: Interval): ParallelismPoint[] {
  const inSpan = series.filter((p) => p.endNs > span.startNs && p.startNs < span.endNs);
  if (inSpan.length === 0) return [];
  const width = Math.max(1, Math.round(inSpan.length / 10));
  const windows: (ParallelismPoint & { first: number })[] = [];
  let sum = 0;
  for (let i = 0; i < inSpan.length; i++) {
    sum += inSpan[i].busy;
    if (i >= width) sum -= inSpan[i - width].busy;
    if (i >= width - 1) {
      const first = i - width + 1;
      const startNs = inSpan[first].startNs;
      // Clamped: the running sum can drift a hair below zero over idle buckets.
      windows.push({ first, startNs, endNs: inSpan[i].endNs, busy: Math.max(0, sum / width) });
    }
  }
  windows.sort((a, b) => a.busy - b.busy || a.startNs - b.startNs);
  const chosen: typeof windows = [];
  for (const w of windows) {
    if (chosen.every((c) => Math.abs(c.first - w.first) >= width)) chosen.push(w);
    if (chosen.length === WORST_WINDOWS) break;
  }
  return chosen.map(({ startNs, endNs, busy }) => ({ startNs, endNs, busy }));
}

export function scalingFigures(
  trace: Trace,
  activities: readonly ProcessActivity[],
): ScalingFigures {
  const wallNs = Math.max(1, trace.meta.wallNs);
  const workerLives = activities.filter((a) => a.isWorker).map((a) => a.lifetime);
  const workers = Math.max(1, peakConcurrency(workerLives));
  const cores = Math.max(1, trace.cores.cpuCount || trace.meta.hostCpuCount || 1);
  const working = activities.filter((a) => a.doesWork);
  const busy = working.map((a) => a.busy);
  const busyNs = busy.reduce((sum, list) => sum + totalNs(list), 0);
  const parallelism = busyNs / wallNs;
  const slots = Math.min(workers, cores);
  const serialNs = totalNs(whereConcurrency(busy, 0, wallNs, (n) => n <= 1));
  const serialFraction = serialNs / wallNs;
  // Done serially: every task once (even where tasks of one process overlapped) plus the rest's own work.
  const serialEstimateNs = working.reduce((sum, a) => {
    if (!a.runsTasks) return sum + totalNs(a.busy);
    const unfinished = a.unfinishedTask ? a.unfinishedTask.endNs - a.unfinishedTask.startNs : 0;
    return sum + a.tasks.reduce((s, t) => s + Math.max(0, t.endNs - t.startNs), unfinished);
  }, 0);
  const slots2x = Math.min(workers * 2, cores);
  const amdahlWallNs = wallNs * (serialFraction + ((1 - serialFraction) * slots) / slots2x);
  const series = busySeries(busy, wallNs);
  const workerSpan = union(workerLives);
  const span =
    workerSpan.length > 0
      ? { startNs: workerSpan[0].startNs, endNs: workerSpan[workerSpan.length - 1].endNs }
      : { startNs: 0, endNs: wallNs };
  const hasCores = trace.cores.available && trace.cores.samples.length > 0;
  return {
    wallNs,
    workers,
    cores,
    busyNs,
    parallelism,
    // Capped: more processes working than cores is oversubscription (a finding), not efficiency.
    efficiency: Math.min(parallelism, slots) / slots,
    efficiencyVsWorkers: parallelism / workers,
    efficiencyVsCores: parallelism / cores,
    serialFraction,
    serialEstimateNs,
    speedup: serialEstimateNs / wallNs,
    amdahl2x: {
      workers: workers * 2,
      wallNs: amdahlWallNs,
      speedup: serialEstimateNs / amdahlWallNs,
    },
    cpuParallelism: hasCores ? averageParallelism(trace.cores, wallNs) : null,
    series,
    worstWindows: worstWindows(series, span),
  };
}
