/** The DOM around the canvas: header, toolbar, legend, details and range panels, tooltip. Text only. */
import { formatBytes, formatDuration } from './format';
import type { HeaderItem } from './header';
import type { Picked, RangeRow } from './picking';

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export interface Elements {
  header: HTMLElement;
  notices: HTMLElement;
  filter: HTMLInputElement;
  legend: HTMLElement;
  status: HTMLElement;
  axis: SVGSVGElement;
  scroll: HTMLElement;
  spacer: HTMLElement;
  canvas: HTMLCanvasElement;
  diagnosis: HTMLElement;
  details: HTMLElement;
  range: HTMLElement;
  tooltip: HTMLElement;
  error: HTMLElement;
}

export function buildDom(root: HTMLElement): Elements {
  root.replaceChildren();
  const header = el('header', 'summary');
  header.setAttribute('aria-live', 'polite');
  const notices = el('div', 'notices');
  const toolbar = el('div', 'toolbar');
  const filter = el('input', 'filter');
  filter.type = 'search';
  filter.placeholder = 'Filter by function or process';
  filter.setAttribute('aria-label', 'Filter by function or process');
  const legend = el('div', 'legend');
  const help = el(
    'span',
    'help',
    'Wheel/W/S zoom · drag/A/D pan · F fit · Shift+drag select range · click for details · Esc clear',
  );
  const status = el('span', 'status');
  toolbar.append(filter, legend, help, status);
  const main = el('div', 'main');
  const timeline = el('div', 'timeline');
  const axis = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  axis.classList.add('axis');
  const scroll = el('div', 'lanes');
  const canvas = el('canvas');
  canvas.tabIndex = 0;
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', 'Timeline: one lane per process, CPU core and queue');
  const spacer = el('div', 'spacer');
  scroll.append(canvas, spacer);
  timeline.append(axis, scroll);
  const side = el('aside', 'side');
  // Collapsible so the selection details stay in view on small screens.
  const diagnosisBox = el('details', 'diagnosis-box');
  diagnosisBox.open = true;
  const diagnosis = el('div', 'diagnosis-body');
  diagnosisBox.append(el('summary', undefined, 'Diagnosis'), diagnosis);
  const details = el('section', 'details');
  const range = el('section', 'range');
  side.append(diagnosisBox, details, range);
  main.append(timeline, side);
  const tooltip = el('div', 'tooltip');
  tooltip.setAttribute('role', 'tooltip');
  const error = el('div', 'error');
  root.append(header, notices, toolbar, main, tooltip, error);
  showDetails({ details } as Elements, null, false, () => undefined);
  return {
    header,
    notices,
    filter,
    legend,
    status,
    axis,
    scroll,
    spacer,
    canvas,
    diagnosis,
    details,
    range,
    tooltip,
    error,
  };
}

export function renderHeader(e: Elements, items: HeaderItem[], notices: string[]): void {
  e.header.replaceChildren(
    ...items.map(([label, value, title]) => {
      const item = el('span', 'stat');
      if (title) item.title = title;
      item.append(el('span', 'stat-label', label), el('span', 'stat-value', value));
      return item;
    }),
  );
  e.notices.replaceChildren(...notices.map((text) => el('div', 'notice', text)));
}

export function renderLegend(
  e: Elements,
  functions: { name: string; colour: string }[],
  reserved: { name: string; colour: string; className?: string }[],
  onPick: (name: string) => void,
): void {
  const items: HTMLElement[] = functions.slice(0, 24).map(({ name, colour }) => {
    const item = el('button', 'legend-item');
    item.type = 'button';
    item.title = `Filter to ${name}`;
    const swatch = el('span', 'swatch');
    swatch.style.background = colour;
    item.append(swatch, el('span', undefined, name));
    item.addEventListener('click', () => onPick(name));
    return item;
  });
  if (functions.length > 24)
    items.push(el('span', 'legend-more', `+${functions.length - 24} more`));
  for (const r of reserved) {
    const item = el('span', 'legend-item reserved');
    const swatch = el('span', `swatch ${r.className ?? ''}`);
    swatch.style.background = r.colour;
    item.append(swatch, el('span', undefined, r.name));
    items.push(item);
  }
  e.legend.replaceChildren(...items);
}

export function showDetails(
  e: Pick<Elements, 'details'>,
  pick: Picked | null,
  canGoToSource: boolean,
  goToSource: (pick: Picked) => void,
): void {
  if (!pick) {
    e.details.replaceChildren(
      el('p', 'hint', 'Click a task, wait, process, core slice or message.'),
    );
    return;
  }
  const list = el('dl');
  for (const [key, value] of pick.fields)
    list.append(el('dt', undefined, key), el('dd', undefined, value));
  const children: HTMLElement[] = [el('h2', undefined, pick.title)];
  if (pick.source?.file) {
    const button = el('button', 'go-to-source', 'Go to source');
    button.type = 'button';
    const where = `${pick.source.file}:${pick.source.line ?? 1}`;
    button.title = canGoToSource ? where : `${where} (opens in VS Code)`;
    button.disabled = !canGoToSource;
    button.addEventListener('click', () => goToSource(pick));
    children.push(button);
  }
  children.push(list);
  e.details.replaceChildren(...children);
}

export function showRange(e: Elements, range: [number, number] | null, rows: RangeRow[]): void {
  if (!range) {
    e.range.replaceChildren(el('p', 'hint', 'Shift+drag on the timeline to select a time range.'));
    return;
  }
  const table = el('table');
  const head = el('tr');
  for (const title of ['process', 'busy', '%', 'tasks', 'bytes out', 'bytes in']) {
    head.append(el('th', undefined, title));
  }
  table.append(head);
  for (const r of rows) {
    const row = el('tr');
    row.append(
      el('td', undefined, r.label),
      el('td', 'num', formatDuration(r.busyNs)),
      el('td', 'num', r.percent.toFixed(1)),
      el('td', 'num', String(r.tasks)),
      el('td', 'num', formatBytes(r.bytesOut)),
      el('td', 'num', formatBytes(r.bytesIn)),
    );
    table.append(row);
  }
  const title = `Range ${formatDuration(range[0])} – ${formatDuration(range[1])} (${formatDuration(range[1] - range[0])})`;
  e.range.replaceChildren(el('h2', undefined, title), table);
}

export function showTooltip(e: Elements, lines: string[] | null, x: number, y: number): void {
  if (!lines) {
    e.tooltip.classList.remove('visible');
    return;
  }
  e.tooltip.replaceChildren(
    ...lines.map((line, i) => el('div', i === 0 ? 'tip-title' : undefined, line)),
  );
  e.tooltip.classList.add('visible');
  const left = Math.min(x + 14, window.innerWidth - e.tooltip.offsetWidth - 4);
  const top =
    y + 14 + e.tooltip.offsetHeight > window.innerHeight ? y - e.tooltip.offsetHeight - 8 : y + 14;
  e.tooltip.style.left = `${Math.max(0, left)}px`;
  e.tooltip.style.top = `${Math.max(0, top)}px`;
}
