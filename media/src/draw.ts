/**
 * Draws the lanes on one 2D canvas. Spans narrower than a pixel are merged into a "many events" mark
 * (a grey bar with a tick above it) and counted, never dropped. Returns what was drawn, for the
 * `window.__timeline` test view and the status line.
 */
import type { Lane, ParallelismLane, ProcessLane } from './lanes';
import type { SpanColumn, SpanSummary } from './spans';
import type { TimelineStore } from './store';
import { drawArrows, type ArrowCounts } from './arrows';
import type { PixelLayer } from './pixels';
import type { Theme } from './theme';
import { describeExit, formatBytes } from './format';

export const GUTTER = 190;
/** Beyond this many spans per pixel in view, a column is drawn from its level-of-detail summary. */
const LOD_SPANS_PER_PIXEL = 4;

export interface Highlight {
  /** Selected span: lane and index within the lane's column. */
  lane: Lane | null;
  column: 'tasks' | 'waits' | 'slices' | 'messages' | null;
  index: number;
  /** Pid or channel whose arrows always show (selection or hover). */
  focusPid: number | null;
  focusChannel: string | null;
  messageIndex: number | null;
}

export interface Frame {
  ctx: CanvasRenderingContext2D;
  store: TimelineStore;
  theme: Theme;
  /** Pixel = ns * k + b. */
  k: number;
  b: number;
  t0: number;
  t1: number;
  width: number;
  height: number;
  scrollY: number;
  ticks: number[];
  range: [number, number] | null;
  highlight: Highlight;
  hoverPid: number | null;
  /** Whether a task with this style (function * 2 + failed) and pid passes the filter. */
  passes: (style: number, pid: number) => boolean;
  functionColours: string[];
  processColours: Map<number, string>;
  hatch: CanvasPattern | null;
  /** Where bars go (drawn over the lanes' backgrounds, under selection and arrows). */
  bars: PixelLayer;
}

export interface LaneCounts {
  bars: number;
  mergedMarks: number;
  mergedEvents: number;
  waitBars: number;
}

export interface DrawResult extends ArrowCounts {
  counts: Map<Lane, LaneCounts>;
}

const emptyCounts = (): LaneCounts => ({ bars: 0, mergedMarks: 0, mergedEvents: 0, waitBars: 0 });

export function drawFrame(f: Frame): DrawResult {
  const { ctx, theme, width, height } = f;
  ctx.fillStyle = theme.background;
  ctx.fillRect(0, 0, width, height);
  ctx.font = theme.font;
  ctx.textBaseline = 'middle';
  ctx.strokeStyle = theme.grid;
  ctx.lineWidth = 1;
  for (const t of f.ticks) {
    const x = Math.round(t * f.k + f.b) + 0.5;
    ctx.beginPath();
    ctx.moveTo(x, 0);
    ctx.lineTo(x, height);
    ctx.stroke();
  }
  const counts = new Map<Lane, LaneCounts>();
  const visible = f.store.lanes.filter((lane) => {
    const top = lane.y - f.scrollY;
    return top + lane.height >= 0 && top <= height;
  });
  for (const lane of visible) {
    const top = lane.y - f.scrollY;
    const c = emptyCounts();
    counts.set(lane, c);
    ctx.save();
    ctx.beginPath();
    ctx.rect(GUTTER, top, width - GUTTER, lane.height);
    ctx.clip();
    f.bars.clip(GUTTER, top, width - GUTTER, lane.height);
    drawLane(f, lane, top, c);
    ctx.restore();
    ctx.fillStyle = theme.grid;
    ctx.fillRect(0, top + lane.height - 1, width, 1);
  }
  f.bars.paint(ctx, theme.dark ? '#111111' : '#ffffff');
  for (const lane of visible) {
    const top = lane.y - f.scrollY;
    if (lane.kind === 'process') drawSelection(f, lane, top);
    if (lane.kind === 'parallelism') drawCoreCountLine(f, lane, top);
  }
  if (f.range) {
    const x0 = f.range[0] * f.k + f.b;
    const x1 = f.range[1] * f.k + f.b;
    ctx.fillStyle = theme.range;
    ctx.fillRect(Math.max(GUTTER, x0), 0, Math.max(1, x1 - Math.max(GUTTER, x0)), height);
  }
  const arrows = drawArrows(f);
  drawGutter(f);
  return { counts, ...arrows };
}

function drawLane(f: Frame, lane: Lane, top: number, c: LaneCounts): void {
  const { ctx, theme } = f;
  switch (lane.kind) {
    case 'process':
      drawProcess(f, lane, top, c);
      break;
    case 'core': {
      const colour = (i: number): string => f.processColours.get(lane.slices.ref[i]) ?? theme.muted;
      const alpha = (i: number): number =>
        (f.hoverPid !== null && lane.slices.ref[i] !== f.hoverPid ? 0.2 : 1) *
        Math.max(0.25, lane.slices.style[i] / 1000);
      drawSpans(f, lane.slices, top + 2, lane.height - 4, colour, alpha, c, null, 'ref');
      break;
    }
    case 'channel':
      drawDepth(f, lane, top);
      break;
    case 'parallelism':
      drawParallelism(f, lane, top);
      break;
    case 'section':
      ctx.fillStyle = theme.grid;
      ctx.fillRect(GUTTER, top, f.width - GUTTER, lane.height);
      if (lane.note) {
        ctx.fillStyle = theme.muted;
        ctx.fillText(lane.note, GUTTER + 8, top + lane.height / 2);
      }
      break;
  }
}

function drawProcess(f: Frame, lane: ProcessLane, top: number, c: LaneCounts): void {
  const { ctx, theme } = f;
  const p = lane.process;
  const colour = f.processColours.get(p.pid) ?? theme.muted;
  const end = p.exitNs ?? p.runEndNs ?? f.store.wallNs;
  const created = p.createdNs ?? p.startNs;
  const running = p.runBeginNs ?? p.startNs;
  const px = (t: number): number => t * f.k + f.b;
  if (created !== null && running !== null && running > created) {
    ctx.fillStyle = f.hatch ?? theme.grid;
    ctx.fillRect(px(created), top + 4, px(running) - px(created), lane.height - 8);
  }
  if (running !== null) {
    ctx.globalAlpha = 0.12;
    ctx.fillStyle = colour;
    ctx.fillRect(px(running), top + 3, Math.max(1, px(end) - px(running)), lane.height - 6);
    ctx.globalAlpha = 1;
  }
  if (p.exitNs !== null) {
    const x = px(p.exitNs);
    ctx.fillStyle = p.exitCode !== 0 && p.exitCode !== null ? theme.failed : theme.foreground;
    ctx.fillRect(x - 1, top + 2, 2, lane.height - 4);
    if (p.exitCode !== 0) ctx.fillText(describeExit(p), x + 4, top + lane.height / 2);
  }
  const tasks = lane.tasks;
  const taskColour = (i: number): string => {
    const style = tasks.style[i];
    return style & 1 ? theme.failed : f.functionColours[style >> 1];
  };
  const taskAlpha = (i: number): number => (f.passes(tasks.style[i], p.pid) ? 1 : 0.15);
  const label = (i: number): string => f.store.functionOf(tasks.style[i]).name;
  drawSpans(f, tasks, top + 3, lane.height - 10, taskColour, taskAlpha, c, label);
  const waits = emptyCounts();
  drawSpans(
    f,
    lane.waits,
    top + lane.height - 6,
    4,
    () => theme.wait,
    () => 1,
    waits,
    null,
  );
  c.waitBars = waits.bars + waits.mergedEvents;
}

/** Outlines the selected task or wait. */
function drawSelection(f: Frame, lane: ProcessLane, top: number): void {
  const h = f.highlight;
  if (h.lane !== lane || h.index < 0 || (h.column !== 'tasks' && h.column !== 'waits')) return;
  const column = h.column === 'tasks' ? lane.tasks : lane.waits;
  const x0 = column.start[h.index] * f.k + f.b;
  const x1 = column.end[h.index] * f.k + f.b;
  f.ctx.strokeStyle = f.theme.selection;
  f.ctx.lineWidth = 2;
  f.ctx.strokeRect(x0 - 1, top + 1, Math.max(2, x1 - x0) + 2, lane.height - 2);
}

/**
 * Draws the visible spans of a column. Spans of a pixel or more are bars; narrower ones are gathered
 * per pixel column: a column holding one span draws it 1 px wide, a column holding several is a
 * "many events" column (grey, or the spans' colour when they all share one) with a 1 px tick on top.
 * Touching rectangles that look alike are joined into one, and so are the ticks. With more than
 * LOD_SPANS_PER_PIXEL spans per pixel in view, the column's summary at about a pixel per bucket is
 * walked instead of its spans, so a zoomed-out frame costs O(pixels), not O(events).
 */
function drawSpans(
  f: Frame,
  column: SpanColumn,
  y: number,
  h: number,
  colour: (i: number) => string,
  alpha: (i: number) => number,
  c: LaneCounts,
  label: ((i: number) => string) | null,
  keysName: 'style' | 'ref' = 'style',
): void {
  const { bars, k, b, t0, t1 } = f;
  const { start, end } = column;
  const keys = column[keysName];
  // Bars and "many events" ticks are two bands: the ticks are drawn once the bars are done.
  const tickRuns: number[] = [];
  const fills = new RunJoiner((fill, a, x0, x1) => bars.bandRect(fill, a, x0, x1));
  const ticks = new RunJoiner((_fill, _a, x0, x1) => {
    tickRuns.push(x0, x1);
    c.mergedMarks++;
  });
  bars.beginBand(y, h);
  let px = -1;
  let count = 0;
  let longest = -1;
  let longestWidth = -1;
  let mixed = false;
  const flushColumn = (): void => {
    if (count === 1) {
      fills.add(colour(longest), alpha(longest), px, px + 1);
      c.bars++;
    } else if (count > 1) {
      fills.add(mixed ? f.theme.merged : colour(longest), alpha(longest), px, px + 1);
      ticks.add(f.theme.merged, 1, px, px + 1);
      c.mergedEvents += count;
    }
    count = 0;
    longestWidth = -1;
    mixed = false;
  };
  /** A span overlapping the window: a bar, or one more span in its pixel column. */
  const visit = (i: number): void => {
    const x0 = start[i] * k + b;
    const x1 = end[i] * k + b;
    const width = x1 - x0;
    if (width >= 1) {
      flushColumn();
      px = -1;
      fills.add(colour(i), alpha(i), x0, x1);
      c.bars++;
      if (label && width > 40) drawLabel(f, label(i), x0, x1, y + h / 2);
      return;
    }
    addToColumn(Math.floor(x0), 1, i, width, false);
  };
  /** `n` spans narrower than a pixel starting in pixel column `pixel`; `rep` is the longest. */
  const addToColumn = (pixel: number, n: number, rep: number, width: number, many: boolean) => {
    if (pixel !== px) {
      flushColumn();
      px = pixel;
    }
    if (many || (count > 0 && keys[rep] !== keys[longest])) mixed = true;
    count += n;
    if (width > longestWidth) {
      longest = rep;
      longestWidth = width;
    }
  };
  const first = column.firstVisible(t0);
  const last = column.endOf(t1);
  const nsPerPixel = 1 / k;
  if (last - first <= LOD_SPANS_PER_PIXEL * (f.width - GUTTER) || nsPerPixel < 2) {
    for (let i = first; i < last; i++) if (end[i] >= t0) visit(i);
  } else {
    walkSummary(column, column.summary(Math.floor(Math.log2(nsPerPixel)), keysName), t0, t1, {
      visit: (i) => {
        if (end[i] >= t0 && start[i] <= t1) visit(i);
      },
      bucket: (at, n, rep, many) => {
        addToColumn(Math.floor(at * k + b), n, rep, (end[rep] - start[rep]) * k, many);
      },
    });
  }
  flushColumn();
  fills.flush();
  ticks.flush();
  bars.endBand();
  bars.beginBand(y - 1, 1);
  for (let i = 0; i < tickRuns.length; i += 2) {
    bars.bandRect(f.theme.merged, 1, tickRuns[i], tickRuns[i + 1]);
  }
  bars.endBand();
}

interface SummaryVisitor {
  /** A span to draw if it overlaps the window. */
  visit(i: number): void;
  /** `n` spans shorter than a bucket, all in the window, starting in the bucket at `startNs`. */
  bucket(startNs: number, n: number, longest: number, mixed: boolean): void;
}

/**
 * Walks a summary over [t0, t1] in start order: long spans one by one, buckets of short ones whole,
 * except buckets cut by the window's edges, whose spans are visited one by one so counts stay exact.
 */
function walkSummary(
  column: SpanColumn,
  summary: SpanSummary,
  t0: number,
  t1: number,
  v: SummaryVisitor,
): void {
  const { start, end } = column;
  const { long, longCount, bucketStart, buckets, bucketNs } = summary;
  let l = lowerIndex(longCount, (j) => start[long[j]] < t0 - column.maxDuration);
  // A bucket's spans end before its start + 2 buckets.
  let q = lowerIndex(buckets, (j) => bucketStart[j] <= t0 - 2 * bucketNs);
  for (;;) {
    const longAt = l < longCount ? start[long[l]] : Infinity;
    const bucketAt = q < buckets ? bucketStart[q] : Infinity;
    if (Math.min(longAt, bucketAt) > t1) break;
    if (longAt <= bucketAt) {
      v.visit(long[l++]);
      continue;
    }
    if (bucketAt >= t0 && bucketAt + bucketNs <= t1) {
      v.bucket(bucketAt, summary.count[q], summary.longest[q], summary.mixed[q] === 1);
    } else {
      for (let i = summary.first[q]; i < column.length && start[i] < bucketAt + bucketNs; i++) {
        if (end[i] - start[i] < bucketNs) v.visit(i);
      }
    }
    q++;
  }
}

/** The first index in [0, length) where `before` turns false (it must be true, then false). */
function lowerIndex(length: number, before: (i: number) => boolean): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Joins rectangles that touch (within half a pixel) and share fill and opacity into one. */
class RunJoiner {
  private fill = '';
  private alpha = 1;
  private x0 = 0;
  private x1 = -Infinity;

  constructor(
    private readonly emit: (fill: string, alpha: number, x0: number, x1: number) => void,
  ) {}

  add(fill: string, alpha: number, x0: number, x1: number): void {
    if (fill === this.fill && alpha === this.alpha && x0 <= this.x1 + 0.5) {
      this.x1 = Math.max(this.x1, x1);
      return;
    }
    this.flush();
    [this.fill, this.alpha, this.x0, this.x1] = [fill, alpha, x0, x1];
  }

  flush(): void {
    if (this.x1 > this.x0) this.emit(this.fill, this.alpha, this.x0, this.x1);
    this.x1 = -Infinity;
  }
}

function drawLabel(f: Frame, text: string, x0: number, x1: number, y: number): void {
  const left = Math.max(x0, GUTTER) + 3;
  const room = Math.min(x1, f.width) - left - 3;
  if (room < 20) return;
  const chars = Math.floor(room / 6.5);
  f.bars.label(text.length > chars ? text.slice(0, Math.max(1, chars - 1)) + '…' : text, left, y);
}

function drawDepth(f: Frame, lane: Extract<Lane, { kind: 'channel' }>, top: number): void {
  const { ctx, k, b, t0, t1 } = f;
  const times = lane.depthTimes;
  const values = lane.depthValues;
  const scale = (lane.height - 6) / Math.max(1, lane.maxDepth);
  const base = top + lane.height - 2;
  ctx.fillStyle = f.processColours.get(lane.channel.createdPid ?? -1) ?? f.theme.muted;
  ctx.globalAlpha = 0.6;
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid] < t0) lo = mid + 1;
    else hi = mid;
  }
  // Segments narrower than a pixel are folded into one column at their deepest depth.
  let columnX = -1;
  let columnMax = 0;
  const flushColumn = (): void => {
    if (columnX >= 0 && columnMax > 0) {
      ctx.fillRect(columnX, base - columnMax * scale, 1, columnMax * scale);
    }
    columnX = -1;
    columnMax = 0;
  };
  let depth = lo > 0 ? values[lo - 1] : 0;
  let x = Math.max(GUTTER, t0 * k + b);
  const lastX = Math.min(f.width, t1 * k + b);
  for (let i = lo; ; i++) {
    const last = i >= times.length || times[i] > t1;
    const nextX = last ? lastX : times[i] * k + b;
    if (nextX - x >= 1) {
      flushColumn();
      if (depth > 0) ctx.fillRect(x, base - depth * scale, nextX - x, depth * scale);
    } else {
      if (Math.floor(x) !== columnX) flushColumn();
      columnX = Math.floor(x);
      columnMax = Math.max(columnMax, depth);
    }
    if (last) break;
    x = nextX;
    depth = values[i];
  }
  flushColumn();
  ctx.globalAlpha = 1;
}

function drawParallelism(f: Frame, lane: ParallelismLane, top: number): void {
  const { theme, k, b } = f;
  const scale = (lane.height - 6) / lane.maxValue;
  const base = top + lane.height - 2;
  for (const s of lane.series) {
    if (s.endNs < f.t0 || s.startNs > f.t1) continue;
    const x0 = s.startNs * k + b;
    const w = Math.max(1, s.endNs * k + b - x0);
    f.bars.rect(theme.running, 1, x0, base - s.running * scale, w, s.running * scale);
    const runnableTop = base - (s.running + s.runnable) * scale;
    f.bars.rect(theme.runnable, 1, x0, runnableTop, w, s.runnable * scale);
  }
}

/** The dashed line at the core count, over the parallelism bars. */
function drawCoreCountLine(f: Frame, lane: ParallelismLane, top: number): void {
  const { ctx, theme } = f;
  const base = top + lane.height - 2;
  const y = Math.round(base - lane.cpuCount * ((lane.height - 6) / lane.maxValue)) + 0.5;
  ctx.strokeStyle = theme.foreground;
  ctx.setLineDash([4, 3]);
  ctx.beginPath();
  ctx.moveTo(GUTTER, y);
  ctx.lineTo(f.width, y);
  ctx.stroke();
  ctx.setLineDash([]);
}

function drawGutter(f: Frame): void {
  const { ctx, theme, store } = f;
  ctx.fillStyle = theme.background;
  ctx.fillRect(0, 0, GUTTER, f.height);
  ctx.fillStyle = theme.border;
  ctx.fillRect(GUTTER - 1, 0, 1, f.height);
  for (const lane of store.lanes) {
    const top = lane.y - f.scrollY;
    if (top + lane.height < 0 || top > f.height) continue;
    const selected = f.highlight.lane === lane && f.highlight.column === null;
    if (selected) {
      ctx.fillStyle = theme.range;
      ctx.fillRect(0, top, GUTTER - 1, lane.height);
    }
    let x = 6;
    let sub: string | null = null;
    if (lane.kind === 'process') {
      x += lane.depth * 10;
      ctx.fillStyle = f.processColours.get(lane.pid) ?? theme.muted;
      ctx.fillRect(x, top + 5, 4, lane.height - 10);
      x += 8;
      sub = `${lane.process.role} · ${describeExit(lane.process)}`;
    } else if (lane.kind === 'channel') {
      sub = `${lane.messages.length} msgs · ${formatBytes(lane.bytes)} · max depth ${lane.maxDepth}`;
    }
    ctx.fillStyle = lane.kind === 'section' ? theme.muted : theme.foreground;
    const text = fit(ctx, lane.label, GUTTER - x - 4);
    if (sub && lane.height >= 24) {
      ctx.fillText(text, x, top + 8);
      ctx.fillStyle = theme.muted;
      ctx.fillText(fit(ctx, sub, GUTTER - x - 4), x, top + 19);
    } else {
      ctx.fillText(text, x, top + lane.height / 2);
    }
  }
}

/** Fitted gutter labels by font, room and text: measuring them char by char every frame shows. */
const fitted = new Map<string, string>();

function fit(ctx: CanvasRenderingContext2D, text: string, room: number): string {
  const key = `${ctx.font}|${room}|${text}`;
  let result = fitted.get(key);
  if (result === undefined) {
    if (fitted.size > 2000) fitted.clear();
    let n = text.length;
    if (ctx.measureText(text).width > room) {
      while (n > 1 && ctx.measureText(text.slice(0, n) + '…').width > room) n--;
      result = text.slice(0, n) + '…';
    } else {
      result = text;
    }
    fitted.set(key, result);
  }
  return result;
}
