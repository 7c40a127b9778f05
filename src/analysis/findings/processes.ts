/**
 * Findings about processes as a whole: more workers than cores (runnable without a core), start-up
 * cost dominating a short run, the parent working alone, and sibling Processes with uneven work.
 */
import { coreSlices } from '../../model/cores';
import type { SourceRef } from '../../model/trace';
import {
  type Interval,
  intersect,
  longest,
  subtract,
  totalNs,
  union,
  whereConcurrency,
} from '../intervals';
import { groupBy, ms, percent } from '../util';
import { type FindingContext, type FindingDraft, sourceKey, workOf } from './context';

const RUNNABLE_SHARE = 0.2;
const OVERSUBSCRIBED_SHARE = 0.1;
/** Start-up is flagged when it is at least this share of the workers' work and of the wall time. */
const STARTUP_VS_WORK = 0.5;
const STARTUP_VS_WALL = 0.1;
const SERIAL_PARENT_SHARE = 0.1;
/** Below this, the parent's time alone is interpreter start-up and bookkeeping, not a finding. */
const SERIAL_PARENT_MIN_NS = 250e6;
const IMBALANCE_SHARE = 0.2;

function oversubscription(ctx: FindingContext): FindingDraft | null {
  const { cores, wallNs } = ctx.scaling;
  if (!ctx.trace.cores.available) return null;
  const workers = ctx.activities.filter((a) => a.isWorker);
  // More workers working at once than there are cores, for a real part of the run: the program's
  // own doing, unlike runnable time that other programs on the machine cause.
  const crowded = whereConcurrency(
    workers.map((a) => a.busy),
    0,
    wallNs,
    (n) => n > cores,
  );
  const crowdedNs = totalNs(crowded);
  if (crowdedNs < OVERSUBSCRIBED_SHARE * wallNs) return null;
  const workerPids = new Set(workers.map((a) => a.process.pid));
  const rows = ctx.breakdowns.filter((b) => workerPids.has(b.pid));
  const runnableNs = rows.reduce((sum, b) => sum + b.categories.runnable.ns, 0);
  const runningNs = rows.reduce((sum, b) => sum + b.categories.running.ns, 0);
  const share = runnableNs / Math.max(1, runnableNs + runningNs);
  if (share < RUNNABLE_SHARE) return null;
  const busiest = rows.reduce((a, b) =>
    b.categories.runnable.ns > a.categories.runnable.ns ? b : a,
  );
  return {
    kind: 'oversubscription',
    title: `Oversubscribed: up to ${ctx.scaling.workers} workers on ${cores} cores`,
    // What each worker lost, on average, waiting for a core.
    costNs: runnableNs / workers.length,
    evidence: [
      { label: 'workers alive at once', value: String(ctx.scaling.workers) },
      { label: 'cores', value: String(cores) },
      { label: `more than ${cores} working at once`, value: ms(crowdedNs) },
      {
        label: 'runnable without a core',
        value: `${ms(runnableNs)} (${percent(share)} of working time)`,
      },
    ],
    fix:
      `Use at most ${cores} worker processes (Pool(processes=os.cpu_count()) or fewer); more ` +
      `CPU-bound workers than cores only queue for the CPU and add switching and memory.`,
    location: workOf(ctx, busiest.pid, ...workerPids),
    ranges: longest(crowded, 20),
  };
}

function startupCost(ctx: FindingContext): FindingDraft | null {
  // Forked children start in milliseconds; spawn and forkserver start an interpreter and re-import.
  const workers = ctx.activities.filter(
    (a) => a.isWorker && a.startup.length > 0 && a.process.startMethod !== 'fork',
  );
  if (workers.length === 0) return null;
  const startupNs = workers.reduce((sum, a) => sum + totalNs(a.startup), 0);
  const workNs = workers.reduce((sum, a) => sum + totalNs(a.busy), 0);
  // Wall time during which workers were starting and no process did any work.
  const allBusy = union(ctx.activities.flatMap((a) => a.busy));
  const costNs = totalNs(subtract(union(workers.flatMap((a) => a.startup)), allBusy));
  if (startupNs < STARTUP_VS_WORK * workNs || costNs < STARTUP_VS_WALL * ctx.scaling.wallNs) {
    return null;
  }
  const methods = [...new Set(workers.map((a) => a.process.startMethod ?? 'unknown'))].join(', ');
  const slowest = workers.reduce((a, b) => (totalNs(b.startup) > totalNs(a.startup) ? b : a));
  return {
    kind: 'startup-cost',
    title: `Worker start-up (${methods}) dominates this short run`,
    costNs,
    evidence: [
      { label: 'workers started', value: String(workers.length) },
      { label: 'mean start-up', value: ms(startupNs / workers.length) },
      { label: 'mean work per worker', value: ms(workNs / workers.length) },
      { label: 'start method', value: methods },
    ],
    fix:
      'Start fewer processes and give each more work: reuse one Pool for all the work, use the ' +
      "'fork' start method where available, and keep module-level code cheap (spawn and " +
      "forkserver children re-import the main module): move it under if __name__ == '__main__':.",
    location: workOf(ctx, slowest.process.pid, ...workers.map((a) => a.process.pid)),
    ranges: workers.flatMap((a) => a.startup.map((i) => ({ ...i, pid: a.process.pid }))),
  };
}

/**
 * On-CPU time of a process's main thread within `ranges`, from the /proc samples (each sample
 * interval's CPU time spread evenly over it); null without core data.
 */
function onCpuWithin(ctx: FindingContext, pid: number, ranges: readonly Interval[]): number | null {
  if (!ctx.trace.cores.available || ctx.trace.cores.samples.length === 0) return null;
  // One thread's slices do not overlap, and `ranges` is merged: one forward pass over both.
  const slices = coreSlices(ctx.trace.cores)
    .filter((s) => s.tid === pid && s.pid === pid)
    .sort((a, b) => a.startNs - b.startNs);
  let ns = 0;
  let j = 0;
  for (const slice of slices) {
    while (j < ranges.length && ranges[j].endNs <= slice.startNs) j++;
    let overlap = 0;
    for (let k = j; k < ranges.length && ranges[k].startNs < slice.endNs; k++) {
      overlap +=
        Math.min(slice.endNs, ranges[k].endNs) - Math.max(slice.startNs, ranges[k].startNs);
    }
    ns += (slice.onCpuNs * overlap) / (slice.endNs - slice.startNs);
  }
  return ns;
}

function serialParent(ctx: FindingContext): FindingDraft | null {
  const main = ctx.activities.find((a) => a.process.role === 'main');
  const others = ctx.activities.filter((a) => a.doesWork && a !== main).map((a) => a.busy);
  if (!main || others.length === 0) return null;
  const alone = intersect(
    main.busy,
    whereConcurrency(others, 0, ctx.scaling.wallNs, (n) => n === 0),
  );
  // CPU time rather than wall time: on a loaded machine a slow interpreter start-up is not the
  // program's serial section.
  const aloneNs = onCpuWithin(ctx, main.process.pid, alone) ?? totalNs(alone);
  if (aloneNs < Math.max(SERIAL_PARENT_MIN_NS, SERIAL_PARENT_SHARE * ctx.scaling.wallNs)) {
    return null;
  }
  const location: SourceRef = {
    name: 'main process',
    module: '__main__',
    file: ctx.trace.meta.script,
    line: null,
  };
  const sections = longest(alone, 3);
  return {
    kind: 'serial-parent',
    title: 'The main process works alone while the workers are idle',
    costNs: aloneNs * (1 - 1 / ctx.slots),
    evidence: [
      {
        label: 'parent working alone (CPU time)',
        value: `${ms(aloneNs)} (${percent(aloneNs / ctx.scaling.wallNs)} of the run)`,
      },
      {
        label: 'longest sections',
        value: sections.map((s) => ms(s.endNs - s.startNs)).join(', '),
      },
    ],
    fix:
      'Move that work into the workers (submit it as tasks) or overlap it with them (start the ' +
      'pool first, use imap/apply_async and keep computing); only tiny coordination should stay ' +
      'in the parent.',
    location,
    ranges: sections.map((s) => ({ ...s, pid: main.process.pid })),
  };
}

/** Sibling Processes with the same target: the busiest one holds everyone up. */
function processImbalance(ctx: FindingContext): FindingDraft[] {
  // Pool and executor workers share their target (multiprocessing's loop); their tasks are compared
  // by the task findings.
  const plain = ctx.activities.filter((a) => a.isWorker && !a.runsTasks && a.process.target);
  const teams = groupBy(plain, (a) => `${a.process.parentPid}:${sourceKey(a.process.target!)}`);
  const findings: FindingDraft[] = [];
  for (const team of teams.values()) {
    if (team.length < 2) continue;
    const work = team.map((a) => totalNs(a.busy));
    const max = Math.max(...work);
    const mean = work.reduce((a, b) => a + b, 0) / work.length;
    if (max - mean < IMBALANCE_SHARE * max) continue;
    const target = team[0].process.target!;
    const slowest = team[work.indexOf(max)];
    findings.push({
      kind: 'load-imbalance',
      title: `Load imbalance among ${team.length} ${target.name} processes`,
      costNs: max - mean,
      evidence: [
        { label: 'work per process', value: work.map(ms).join(', ') },
        { label: 'slowest', value: `pid ${slowest.process.pid}: ${ms(max)} vs mean ${ms(mean)}` },
      ],
      fix:
        `Divide the work of ${target.name} by cost rather than by count, or hand it out ` +
        'dynamically (a Pool or a shared Queue) so processes that finish early take more.',
      location: target,
      ranges: team.map((a) => ({ ...a.run, pid: a.process.pid })),
    });
  }
  return findings;
}

export function processFindings(ctx: FindingContext): FindingDraft[] {
  return [
    oversubscription(ctx),
    startupCost(ctx),
    serialParent(ctx),
    ...processImbalance(ctx),
  ].filter((f): f is FindingDraft => f !== null);
}
