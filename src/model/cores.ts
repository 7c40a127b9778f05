/**
 * What the `/proc` samples say about cores: which thread ran on which core when, and how many were
 * running or runnable-but-waiting over time. Derived from `schedstat` deltas between two samples of the
 * same thread, so a thread on a core for 30 % of an interval counts 0.3, not 1.
 */
import type { CoreData, CoreSample } from './trace';

/** A thread ran `onCpuNs` of [startNs, endNs) on core `cpu` (the core it last ran on at endNs). */
export interface CoreSlice {
  cpu: number;
  pid: number;
  tid: number;
  startNs: number;
  endNs: number;
  onCpuNs: number;
}

/** Over [startNs, endNs): mean threads on a core, and mean threads runnable but waiting for one. */
export interface ParallelismInterval {
  startNs: number;
  endNs: number;
  running: number;
  runnable: number;
}

/** Pairs of consecutive samples of each thread, in time order of the later sample. */
function consecutivePairs(samples: readonly CoreSample[]): [CoreSample, CoreSample][] {
  const last = new Map<number, CoreSample>();
  const pairs: [CoreSample, CoreSample][] = [];
  const ordered = [...samples].sort((a, b) => a.ts - b.ts);
  for (const sample of ordered) {
    const previous = last.get(sample.tid);
    if (previous && previous.pid === sample.pid && sample.ts > previous.ts) {
      pairs.push([previous, sample]);
    }
    last.set(sample.tid, sample);
  }
  return pairs;
}

function onCpuBetween(a: CoreSample, b: CoreSample): number {
  const span = b.ts - a.ts;
  if (a.runNs !== null && b.runNs !== null) {
    return Math.min(span, Math.max(0, b.runNs - a.runNs));
  }
  // Without schedstat, the state letter is all there is: R at both ends counts as running throughout.
  return a.state === 'R' && b.state === 'R' ? span : 0;
}

function waitingBetween(a: CoreSample, b: CoreSample): number {
  if (a.waitNs === null || b.waitNs === null) return 0;
  return Math.min(b.ts - a.ts, Math.max(0, b.waitNs - a.waitNs));
}

/** Every interval in which a sampled thread spent time on a core, for drawing core lanes. */
export function coreSlices(cores: CoreData): CoreSlice[] {
  const slices: CoreSlice[] = [];
  for (const [a, b] of consecutivePairs(cores.samples)) {
    const onCpuNs = onCpuBetween(a, b);
    if (onCpuNs > 0) {
      slices.push({ cpu: b.cpu, pid: b.pid, tid: b.tid, startNs: a.ts, endNs: b.ts, onCpuNs });
    }
  }
  return slices;
}

/**
 * Running / runnable counts over time in buckets of `bucketNs` (default: the sampling interval),
 * from `0` to `wallNs`. Each thread-interval's time is spread evenly over the buckets it overlaps.
 */
export function parallelismSeries(
  cores: CoreData,
  wallNs: number,
  bucketNs = Math.max(1, cores.intervalMs * 1e6),
): ParallelismInterval[] {
  const count = Math.max(1, Math.ceil(wallNs / bucketNs));
  const running = new Float64Array(count);
  const runnable = new Float64Array(count);
  for (const [a, b] of consecutivePairs(cores.samples)) {
    const span = b.ts - a.ts;
    const runRate = onCpuBetween(a, b) / span;
    const waitRate = waitingBetween(a, b) / span;
    if (runRate === 0 && waitRate === 0) continue;
    const first = Math.max(0, Math.floor(a.ts / bucketNs));
    const lastBucket = Math.min(count - 1, Math.floor((b.ts - 1) / bucketNs));
    for (let i = first; i <= lastBucket; i++) {
      const overlap = Math.min(b.ts, (i + 1) * bucketNs) - Math.max(a.ts, i * bucketNs);
      if (overlap <= 0) continue;
      running[i] += (runRate * overlap) / bucketNs;
      runnable[i] += (waitRate * overlap) / bucketNs;
    }
  }
  return Array.from(running, (value, i) => ({
    startNs: i * bucketNs,
    endNs: Math.min(wallNs, (i + 1) * bucketNs),
    running: value,
    runnable: runnable[i],
  }));
}

/** Mean number of threads on a core over the whole run: total on-CPU time / wall time. */
export function averageParallelism(cores: CoreData, wallNs: number): number {
  if (wallNs <= 0) return 0;
  let onCpu = 0;
  for (const [a, b] of consecutivePairs(cores.samples)) onCpu += onCpuBetween(a, b);
  return onCpu / wallNs;
}
