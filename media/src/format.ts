/** Text formatting shared by the header, axis, tooltips and panels. */
import type { ProcessInfo } from '../../src/model/trace';

const SIGNALS: Record<number, string> = {
  1: 'SIGHUP',
  2: 'SIGINT',
  3: 'SIGQUIT',
  6: 'SIGABRT',
  9: 'SIGKILL',
  11: 'SIGSEGV',
  13: 'SIGPIPE',
  15: 'SIGTERM',
};

/** A duration in ns as a short human string: 1.25 s, 340 ms, 12.5 µs, 800 ns. */
export function formatDuration(ns: number): string {
  const abs = Math.abs(ns);
  if (abs >= 1e9) return `${trim(ns / 1e9)} s`;
  if (abs >= 1e6) return `${trim(ns / 1e6)} ms`;
  if (abs >= 1e3) return `${trim(ns / 1e3)} µs`;
  return `${Math.round(ns)} ns`;
}

function trim(value: number): string {
  const abs = Math.abs(value);
  return value.toFixed(abs >= 100 ? 0 : abs >= 10 ? 1 : 2);
}

export function formatBytes(bytes: number | null): string {
  if (bytes === null) return '-';
  if (bytes >= 1 << 30) return `${trim(bytes / (1 << 30))} GiB`;
  if (bytes >= 1 << 20) return `${trim(bytes / (1 << 20))} MiB`;
  if (bytes >= 1 << 10) return `${trim(bytes / (1 << 10))} KiB`;
  return `${bytes} B`;
}

/** "exit 0", "SIGKILL (-9)", "running", or "unknown" for a process. */
export function describeExit(process: ProcessInfo): string {
  if (process.exitCode === null) {
    if (process.exitNs !== null) return 'exited (code unknown)';
    return process.connection === 'open' ? 'running' : 'unknown';
  }
  if (process.exitCode < 0) {
    const name = SIGNALS[-process.exitCode] ?? `signal ${-process.exitCode}`;
    return `${name} (${process.exitCode})`;
  }
  return `exit ${process.exitCode}`;
}

/** The unit and divisor for axis ticks spanning `spanNs`. */
export function tickUnit(spanNs: number): { unit: string; divisor: number } {
  if (spanNs >= 5e9) return { unit: 's', divisor: 1e9 };
  if (spanNs >= 5e6) return { unit: 'ms', divisor: 1e6 };
  if (spanNs >= 5e3) return { unit: 'µs', divisor: 1e3 };
  return { unit: 'ns', divisor: 1 };
}

/** Any field value as display text. */
export function fieldText(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
