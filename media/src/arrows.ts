/**
 * Message arrows put -> get between process lanes. Up to ARROW_LIMIT visible messages all get arrows;
 * beyond that only those of the selected or hovered process, queue or message, and at most
 * FOCUS_LIMIT of those (evenly spread). Everything not drawn is counted, so the view can say so.
 * Counting takes binary searches and only the focused messages are walked, so a frame at 1M messages
 * does not touch them all.
 * Arrows are batched into a few paths: one stroke and one fill per style.
 */
import { GUTTER, type Frame } from './draw';
import type { ChannelLane } from './lanes';
import { receivedAt } from './store';

export const ARROW_LIMIT = 300;
export const FOCUS_LIMIT = 3000;

export interface ArrowCounts {
  arrowsDrawn: number;
  arrowsHidden: number;
  /** Focused arrows left out because there were more than FOCUS_LIMIT. */
  focusThinned: boolean;
}

export function drawArrows(f: Frame): ArrowCounts {
  const { store, t0, t1, highlight } = f;
  const channels = store.lanes.filter((lane): lane is ChannelLane => lane.kind === 'channel');
  const pid = highlight.focusPid ?? -2;
  const selected = highlight.messageIndex ?? -2;
  const paths = { normal: new ArrowPath(), focused: new ArrowPath(), selected: new ArrowPath() };
  let visible = 0;
  for (const lane of channels) visible += receivedOverlapping(lane, t0, t1);
  let drawn = 0;
  let stride = 1;
  if (visible <= ARROW_LIMIT) {
    for (const lane of channels) {
      const { sendPids, recvPids } = lane;
      const { ref } = lane.messages;
      const laneFocus = lane.channel.id === highlight.focusChannel;
      forEachVisible(lane, null, t0, t1, (i) => {
        const isFocus = laneFocus || sendPids[i] === pid || recvPids[i] === pid;
        const path = ref[i] === selected ? paths.selected : isFocus ? paths.focused : paths.normal;
        if (addArrow(f, path, ref[i])) drawn++;
      });
    }
  } else {
    // Only the focused ones: the focused lane's, the focused process's and the selected message.
    const focus = channels.map((lane) =>
      lane.channel.id === highlight.focusChannel ? null : pidPositions(lane, pid),
    );
    const walk = (visit: (lane: ChannelLane, i: number) => void): void => {
      channels.forEach((lane, c) => forEachVisible(lane, focus[c], t0, t1, (i) => visit(lane, i)));
    };
    let focused = 0;
    walk(() => focused++);
    const selectedShown = selectedOutsideFocus(f, channels, selected, pid);
    stride = Math.max(1, Math.ceil(focused / FOCUS_LIMIT));
    let seen = 0;
    walk((lane, i) => {
      const ref = lane.messages.ref[i];
      if (seen++ % stride !== 0 && ref !== selected) return;
      if (addArrow(f, ref === selected ? paths.selected : paths.focused, ref)) drawn++;
    });
    if (selectedShown && addArrow(f, paths.selected, selected)) drawn++;
  }
  const { ctx, theme } = f;
  ctx.save();
  ctx.beginPath();
  ctx.rect(GUTTER, 0, f.width - GUTTER, f.height);
  ctx.clip();
  ctx.lineWidth = 1;
  paths.normal.paint(ctx, theme.foreground, 0.45);
  paths.focused.paint(ctx, theme.foreground, 0.9);
  paths.selected.paint(ctx, theme.selection, 1);
  ctx.restore();
  return { arrowsDrawn: drawn, arrowsHidden: visible - drawn, focusThinned: stride > 1 };
}

/** Received messages of `lane` overlapping [t0, t1]: received by t1's put, minus received before t0. */
function receivedOverlapping(lane: ChannelLane, t0: number, t1: number): number {
  const { start, length } = lane.messages;
  const putUpTo = lowerBound(start, length, t1, true);
  return (
    lane.receivedBefore[putUpTo] -
    lowerBound(lane.sortedReceived, lane.sortedReceived.length, t0, false)
  );
}

/** Index of the first value > target (`after`) or >= target in sorted values[0, length). */
function lowerBound(values: Float64Array, length: number, target: number, after: boolean): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid] < target || (after && values[mid] === target)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Positions in `lane` of the messages `pid` sent or received (cached on the lane). */
function pidPositions(lane: ChannelLane, pid: number): Int32Array {
  let positions = lane.byPid.get(pid);
  if (!positions) {
    const { sendPids, recvPids } = lane;
    const list: number[] = [];
    for (let i = 0; i < lane.messages.length; i++) {
      if (sendPids[i] === pid || recvPids[i] === pid) list.push(i);
    }
    lane.byPid.set(pid, (positions = Int32Array.from(list)));
  }
  return positions;
}

/**
 * Calls `visit` with each position of a received message overlapping [t0, t1], in put order: among
 * `positions` (sorted) or, when null, all of the lane's messages.
 */
function forEachVisible(
  lane: ChannelLane,
  positions: Int32Array | null,
  t0: number,
  t1: number,
  visit: (i: number) => void,
): void {
  const { start, end, style } = lane.messages;
  const from = lane.messages.firstVisible(t0);
  if (positions === null) {
    for (let i = from; i < lane.messages.length && start[i] <= t1; i++) {
      if (end[i] >= t0 && style[i] === 1) visit(i);
    }
    return;
  }
  let lo = 0;
  let hi = positions.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (positions[mid] < from) lo = mid + 1;
    else hi = mid;
  }
  for (let j = lo; j < positions.length && start[positions[j]] <= t1; j++) {
    const i = positions[j];
    if (end[i] >= t0 && style[i] === 1) visit(i);
  }
}

/**
 * Whether the selected message (index in trace.messages) is received, overlaps [t0, t1] and is not
 * among the focused ones (its lane is not focused and `pid` neither sent nor received it).
 */
function selectedOutsideFocus(
  f: Frame,
  channels: ChannelLane[],
  selected: number,
  pid: number,
): boolean {
  const m = f.store.trace.messages[selected];
  const lane = m && channels.find((c) => c.channel.id === m.channel);
  if (!lane || lane.channel.id === f.highlight.focusChannel) return false;
  const { start, end, style, ref, length } = lane.messages;
  for (let i = lowerBound(start, length, m.putNs, false); i < length && start[i] === m.putNs; i++) {
    if (ref[i] !== selected) continue;
    const visible = start[i] <= f.t1 && end[i] >= f.t0 && style[i] === 1;
    return visible && lane.sendPids[i] !== pid && lane.recvPids[i] !== pid;
  }
  return false;
}

class ArrowPath {
  readonly lines = new Path2D();
  readonly heads = new Path2D();
  empty = true;

  paint(ctx: CanvasRenderingContext2D, colour: string, alpha: number): void {
    if (this.empty) return;
    ctx.globalAlpha = alpha;
    ctx.strokeStyle = colour;
    ctx.fillStyle = colour;
    ctx.stroke(this.lines);
    ctx.fill(this.heads);
    ctx.globalAlpha = 1;
  }
}

function addArrow(f: Frame, path: ArrowPath, index: number): boolean {
  const { store, k, b } = f;
  const m = store.trace.messages[index];
  const from = store.processLanes.get(m.sendPid);
  const to = m.recvPid === null ? undefined : store.processLanes.get(m.recvPid);
  const received = receivedAt(m);
  if (!from || !to || received === null) return false;
  const x0 = m.putNs * k + b;
  const x1 = received * k + b;
  const y0 = from.y - f.scrollY + from.height / 2;
  const y1 = to.y - f.scrollY + to.height / 2;
  path.lines.moveTo(x0, y0);
  path.lines.lineTo(x1, y1);
  const angle = Math.atan2(y1 - y0, x1 - x0);
  path.heads.moveTo(x1, y1);
  path.heads.lineTo(x1 - 6 * Math.cos(angle - 0.4), y1 - 6 * Math.sin(angle - 0.4));
  path.heads.lineTo(x1 - 6 * Math.cos(angle + 0.4), y1 - 6 * Math.sin(angle + 0.4));
  path.empty = false;
  return true;
}
