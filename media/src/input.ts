/** Pointer and keyboard bindings: hover tooltips, click to select, Shift+drag ranges, WASD/F/Esc. */
import { GUTTER } from './draw';
import { showTooltip } from './panels';
import type { Picked } from './picking';
import type { Timeline } from './timeline';

const TOOLTIP_FIELDS = new Set([
  'duration',
  'pid',
  'items',
  'argBytes',
  'resultBytes',
  'error',
  'kind',
  'bytes',
  'latency',
  'on CPU',
  'exit',
  'role',
  'messages',
]);

function tooltipLines(pick: Picked): string[] {
  const lines = pick.fields
    .filter(([key]) => TOOLTIP_FIELDS.has(key))
    .map(([k, v]) => `${k}: ${v}`);
  return [pick.title, ...lines];
}

export function bindInput(view: Timeline): void {
  const { canvas, scroll, filter } = view.e;
  let rangeStart: number | null = null;

  const timeAt = (clientX: number): number => {
    const px = clientX - canvas.getBoundingClientRect().left;
    return Math.max(0, view.x.invert(Math.max(GUTTER, px)));
  };

  canvas.addEventListener('pointerdown', (event) => {
    if (!event.shiftKey || event.button !== 0 || !view.store) return;
    rangeStart = timeAt(event.clientX);
    canvas.setPointerCapture(event.pointerId);
  });
  canvas.addEventListener('pointermove', (event) => {
    if (rangeStart !== null) {
      const t = timeAt(event.clientX);
      view.setRange([Math.min(rangeStart, t), Math.max(rangeStart, t)]);
      return;
    }
    if (event.buttons) return;
    const pick = view.pick(event.clientX, event.clientY);
    const changed = pick?.lane !== view.hover?.lane || pick?.pid !== view.hover?.pid;
    view.hover = pick;
    if (changed) view.scheduleDraw();
    const hasSpan = pick && pick.index >= 0;
    showTooltip(view.e, hasSpan ? tooltipLines(pick) : null, event.clientX, event.clientY);
  });
  canvas.addEventListener('pointerup', (event) => {
    if (rangeStart === null) return;
    const t = timeAt(event.clientX);
    const range: [number, number] = [Math.min(rangeStart, t), Math.max(rangeStart, t)];
    rangeStart = null;
    canvas.releasePointerCapture(event.pointerId);
    const [x0, x1] = [view.x(range[0]), view.x(range[1])];
    view.setRange(x1 - x0 >= 2 ? range : null);
  });
  canvas.addEventListener('pointerleave', () => {
    view.hover = null;
    showTooltip(view.e, null, 0, 0);
    view.scheduleDraw();
  });
  canvas.addEventListener('click', (event) => {
    if (event.shiftKey) return;
    canvas.focus();
    view.select(view.pick(event.clientX, event.clientY));
  });
  canvas.addEventListener(
    'wheel',
    (event) => {
      if (!event.shiftKey) return;
      // Shift+wheel scrolls the lanes; a plain wheel zooms (d3-zoom).
      scroll.scrollTop += event.deltaY || event.deltaX;
      event.preventDefault();
    },
    { passive: false },
  );
  scroll.addEventListener('scroll', () => view.scheduleDraw());
  filter.addEventListener('input', () => view.setFilter(filter.value));
  document.addEventListener('keydown', (event) => {
    const target = event.target as HTMLElement | null;
    if (target && (target.tagName === 'INPUT' || target.tagName === 'BUTTON')) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (handleKey(view, event.key)) event.preventDefault();
  });
}

function handleKey(view: Timeline, key: string): boolean {
  const step = (view.width - GUTTER) * 0.2;
  switch (key.toLowerCase()) {
    case 'w':
      view.zoomBy(1.5);
      return true;
    case 's':
      view.zoomBy(1 / 1.5);
      return true;
    case 'a':
      view.panBy(-step);
      return true;
    case 'd':
      view.panBy(step);
      return true;
    case 'f':
      view.fit();
      return true;
    case 'escape':
      view.select(null);
      view.setRange(null);
      return true;
    case 'enter':
      view.goToSelectedSource();
      return true;
    case 'arrowdown':
      view.e.scroll.scrollTop += 40;
      return true;
    case 'arrowup':
      view.e.scroll.scrollTop -= 40;
      return true;
    default:
      return false;
  }
}
