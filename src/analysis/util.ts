/** Number formatting and small collection helpers shared by the analysis modules. */

export function ms(ns: number): string {
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(2)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(1)} ms`;
  return `${(ns / 1e3).toFixed(0)} us`;
}

export function percent(share: number): string {
  return `${(share * 100).toFixed(0)} %`;
}

export function bytes(n: number): string {
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${Math.round(n)} B`;
}

export function median(values: ArrayLike<number>): number {
  if (values.length === 0) return 0;
  // A typed array sorts numerically in native code: no comparator calls on a million values.
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The median of `value` over `items`. */
export function medianOf<T>(items: readonly T[], value: (item: T) => number): number {
  const values = new Float64Array(items.length);
  for (let i = 0; i < items.length; i++) values[i] = value(items[i]);
  return median(values);
}

export function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
