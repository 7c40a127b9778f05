/**
 * Message arrows put -> get between process lanes. Up to ARROW_LIMIT visible messages all get arrows;
 * beyond that only those of the selected or hovered process, queue or message, and at most
 * FOCUS_LIMIT of those (evenly spread). Everything not drawn is counted, so the view can say so.
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
  const firsts = channels.map((lane) => lane.messages.firstVisible(t0));
  const pid = highlight.focusPid ?? -2;
  const selected = highlight.messageIndex ?? -2;
  const paths = { normal: new ArrowPath(), focused: new ArrowPath(), selected: new ArrowPath() };
  let visible = 0;
  let focused = 0;
  let drawn = 0;
  /**
   * Walks the visible received messages on typed arrays only. The first pass (stride 0) counts;
   * the second adds arrows: all of them, or every `stride`-th focused one.
   */
  const scan = (all: boolean, stride: number): void => {
    let seen = 0;
    channels.forEach((lane, c) => {
      const { start, end, style, ref, length } = lane.messages;
      const { sendPids, recvPids } = lane;
      const laneFocus = lane.channel.id === highlight.focusChannel;
      for (let i = firsts[c]; i < length && start[i] <= t1; i++) {
        if (end[i] < t0 || style[i] !== 1) continue;
        const isFocus =
          laneFocus || sendPids[i] === pid || recvPids[i] === pid || ref[i] === selected;
        if (stride === 0) {
          visible++;
          if (isFocus) focused++;
          continue;
        }
        if (!all && (!isFocus || seen++ % stride !== 0)) continue;
        const path = ref[i] === selected ? paths.selected : isFocus ? paths.focused : paths.normal;
        if (addArrow(f, path, ref[i])) drawn++;
      }
    });
  };
  scan(false, 0);
  const all = visible <= ARROW_LIMIT;
  const stride = all ? 1 : Math.max(1, Math.ceil(focused / FOCUS_LIMIT));
  if (all || focused > 0) scan(all, stride);
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
