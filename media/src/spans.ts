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
