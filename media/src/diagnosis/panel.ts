/**
 * The "Why isn't it parallel?" panel: scaling figures, ranked findings with evidence and fixes, and a
 * time-breakdown bar per process. Every number and range is clickable to reveal it on the timeline.
 * Built with createElement/textContent only: trace strings are untrusted text.
 */
import {
  BREAKDOWN_CATEGORIES,
  type BreakdownCategory,
  CATEGORY_LABELS,
  type Diagnosis,
  type Finding,
  type ProcessBreakdown,
  type TimeRange,
} from '../../../src/analysis/types';
import type { SourceRef } from '../../../src/model/trace';
import { formatDuration } from '../format';

export type Reveal = (range: { startNs: number; endNs: number; pid?: number }) => void;
export type OpenSource = (file: string, line: number | null) => void;

/** Category colours, readable on light and dark themes; overhead in warm colours, work in green. */
const CATEGORY_COLORS: Record<BreakdownCategory, string> = {
  running: '#3fa34d',
  runnable: '#9c6ade',
  starved: '#8a8f98',
  contention: '#d9534f',
  join: '#5b8def',
  startup: '#e8a33d',
  ipc: '#e0703c',
  idle: 'transparent',
};

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(text: string, title: string, onClick: () => void): HTMLButtonElement {
  const node = el('button', 'diagnosis-link', text);
  node.type = 'button';
  node.title = title;
  node.addEventListener('click', onClick);
  return node;
}

const percent = (x: number) => `${(x * 100).toFixed(0)} %`;

/** Rows of label, value and an optional tooltip (on both) saying how the value is computed. */
type FigureRow = [label: string, value: string | Node, title?: string];

function definitionList(rows: FigureRow[]): HTMLDListElement {
  const list = el('dl', 'diagnosis-figures');
  for (const [label, value, title] of rows) {
    const dt = el('dt', undefined, label);
    const dd = el('dd');
    dd.append(value);
    if (title) dt.title = dd.title = title;
    list.append(dt, dd);
  }
  return list;
}

/** How far apart the two efficiencies may be before the panel explains the difference. */
const EFFICIENCY_GAP = 0.1;

/**
 * The header's CPU efficiency (threads on a core / cores, from /proc) next to this panel's work
 * efficiency, with why they differ when they do; null without core samples.
 */
function cpuEfficiencyNote(s: Diagnosis['scaling']): string | null {
  if (s.cpuParallelism === null) return null;
  const cpu = s.cpuParallelism / s.cores;
  const work = s.parallelism / s.cores;
  const figures = `CPU efficiency (header, from /proc): ${percent(cpu)} of ${s.cores} cores; busy time: ${percent(work)}.`;
  if (Math.abs(cpu - work) <= EFFICIENCY_GAP) return figures;
  return cpu > work
    ? `${figures} Processes were on a core outside their busy time: pickling, queue feeder threads, the parent's own work, start-up.`
    : `${figures} Busy processes were often off a core: sleeping, waiting on I/O, or runnable without a free core.`;
}

function scalingSection(d: Diagnosis, reveal: Reveal): HTMLElement {
  const s = d.scaling;
  const section = el('section', 'diagnosis-scaling');
  section.append(el('h2', undefined, "Why isn't it parallel?"));
  const rows: FigureRow[] = [
    [
      'Parallelism',
      `${s.parallelism.toFixed(2)} of ${s.workers} workers, ${s.cores} cores`,
      "Busy time of all working processes (tasks, or a process's own work) / wall time.",
    ],
    [
      'Work efficiency',
      `${percent(s.efficiency)} (vs workers ${percent(s.efficiencyVsWorkers)}, vs cores ${percent(s.efficiencyVsCores)})`,
      "Parallelism / min(workers, cores), from busy time. The header's CPU efficiency counts " +
        'threads on a core (from /proc) against all cores instead.',
    ],
    ['Serial fraction', percent(s.serialFraction)],
    ['Speedup', `${s.speedup.toFixed(2)}x over one process`],
    [
      `With ${s.amdahl2x.workers} workers`,
      `${formatDuration(s.amdahl2x.wallNs)} (Amdahl), ${s.amdahl2x.speedup.toFixed(2)}x`,
    ],
  ];
  const cpuNote = cpuEfficiencyNote(s);
  if (s.cpuParallelism !== null && cpuNote) {
    rows.push(['On a CPU', `${s.cpuParallelism.toFixed(2)} threads`, cpuNote]);
  }
  if (s.worstWindows.length > 0) {
    const windows = el('span');
    for (const w of s.worstWindows) {
      windows.append(
        button(
          `${formatDuration(w.startNs)}–${formatDuration(w.endNs)} (${w.busy.toFixed(2)})`,
          'Show this window on the timeline',
          () => reveal({ startNs: w.startNs, endNs: w.endNs }),
        ),
        ' ',
      );
    }
    rows.push(['Worst windows', windows]);
  }
  section.append(definitionList(rows));
  if (cpuNote) section.append(el('p', 'diagnosis-note', cpuNote));
  return section;
}

function locationText(ref: SourceRef): string {
  const file = ref.file ? ref.file.split(/[\\/]/).pop() : null;
  return file ? `${ref.name} (${file}${ref.line !== null ? `:${ref.line}` : ''})` : ref.name;
}

function findingItem(f: Finding, reveal: Reveal, openSource?: OpenSource): HTMLLIElement {
  const item = el('li', `diagnosis-finding diagnosis-${f.kind}`);
  const title = el('div', 'diagnosis-finding-title');
  title.append(
    el('strong', undefined, f.title),
    ` - costs ~${formatDuration(f.costNs)} (${percent(f.costShare)} of the run)`,
  );
  item.append(title);
  if (f.location) {
    const where = el('div', 'diagnosis-location', 'at ');
    const { file, line } = f.location;
    where.append(
      file && openSource
        ? button(locationText(f.location), file, () => openSource(file, line))
        : locationText(f.location),
    );
    item.append(where);
  }
  item.append(
    definitionList(f.evidence.map((e) => [e.label, e.value])),
    el('p', 'diagnosis-fix', `Fix: ${f.fix}`),
  );
  if (f.ranges.length > 0) {
    // Each click shows the next range, so a few clicks walk through the evidence.
    let next = 0;
    const show = button(`Show on timeline (${f.ranges.length})`, 'Reveal the evidence', () => {
      reveal(f.ranges[next]);
      next = (next + 1) % f.ranges.length;
    });
    item.append(show);
  }
  return item;
}

function longestRange(ranges: readonly TimeRange[]): TimeRange | null {
  let best: TimeRange | null = null;
  for (const r of ranges) if (!best || r.endNs - r.startNs > best.endNs - best.startNs) best = r;
  return best;
}

function processRow(p: ProcessBreakdown, reveal: Reveal): HTMLTableRowElement {
  const row = el('tr');
  row.append(el('td', undefined, `${p.name} (${p.pid})`));
  const barCell = el('td', 'diagnosis-bar-cell');
  const bar = el('div', 'diagnosis-bar');
  bar.style.display = 'flex';
  bar.style.height = '12px';
  bar.style.minWidth = '48px';
  bar.style.border = '1px solid var(--border, #8884)';
  for (const category of BREAKDOWN_CATEGORIES) {
    const time = p.categories[category];
    if (time.ns <= 0 || p.lifetimeNs <= 0) continue;
    const share = time.ns / p.lifetimeNs;
    const part = el('span', `diagnosis-part diagnosis-${category}`);
    part.style.width = `${(share * 100).toFixed(2)}%`;
    part.style.background = CATEGORY_COLORS[category];
    part.style.cursor = 'pointer';
    part.title = `${CATEGORY_LABELS[category]}: ${formatDuration(time.ns)} (${percent(share)})`;
    const range = longestRange(time.intervals);
    if (range) part.addEventListener('click', () => reveal(range));
    bar.append(part);
  }
  barCell.append(bar);
  const top = BREAKDOWN_CATEGORIES.filter((c) => c !== 'idle')
    .map((c) => [c, p.categories[c].ns] as const)
    .sort((a, b) => b[1] - a[1])[0];
  row.append(
    barCell,
    el('td', 'num', formatDuration(p.lifetimeNs)),
    el('td', undefined, top && top[1] > 0 ? CATEGORY_LABELS[top[0]] : '-'),
  );
  return row;
}

function breakdownSection(d: Diagnosis, reveal: Reveal): HTMLElement {
  const section = el('section', 'diagnosis-breakdown');
  section.append(el('h2', undefined, 'Time per process'));
  const legend = el('div', 'diagnosis-legend');
  for (const category of BREAKDOWN_CATEGORIES) {
    const key = el('span', 'diagnosis-key');
    const swatch = el('span', 'diagnosis-swatch');
    swatch.style.display = 'inline-block';
    swatch.style.width = '10px';
    swatch.style.height = '10px';
    swatch.style.marginRight = '4px';
    swatch.style.background = CATEGORY_COLORS[category];
    swatch.style.border = '1px solid var(--border, #8884)';
    key.append(swatch, CATEGORY_LABELS[category], ' ');
    legend.append(key);
  }
  const table = el('table');
  const head = el('tr');
  for (const h of ['process', 'where the time went', 'lifetime', 'mostly']) {
    head.append(el('th', undefined, h));
  }
  table.append(head, ...d.processes.map((p) => processRow(p, reveal)));
  // Its own horizontal scroll: a narrow side panel never cuts the table off.
  const box = el('div', 'diagnosis-table-box');
  box.style.overflowX = 'auto';
  box.append(table);
  section.append(legend, box);
  return section;
}

/**
 * Renders `diagnosis` into `container` (replacing its content). `reveal` shows a time range (in one
 * process when `pid` is set) on the timeline; `openSource`, when given, opens a finding's location.
 */
export function renderDiagnosisPanel(
  container: HTMLElement,
  diagnosis: Diagnosis,
  reveal: Reveal,
  openSource?: OpenSource,
): void {
  container.replaceChildren();
  container.classList.add('diagnosis');
  const findings = el('section', 'diagnosis-findings');
  findings.append(el('h2', undefined, `Findings (${diagnosis.findings.length})`));
  if (diagnosis.findings.length === 0) {
    findings.append(el('p', undefined, 'No problem costs more than a few % of the run.'));
  } else {
    const list = el('ol');
    for (const f of diagnosis.findings) list.append(findingItem(f, reveal, openSource));
    findings.append(list);
  }
  container.append(
    scalingSection(diagnosis, reveal),
    findings,
    breakdownSection(diagnosis, reveal),
  );
}
