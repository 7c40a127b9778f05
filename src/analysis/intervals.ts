/**
 * Set operations on time intervals. "Merged" lists are sorted, non-overlapping and non-empty; every
 * operation here returns one, and the binary ones expect merged inputs (linear merges, so 1M spans stay
 * fast).
 */

export interface Interval {
  startNs: number;
  endNs: number;
}

/** Sorts and merges overlapping or touching intervals; drops empty ones. */
export function union(intervals: readonly Interval[]): Interval[] {
  const sorted = intervals
    .filter((i) => i.endNs > i.startNs)
    .map((i) => ({ startNs: i.startNs, endNs: i.endNs }))
    .sort((a, b) => a.startNs - b.startNs);
  const merged: Interval[] = [];
  for (const next of sorted) {
    const last = merged[merged.length - 1];
    if (last && next.startNs <= last.endNs) last.endNs = Math.max(last.endNs, next.endNs);
    else merged.push(next);
  }
  return merged;
}

/** The parts of `a` not covered by `b`. */
export function subtract(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  let j = 0;
  for (const span of a) {
    let start = span.startNs;
    while (j < b.length && b[j].endNs <= start) j++;
    let k = j;
    while (k < b.length && b[k].startNs < span.endNs) {
      if (b[k].startNs > start) out.push({ startNs: start, endNs: b[k].startNs });
      start = Math.max(start, b[k].endNs);
      k++;
    }
    if (start < span.endNs) out.push({ startNs: start, endNs: span.endNs });
  }
  return out;
}

/** The parts covered by both `a` and `b`. */
export function intersect(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const start = Math.max(a[i].startNs, b[j].startNs);
    const end = Math.min(a[i].endNs, b[j].endNs);
    if (start < end) out.push({ startNs: start, endNs: end });
    if (a[i].endNs < b[j].endNs) i++;
    else j++;
  }
  return out;
}

export function totalNs(intervals: readonly Interval[]): number {
  let sum = 0;
  for (const i of intervals) sum += i.endNs - i.startNs;
  return sum;
}

/** Start (+1) and end (-1) edges of every interval of every list, in time order. */
export function concurrencyEdges(lists: readonly (readonly Interval[])[]): [number, number][] {
  const edges: [number, number][] = [];
  for (const list of lists) {
    for (const i of list) edges.push([i.startNs, 1], [i.endNs, -1]);
  }
  // Ends before starts at equal times, so touching intervals do not count as overlapping.
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return edges;
}

/** Maximal intervals within [fromNs, toNs) where the number of covering lists satisfies `keep`. */
export function whereConcurrency(
  lists: readonly (readonly Interval[])[],
  fromNs: number,
  toNs: number,
  keep: (count: number) => boolean,
): Interval[] {
  const out: Interval[] = [];
  let count = 0;
  let at = fromNs;
  const emit = (until: number) => {
    const start = Math.max(at, fromNs);
    const end = Math.min(until, toNs);
    if (end > start && keep(count)) out.push({ startNs: start, endNs: end });
  };
  for (const [time, delta] of concurrencyEdges(lists)) {
    if (time > at) {
      emit(time);
      at = time;
    }
    count += delta;
  }
  emit(toNs);
  return union(out);
}

/** The longest intervals first, at most `limit` of them. */
export function longest<T extends Interval>(intervals: readonly T[], limit: number): T[] {
  return [...intervals].sort((a, b) => b.endNs - b.startNs - (a.endNs - a.startNs)).slice(0, limit);
}
