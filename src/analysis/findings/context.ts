/** What every finding detector gets, and how findings name code locations. */
import type { SourceRef, Trace } from '../../model/trace';
import type { ProcessActivity } from '../activity';
import type { Interval } from '../intervals';
import type { Finding, ProcessBreakdown, ScalingFigures } from '../types';

export interface FindingContext {
  trace: Trace;
  activities: readonly ProcessActivity[];
  breakdowns: readonly ProcessBreakdown[];
  scaling: ScalingFigures;
  /** Processes that could have worked at once: min(workers, cores). */
  slots: number;
  /** When fewer processes worked than there are cores (merged). */
  underused: Interval[];
}

export type FindingDraft = Omit<Finding, 'costShare'>;

export function sourceKey(ref: SourceRef): string {
  return `${ref.module ?? ''}:${ref.name}:${ref.file ?? ''}:${ref.line ?? ''}`;
}

export function where(ref: SourceRef | null): string {
  if (!ref) return 'unknown code';
  const file = ref.file ? ` (${ref.file}${ref.line !== null ? `:${ref.line}` : ''})` : '';
  return `${ref.name}${file}`;
}

/**
 * The user function these processes ran, for locations: the first of their task functions (a pool
 * worker's target is multiprocessing's own loop), else the first of their targets.
 */
export function workOf(ctx: FindingContext, ...pids: number[]): SourceRef | null {
  const activities = ctx.activities.filter((a) => pids.includes(a.process.pid));
  return (
    activities.find((a) => a.tasks.length > 0)?.tasks[0].fn ??
    activities.find((a) => a.process.target)?.process.target ??
    null
  );
}
