/**
 * `window.__timeline`: a read-only description of what the canvas shows, so browser tests check the
 * model behind the pixels (lanes, bars per lane, arrows, visible range, selection, range table).
 */
import { GUTTER } from './draw';
import type { Lane } from './lanes';
import type { RangeRow } from './picking';
import type { Timeline } from './timeline';

export interface LaneDescription {
  kind: Lane['kind'];
  label: string;
  pid: number | null;
  cpu: number | null;
  channel: string | null;
  /** Spans the lane holds (tasks, core slices or messages), drawn or not. */
  total: number;
  visible: boolean;
  /** Spans drawn as their own bar in the last frame. */
  bars: number;
  /** "Many events" marks and the spans merged into them. */
  mergedMarks: number;
  mergedEvents: number;
  waitBars: number;
  /** Vertical centre of the lane in client coordinates. */
  clientY: number;
}

export interface TimelineDescription {
  loaded: boolean;
  live: boolean;
  following: boolean;
  visibleRange: { startNs: number; endNs: number } | null;
  lanes: LaneDescription[];
  arrowsDrawn: number;
  arrowsHidden: number;
  status: string;
  header: Record<string, string>;
  notices: string[];
  selection: { kind: string; title: string; fields: Record<string, string> } | null;
  range: { startNs: number; endNs: number; rows: RangeRow[] } | null;
  filter: string;
  /** What the diagnosis panel shows: findings in rank order (id = rank-kind) and the headline figures. */
  diagnosis: {
    findings: { id: string; title: string; location: string | null; ranges: number }[];
    efficiency: number;
    parallelism: number;
    serialFraction: number;
  } | null;
  /** Tasks drawn at full strength under the filter (all of them when it is empty). */
  filterMatches: number;
  timings: { loadMs: number; firstRenderMs: number; diagnosisMs: number; frameMs: number[] };
  /** Client coordinates of the centre of a task's bar (by task id), or null if not on screen. */
  taskPoint(id: number): { x: number; y: number } | null;
  /** Client x of a time in ns. */
  clientX(ns: number): number;
}

export function describeTimeline(view: Timeline): TimelineDescription {
  const store = view.store;
  const rect = view.e.canvas.getBoundingClientRect();
  const scrollY = view.e.scroll.scrollTop;
  const x = view.x;
  const counts = view.lastDraw?.counts;
  const lanes = (store?.lanes ?? []).map((lane): LaneDescription => {
    const c = counts?.get(lane);
    const total =
      lane.kind === 'process'
        ? lane.tasks.length
        : lane.kind === 'core'
          ? lane.slices.length
          : lane.kind === 'channel'
            ? lane.messages.length
            : 0;
    return {
      kind: lane.kind,
      label: lane.label,
      pid: lane.kind === 'process' ? lane.pid : null,
      cpu: lane.kind === 'core' ? lane.cpu : null,
      channel: lane.kind === 'channel' ? lane.channel.id : null,
      total,
      visible: c !== undefined,
      bars: c?.bars ?? 0,
      mergedMarks: c?.mergedMarks ?? 0,
      mergedEvents: c?.mergedEvents ?? 0,
      waitBars: c?.waitBars ?? 0,
      clientY: rect.top + lane.y - scrollY + lane.height / 2,
    };
  });
  const [t0, t1] = view.visibleRange();
  const header: Record<string, string> = {};
  for (const item of view.e.header.querySelectorAll('.stat')) {
    header[item.children[0].textContent ?? ''] = item.children[1].textContent ?? '';
  }
  const selection = view.selection;
  return Object.freeze({
    loaded: store !== null,
    live: store?.live ?? false,
    following: view.following,
    visibleRange: store ? { startNs: t0, endNs: t1 } : null,
    lanes,
    arrowsDrawn: view.lastDraw?.arrowsDrawn ?? 0,
    arrowsHidden: view.lastDraw?.arrowsHidden ?? 0,
    status: view.e.status.textContent ?? '',
    header,
    notices: [...view.e.notices.children].map((n) => n.textContent ?? ''),
    selection: selection && {
      kind: selection.kind,
      title: selection.title,
      fields: Object.fromEntries(selection.fields),
    },
    range: view.range && { startNs: view.range[0], endNs: view.range[1], rows: view.rangeRows },
    filter: view.e.filter.value,
    diagnosis: view.diagnosis && {
      findings: view.diagnosis.findings.map((f, i) => ({
        id: `${i + 1}-${f.kind}`,
        title: f.title,
        location: f.location?.file ? `${f.location.file}:${f.location.line ?? 1}` : null,
        ranges: f.ranges.length,
      })),
      efficiency: view.diagnosis.scaling.efficiency,
      parallelism: view.diagnosis.scaling.parallelism,
      serialFraction: view.diagnosis.scaling.serialFraction,
    },
    filterMatches: countMatches(view),
    timings: { ...view.timings, frameMs: [...view.frameMs] },
    taskPoint(id: number) {
      if (!store) return null;
      const task = store.trace.tasks.find((t) => t.id === id);
      const lane = task && store.processLanes.get(task.pid);
      if (!task || !lane) return null;
      const mid = Math.max(
        GUTTER + 1,
        Math.min(x((task.startNs + task.endNs) / 2), view.width - 11),
      );
      const y = lane.y - scrollY + lane.height / 2 - 2;
      if (y < 0 || y > view.height) return null;
      return { x: rect.left + mid, y: rect.top + y };
    },
    clientX: (ns: number) => rect.left + x(ns),
  });
}

function countMatches(view: Timeline): number {
  let matches = 0;
  for (const lane of view.store?.processLanes.values() ?? []) {
    for (let i = 0; i < lane.tasks.length; i++) {
      if (view.passesFilter(lane.tasks.style[i], lane.pid)) matches++;
    }
  }
  return matches;
}
