/**
 * Columnar, appendable span storage for one lane: start/end times in Float64Arrays plus an int payload
 * (index into the trace array it came from) and a small int `style` (colour / kind code). Kept sorted by
 * start; `maxDuration` bounds how far before the visible start a still-visible span can begin, so
 * visible spans are found with one binary search instead of a scan.
 */
export class SpanColumn {
  start = new Float64Array(16);
  end = new Float64Array(16);
  ref = new Int32Array(16);
  style = new Int32Array(16);
  length = 0;
  maxDuration = 0;
  private sorted = true;
  /** Level-of-detail summaries by level (bucket width 2^level ns), extended as spans are appended. */
  private readonly summaries = new Map<number, SpanSummary>();

  push(startNs: number, endNs: number, ref: number, style: number): void {
    if (this.length === this.start.length) this.grow();
    const i = this.length++;
    if (i > 0 && startNs < this.start[i - 1]) this.sorted = false;
    this.start[i] = startNs;
    this.end[i] = Math.max(startNs, endNs);
    this.ref[i] = ref;
    this.style[i] = style;
    this.maxDuration = Math.max(this.maxDuration, this.end[i] - startNs);
  }

  /** Makes room for `extra` more spans at once (avoids repeated growth on big loads). */
  reserve(extra: number): void {
    if (this.length + extra > this.start.length) this.grow(this.length + extra);
  }

  clear(): void {
    this.length = 0;
    this.maxDuration = 0;
    this.sorted = true;
    this.summaries.clear();
  }

  /** Sorts by start if appends arrived out of order (live deltas can). */
  ensureSorted(): void {
    if (this.sorted) return;
    const order = Array.from({ length: this.length }, (_, i) => i);
    order.sort((a, b) => this.start[a] - this.start[b]);
    const [start, end, ref, style] = [this.start, this.end, this.ref, this.style];
    this.start = Float64Array.from(order, (i) => start[i]);
    this.end = Float64Array.from(order, (i) => end[i]);
    this.ref = Int32Array.from(order, (i) => ref[i]);
    this.style = Int32Array.from(order, (i) => style[i]);
    this.sorted = true;
    this.summaries.clear();
  }

  /** Index of the first span starting after `t1`. */
  endOf(t1: number): number {
    this.ensureSorted();
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.start[mid] <= t1) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * The summary at bucket width 2^level ns: spans at least that long listed one by one, shorter
   * ones counted per bucket (with their longest span and whether their `keys` differ). Built on first
   * use and extended, not rebuilt, when spans are appended in order.
   */
  summary(level: number, keys: 'style' | 'ref'): SpanSummary {
    this.ensureSorted();
    let summary = this.summaries.get(level);
    if (!summary) this.summaries.set(level, (summary = new SpanSummary(2 ** level)));
    summary.extend(this, this[keys]);
    return summary;
  }

  /** Index of the first span that may overlap [t0, ...). */
  firstVisible(t0: number): number {
    this.ensureSorted();
    let lo = 0;
    let hi = this.length;
    const target = t0 - this.maxDuration;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.start[mid] < target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The span containing `t` (within `slackNs`) closest to it, or -1. */
  find(t: number, slackNs: number): number {
    let best = -1;
    let bestDistance = Infinity;
    for (let i = this.firstVisible(t - slackNs); i < this.length; i++) {
      if (this.start[i] > t + slackNs) break;
      const distance =
        t < this.start[i] ? this.start[i] - t : t > this.end[i] ? t - this.end[i] : 0;
      if (distance <= slackNs && distance < bestDistance) {
        best = i;
        bestDistance = distance;
      }
    }
    return best;
  }

  private grow(atLeast = 0): void {
    const size = Math.max(atLeast, this.start.length * 2);
    const grown = <T extends Float64Array | Int32Array>(old: T, make: (n: number) => T): T => {
      const next = make(size);
      next.set(old);
      return next;
    };
    this.start = grown(this.start, (n) => new Float64Array(n));
    this.end = grown(this.end, (n) => new Float64Array(n));
    this.ref = grown(this.ref, (n) => new Int32Array(n));
    this.style = grown(this.style, (n) => new Int32Array(n));
  }
}

/** `array`, or a copy with room for at least `size` items. */
function grown<T extends Int32Array | Float64Array | Uint8Array>(array: T, size: number): T {
  if (size <= array.length) return array;
  const next = new (array.constructor as new (n: number) => T)(Math.max(size, array.length * 2));
  next.set(array);
  return next;
}

/** See SpanColumn.summary. */
export class SpanSummary {
  /** Buckets of spans shorter than bucketNs, by start: bucket start, first span, spans, longest. */
  bucketStart = new Float64Array(16);
  first = new Int32Array(16);
  count = new Int32Array(16);
  longest = new Int32Array(16);
  mixed = new Uint8Array(16);
  buckets = 0;
  /** Spans of bucketNs or longer, by start. */
  long = new Int32Array(16);
  longCount = 0;
  private upTo = 0;

  constructor(readonly bucketNs: number) {}

  extend(column: SpanColumn, keys: Int32Array): void {
    const { start, end } = column;
    const width = this.bucketNs;
    // Room for every new span as a bucket or a long span, so the loop never checks.
    const extra = column.length - this.upTo;
    this.long = grown(this.long, this.longCount + extra);
    this.bucketStart = grown(this.bucketStart, this.buckets + extra);
    this.first = grown(this.first, this.buckets + extra);
    this.count = grown(this.count, this.buckets + extra);
    this.longest = grown(this.longest, this.buckets + extra);
    this.mixed = grown(this.mixed, this.buckets + extra);
    for (let i = this.upTo; i < column.length; i++) {
      const duration = end[i] - start[i];
      if (duration >= width) {
        this.long[this.longCount++] = i;
        continue;
      }
      const bucket = Math.floor(start[i] / width) * width;
      const last = this.buckets - 1;
      if (last >= 0 && this.bucketStart[last] === bucket) {
        this.count[last]++;
        const longest = this.longest[last];
        if (duration > end[longest] - start[longest]) this.longest[last] = i;
        if (keys[i] !== keys[this.first[last]]) this.mixed[last] = 1;
        continue;
      }
      const n = this.buckets++;
      this.bucketStart[n] = bucket;
      this.first[n] = i;
      this.count[n] = 1;
      this.longest[n] = i;
      this.mixed[n] = 0;
    }
    this.upTo = column.length;
  }
}
