/**
 * The diagnosis of one run: how well it scaled, where each process's time went, and ranked findings
 * that say why it is not more parallel. Plain data (JSON-serialisable) so the CLI, the extension host and
 * the webview can all use it.
 */
import type { SourceRef } from '../model/trace';

/** A half-open time range [startNs, endNs) in trace time, optionally in one process. */
export interface TimeRange {
  startNs: number;
  endNs: number;
  pid?: number;
}

export interface ParallelismPoint {
  startNs: number;
  endNs: number;
  /** Mean number of processes doing work in this window. */
  busy: number;
}

export interface ScalingFigures {
  wallNs: number;
  /** Worker processes (everything but the main process, managers and helpers), peak alive at once. */
  workers: number;
  cores: number;
  /** Sum of busy time of all processes. */
  busyNs: number;
  /** busyNs / wallNs: mean number of processes doing work. */
  parallelism: number;
  /** min(parallelism, slots) / slots with slots = min(workers, cores): share of the attainable achieved. */
  efficiency: number;
  efficiencyVsWorkers: number;
  efficiencyVsCores: number;
  /** Share of wall time with at most one process doing work. */
  serialFraction: number;
  /** What the run would take done by one process: sum of task times plus the parents' own work. */
  serialEstimateNs: number;
  /** serialEstimateNs / wallNs. */
  speedup: number;
  /** Amdahl: the wall time and speedup with twice the workers (capped by the cores). */
  amdahl2x: { workers: number; wallNs: number; speedup: number };
  /** Mean threads on a core from the /proc samples; null without core data. */
  cpuParallelism: number | null;
  series: ParallelismPoint[];
  /** The windows with the least parallelism, worst first. */
  worstWindows: ParallelismPoint[];
}

export type BreakdownCategory =
  'running' | 'starved' | 'contention' | 'join' | 'startup' | 'ipc' | 'runnable' | 'idle';

export const BREAKDOWN_CATEGORIES: readonly BreakdownCategory[] = [
  'running',
  'runnable',
  'starved',
  'contention',
  'join',
  'startup',
  'ipc',
  'idle',
];

export const CATEGORY_LABELS: Record<BreakdownCategory, string> = {
  running: 'running tasks / own work',
  runnable: 'runnable without a core',
  starved: 'starved (waiting for work)',
  contention: 'contention (full queue, lock, sync)',
  join: 'join / waiting for results',
  startup: 'start-up and imports',
  ipc: 'IPC (pickling, send/recv)',
  idle: 'idle',
};

export interface CategoryTime {
  ns: number;
  /** Where the time was spent, for click-to-reveal (the 50 longest, in time order). */
  intervals: TimeRange[];
}

export interface ProcessBreakdown {
  pid: number;
  name: string;
  role: string;
  /** From created (or first seen) to exit (or the end of the run). */
  lifetimeNs: number;
  /** Exclusive: the categories add up to lifetimeNs (runnable time is carved out of running). */
  categories: Record<BreakdownCategory, CategoryTime>;
  bytesSent: number;
  bytesReceived: number;
}

export type FindingKind =
  | 'small-tasks'
  | 'load-imbalance'
  | 'producer-bound'
  | 'consumer-bound'
  | 'lock-contention'
  | 'oversubscription'
  | 'startup-cost'
  | 'serial-parent';

export interface Evidence {
  label: string;
  value: string;
}

export interface Finding {
  kind: FindingKind;
  title: string;
  /** Wall time this problem costs, estimated; findings are ranked by it. */
  costNs: number;
  /** costNs / wallNs. */
  costShare: number;
  evidence: Evidence[];
  fix: string;
  /** Where the fix applies: a function and its file:line when known. */
  location: SourceRef | null;
  /** Time ranges that show the problem. */
  ranges: TimeRange[];
}

export interface Diagnosis {
  scaling: ScalingFigures;
  processes: ProcessBreakdown[];
  findings: Finding[];
}
