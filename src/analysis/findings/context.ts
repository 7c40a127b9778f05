/** What every finding detector gets, and how findings name code locations. */
import type { SourceRef, Trace } from '../../model/trace';
import type { ProcessActivity } from '../activity';
import type { Finding, ProcessBreakdown, ScalingFigures } from '../types';

export interface FindingContext {
  trace: Trace;
  activities: readonly ProcessActivity[];
  breakdowns: readonly ProcessBreakdown[];
  scaling: ScalingFigures;
  /** Processes that could have worked at once: min(workers, cores). */
  slots: number;
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

/** The function a process was running, for locations: its target, else its first task's function. */
export function workOf(ctx: FindingContext, pid: number): SourceRef | null {
  const activity = ctx.activities.find((a) => a.process.pid === pid);
  return activity?.process.target ?? activity?.tasks[0]?.fn ?? null;
}
