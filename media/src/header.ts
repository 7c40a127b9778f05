/** The summary numbers above the timeline and the notices under them. */
import { formatBytes, formatDuration } from './format';
import type { TimelineStore } from './store';

/** Label, value and an optional tooltip saying how the value is computed. */
export type HeaderItem = [label: string, value: string, title?: string];

/** The diagnosis panel's "work efficiency" counts busy time instead; each says how it differs. */
const WORK_EFFICIENCY_NOTE =
  "The diagnosis panel's work efficiency counts only busy time (tasks, or a process's own work) " +
  'against min(workers, cores).';

export function headerItems(store: TimelineStore): HeaderItem[] {
  const { meta, counts, cores, tasks, processes } = store.trace;
  const failed = tasks.filter((t) => !t.ok).length;
  const cpuCount = cores.available ? cores.cpuCount : meta.hostCpuCount;
  const parallelism = store.achievedParallelism;
  const fromCores = cores.available && cores.samples.length > 0;
  const basis = fromCores ? 'threads on a core' : 'tasks running';
  const source = fromCores
    ? 'Mean threads on a core, from /proc samples of every process (tasks, pickling, queue threads, the parent)'
    : 'Mean tasks running at once (no /proc core samples)';
  const items: HeaderItem[] = [
    ['wall time', `${formatDuration(meta.wallNs)}${store.live ? ' (recording…)' : ''}`],
    ['processes', String(processes.length)],
    ['tasks', failed ? `${tasks.length} (${failed} failed)` : String(tasks.length)],
    ['achieved parallelism', `${parallelism.toFixed(2)} ${basis} on average`, `${source}.`],
    [
      fromCores ? 'CPU efficiency' : 'task efficiency',
      `${((100 * parallelism) / Math.max(1, cpuCount)).toFixed(0)} % of ${cpuCount} cores`,
      `${source}, divided by the ${cpuCount} cores. ${WORK_EFFICIENCY_NOTE}`,
    ],
  ];
  if (!store.live) items.push(['result', describeRunEnd(store)]);
  else if (store.pendingBytes > 0) {
    items.push([
      'catching up',
      `${formatBytes(store.pendingBytes)} of events not shown yet`,
      'The program sends events faster than the profiler builds them while it runs (it takes at ' +
        'most a quarter of a core, to leave the rest to the program): the timeline lags behind ' +
        'and catches up.',
    ]);
  }
  if (counts.lost > 0) items.push(['lost events', String(counts.lost)]);
  if (counts.rejected > 0) {
    const reasons = Object.entries(counts.rejectedReasons)
      .map(([reason, n]) => `${reason} ${n}`)
      .join(', ');
    items.push(['rejected', `${counts.rejected}${reasons ? ` (${reasons})` : ''}`]);
  }
  return items;
}

function describeRunEnd(store: TimelineStore): string {
  const meta = store.trace.meta;
  if (meta.endReason === 'failed-to-start') return 'failed to start';
  if (meta.signal) return `killed by ${meta.signal}`;
  if (meta.exitCode !== null) return `exit ${meta.exitCode}`;
  return meta.endReason;
}

export function headerNotices(store: TimelineStore): string[] {
  const { meta, cores, counts } = store.trace;
  const notices = [...meta.warnings];
  if (!cores.available) {
    notices.push(`No CPU core lanes: ${cores.reason ?? 'core sampling was not available'}`);
  } else if (cores.reason) {
    notices.push(`Core data is partial: ${cores.reason}`);
  }
  if (counts.lost > 0) notices.push(`${counts.lost} events were lost: the timeline is incomplete.`);
  return notices;
}
