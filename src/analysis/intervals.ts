/**
 * Set operations on time intervals. "Merged" lists are sorted, non-overlapping and non-empty; every
 * operation here returns one, and the binary ones expect merged inputs (linear merges, so 1M spans stay
 * fast).
 */

export interface Interval {
  startNs: number;
  endNs: number;
}

/** The intervals in order of start: the list itself when it already is (no copy, no sort). */
export function inStartOrder<T extends Interval>(intervals: readonly T[]): readonly T[] {
  for (let i = 1; i < intervals.length; i++) {
    if (intervals[i].startNs < intervals[i - 1].startNs) {
      return [...intervals].sort((a, b) => a.startNs - b.startNs);
    }
  }
  return intervals;
}

/**
 * Sorts and merges overlapping or touching intervals; drops empty ones. Input already in order (task
 * spans, waits, another merged list) is not sorted again.
 */
export function union(intervals: readonly Interval[]): Interval[] {
  const merged: Interval[] = [];
  let last: Interval | null = null;
  for (const { startNs, endNs } of inStartOrder(intervals)) {
    if (!(endNs > startNs)) continue;
    if (last && startNs <= last.endNs) last.endNs = Math.max(last.endNs, endNs);
    else merged.push((last = { startNs, endNs }));
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

/**
 * Shares `within` out among groups of lists by priority: each instant goes to the first group with a
 * list covering it (group -1: none does). Visits the pieces in time order, each maximal (the next
 * piece goes to another group). The lists need only be in start order: they may overlap, touch or
 * hold empty intervals. One walk over all lists at once, nothing allocated per piece.
 */
export function forEachByPriority(
  groups: readonly (readonly (readonly Interval[])[])[],
  within: Interval,
  visit: (group: number, startNs: number, endNs: number) => void,
): void {
  const lists = groups.flatMap((lists, group) => lists.map((list) => ({ list, group, next: 0 })));
  let pieceGroup = -1;
  let pieceStart = within.startNs;
  for (let t = within.startNs; t < within.endNs;) {
    // The first list covering t wins until its interval ends or a list before it begins; none wins
    // until any list begins. In start order, a list's first interval not ended by t is the only one
    // that can cover t.
    let winner = -1;
    let until = within.endNs;
    for (let i = 0; i < lists.length && winner < 0; i++) {
      const cursor = lists[i];
      while (cursor.next < cursor.list.length && cursor.list[cursor.next].endNs <= t) cursor.next++;
      const interval = cursor.list[cursor.next];
      if (!interval) continue;
      if (interval.startNs <= t) {
        winner = cursor.group;
        until = Math.min(until, interval.endNs);
      } else {
        until = Math.min(until, interval.startNs);
      }
    }
    if (winner !== pieceGroup) {
      if (t > pieceStart) visit(pieceGroup, pieceStart, t);
      [pieceGroup, pieceStart] = [winner, t];
    }
    t = until;
  }
  if (within.endNs > pieceStart) visit(pieceGroup, pieceStart, within.endNs);
}

export function totalNs(intervals: readonly Interval[]): number {
  let sum = 0;
  for (const i of intervals) sum += i.endNs - i.startNs;
  return sum;
}

/**
 * Visits the start (+1) and end (-1) edges of every interval of every list in time order, ends before
 * starts at equal times so touching intervals do not count as overlapping. Edge times go through two
 * typed arrays sorted natively: no object per edge, no comparator.
 */
export function forEachEdge(
  lists: readonly (readonly Interval[])[],
  visit: (timeNs: number, delta: 1 | -1) => void,
): void {
  let n = 0;
  for (const list of lists) n += list.length;
  const starts = new Float64Array(n);
  const ends = new Float64Array(n);
  let k = 0;
  for (const list of lists) {
    for (const i of list) {
      starts[k] = i.startNs;
      ends[k++] = i.endNs;
    }
  }
  starts.sort();
  ends.sort();
  for (let s = 0, e = 0; s < n || e < n;) {
    if (s < n && (e === n || starts[s] < ends[e])) visit(starts[s++], 1);
    else visit(ends[e++], -1);
  }
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
    if (!(end > start) || !keep(count)) return;
    const last = out[out.length - 1];
    if (last && start <= last.endNs) last.endNs = Math.max(last.endNs, end);
    else out.push({ startNs: start, endNs: end });
  };
  forEachEdge(lists, (time, delta) => {
    if (time > at) {
      emit(time);
      at = time;
    }
    count += delta;
  });
  emit(toNs);
  return out;
}

const length = (i: Interval) => i.endNs - i.startNs;

/** Keeps the `limit` longest intervals offered, longest first (of equal ones, the first offered). */
export class Longest<T extends Interval> {
  readonly kept: T[] = [];

  constructor(private readonly limit: number) {}

  /** Whether an interval this long would be kept: a caller can skip building one that would not. */
  accepts(ns: number): boolean {
    const { kept, limit } = this;
    return kept.length < limit || (limit > 0 && ns > length(kept[limit - 1]));
  }

  offer(interval: T): void {
    const ns = length(interval);
    if (!this.accepts(ns)) return;
    let at = this.kept.length;
    while (at > 0 && ns > length(this.kept[at - 1])) at--;
    this.kept.splice(at, 0, interval);
    if (this.kept.length > this.limit) this.kept.pop();
  }
}

/** The longest intervals first, at most `limit` of them: one pass, not a sort of the whole list. */
export function longest<T extends Interval>(intervals: readonly T[], limit: number): T[] {
  const best = new Longest<T>(limit);
  for (const interval of intervals) best.offer(interval);
  return best.kept;
}
