/**
 * `diagnose(trace)`: why a run is (not) parallel. Pure and vscode-free; linear-ish in the number of
 * events (sorts and merges), so it stays fast on a million.
 */
import type { Trace } from '../model/trace';
import { processActivities } from './activity';
import { processBreakdowns } from './breakdown';
import { whereConcurrency } from './intervals';
import { channelFindings } from './findings/channels';
import type { FindingContext, FindingDraft } from './findings/context';
import { processFindings } from './findings/processes';
import { taskFindings } from './findings/tasks';
import { scalingFigures } from './scaling';
import type { Diagnosis, Finding } from './types';

/** Findings costing less than this share of the wall time are noise, not advice. */
const MIN_COST_SHARE = 0.03;

export function diagnose(trace: Trace): Diagnosis {
  const activities = processActivities(trace);
  const scaling = scalingFigures(trace, activities);
  const breakdowns = processBreakdowns(trace, activities);
  const ctx: FindingContext = {
    trace,
    activities,
    breakdowns,
    scaling,
    slots: Math.max(1, Math.min(scaling.workers, scaling.cores)),
    underused: whereConcurrency(
      activities.filter((a) => a.doesWork).map((a) => a.busy),
      0,
      scaling.wallNs,
      (n) => n < scaling.cores,
    ),
  };
  const drafts: FindingDraft[] = [
    ...taskFindings(ctx),
    ...channelFindings(ctx),
    ...processFindings(ctx),
  ];
  const findings: Finding[] = drafts
    .map((f) => ({ ...f, costShare: f.costNs / scaling.wallNs }))
    .filter((f) => f.costShare >= MIN_COST_SHARE)
    .sort((a, b) => b.costNs - a.costNs);
  return { scaling, processes: breakdowns, findings };
}
