/**
 * The timeline view: owns the store, the time scale (d3-zoom over x only), selection, range and
 * filter, and redraws the canvas at most once per animation frame.
 */
import * as d3 from 'd3';
import type { Diagnosis } from '../../src/analysis/types';
import type { RunMeta, Trace } from '../../src/model/trace';
import type { FromWebview, TraceDelta } from '../../src/protocol/webview';
import { describeTimeline, type TimelineDescription } from './describe';
import { drawFrame, GUTTER, type DrawResult } from './draw';
import { tickUnit } from './format';
import { headerItems, headerNotices } from './header';
import { renderHeader, renderLegend, showDetails, showRange, type Elements } from './panels';
import { aggregateRange, pickAt, type Picked, type RangeRow } from './picking';
import { PixelLayer } from './pixels';
import { TimelineStore } from './store';
import { hashedColour, processColour, readTheme, type Theme } from './theme';

const RIGHT_MARGIN = 10;

/** What survives the webview being hidden and shown again (VS Code's getState/setState). */
export interface ViewState {
  startNs: number;
  endNs: number;
  filter: string;
}

export class Timeline {
  store: TimelineStore | null = null;
  theme: Theme = readTheme();
  xBase = d3.scaleLinear();
  transform = d3.zoomIdentity;
  following = true;
  range: [number, number] | null = null;
  rangeRows: RangeRow[] = [];
  selection: Picked | null = null;
  hover: Picked | null = null;
  /** What the diagnosis panel shows (set by DiagnosisView). */
  diagnosis: Diagnosis | null = null;
  width = 0;
  height = 0;
  lastDraw: DrawResult | null = null;
  readonly frameMs: number[] = [];
  /** Load and first frame of the last snapshot, and the last diagnose() (0 until it has run). */
  readonly timings = { loadMs: 0, firstRenderMs: 0, diagnosisMs: 0 };
  readonly zoom: d3.ZoomBehavior<HTMLCanvasElement, unknown>;
  private functionColours: string[] = [];
  private processColours = new Map<number, string>();
  private hatch: CanvasPattern | null = null;
  private filterText = '';
  private functionMatches = new Uint8Array(0);
  private pidMatches = new Set<number>();
  private frameRequest = 0;
  /** Brings lagging core and queue lanes up to date during a live run (see TimelineStore.refresh). */
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly bars = new PixelLayer();
  private lastRendered = '';

  constructor(
    readonly e: Elements,
    private readonly post: ((message: FromWebview) => void) | null,
    private readonly saveState: ((state: ViewState) => void) | null = null,
  ) {
    this.zoom = d3
      .zoom<HTMLCanvasElement, unknown>()
      .filter((event: MouseEvent) => !event.shiftKey && !event.button)
      .on('zoom', (event: d3.D3ZoomEvent<HTMLCanvasElement, unknown>) => {
        this.transform = event.transform;
        if (event.sourceEvent) this.following = false;
        this.scheduleDraw();
      });
    d3.select(e.canvas).call(this.zoom).on('dblclick.zoom', null);
    Object.defineProperty(window, '__timeline', {
      get: (): TimelineDescription => describeTimeline(this),
    });
  }

  get x(): d3.ScaleLinear<number, number> {
    return this.transform.rescaleX(this.xBase);
  }

  /** Shows a trace; `restore` is the view state saved before the webview was hidden, if any. */
  load(trace: Trace, live: boolean, restore: ViewState | null = null): void {
    const started = performance.now();
    this.store = new TimelineStore(trace, live);
    this.timings.loadMs = performance.now() - started;
    this.diagnosis = null;
    this.selection = null;
    this.range = null;
    this.following = true;
    this.e.error.classList.remove('visible');
    this.refreshPanels();
    this.resize();
    d3.select(this.e.canvas).call(this.zoom.transform, d3.zoomIdentity);
    if (restore) {
      this.setFilter(restore.filter);
      if (restore.startNs >= 0 && restore.endNs <= this.store.wallNs && !live) {
        this.setVisibleRange(restore.startNs, restore.endNs);
        this.following = false;
      }
    }
    this.draw();
    this.timings.firstRenderMs = performance.now() - started;
  }

  applyDelta(delta: TraceDelta): void {
    const store = this.store;
    if (!store) return;
    const [t0, t1] = this.visibleRange();
    store.applyDelta(delta);
    this.refreshPanels();
    this.resize();
    if (!this.following) this.setVisibleRange(t0, t1);
    if (store.stale && this.refreshTimer === null) {
      this.refreshTimer = setTimeout(() => {
        this.refreshTimer = null;
        if (this.store !== store) return;
        store.refresh();
        this.refreshPanels();
        this.resize();
      }, store.refreshDelay());
    }
  }

  ended(meta: RunMeta): void {
    if (!this.store) return;
    this.store.trace.meta = meta;
    this.store.live = false;
    this.store.refresh();
    this.refreshPanels();
    this.resize();
  }

  showError(message: string): void {
    this.e.error.textContent = message;
    this.e.error.classList.add('visible');
  }

  /** Visible time window [t0, t1] in ns. */
  visibleRange(): [number, number] {
    const x = this.x;
    return [x.invert(GUTTER), x.invert(this.width - RIGHT_MARGIN)];
  }

  setVisibleRange(t0: number, t1: number): void {
    const span = this.xBase(t1) - this.xBase(t0);
    if (!(span > 0)) return;
    const k = (this.width - RIGHT_MARGIN - GUTTER) / span;
    const transform = d3.zoomIdentity.translate(GUTTER - k * this.xBase(t0), 0).scale(k);
    d3.select(this.e.canvas).call(this.zoom.transform, transform);
  }

  zoomBy(factor: number): void {
    this.following = false;
    const centre = (GUTTER + this.width) / 2;
    d3.select(this.e.canvas).call(this.zoom.scaleBy, factor, [centre, 0]);
  }

  panBy(pixels: number): void {
    this.following = false;
    d3.select(this.e.canvas).call(this.zoom.translateBy, -pixels / this.transform.k, 0);
  }

  /** Fits the selected range, or the whole run (and follows the newest time again). */
  fit(): void {
    if (this.range) {
      this.setVisibleRange(this.range[0], this.range[1]);
      this.following = false;
    } else {
      d3.select(this.e.canvas).call(this.zoom.transform, d3.zoomIdentity);
      this.following = true;
    }
  }

  select(pick: Picked | null): void {
    this.selection = pick;
    const source = (p: Picked): void => {
      if (p.source?.file)
        this.post?.({ type: 'goToSource', file: p.source.file, line: p.source.line });
    };
    showDetails(this.e, pick, this.post !== null, source);
    this.scheduleDraw();
  }

  goToSelectedSource(): void {
    const source = this.selection?.source;
    if (source?.file) this.post?.({ type: 'goToSource', file: source.file, line: source.line });
  }

  setRange(range: [number, number] | null): void {
    this.range = range;
    this.rangeRows = range && this.store ? aggregateRange(this.store, range[0], range[1]) : [];
    showRange(this.e, range, this.rangeRows);
    this.scheduleDraw();
  }

  setFilter(text: string): void {
    this.filterText = text.trim().toLowerCase();
    this.e.filter.value = text;
    this.updateFilter();
    this.scheduleDraw();
  }

  /** Whether a task (function style, pid) matches the filter; everything does when it is empty. */
  passesFilter(style: number, pid: number): boolean {
    return (
      this.filterText === '' || this.functionMatches[style >> 1] === 1 || this.pidMatches.has(pid)
    );
  }

  pick(clientX: number, clientY: number): Picked | null {
    if (!this.store) return null;
    const rect = this.e.canvas.getBoundingClientRect();
    const px = clientX - rect.left;
    const y = clientY - rect.top + this.e.scroll.scrollTop;
    const x = this.x;
    const t = px < GUTTER ? null : x.invert(px);
    return pickAt(this.store, t, y, slack(x));
  }

  onThemeChange(): void {
    this.theme = readTheme();
    this.refreshColours();
    this.scheduleDraw();
  }

  resize(): void {
    const width = Math.max(GUTTER + 100, this.e.scroll.clientWidth);
    const height = Math.max(40, this.e.scroll.clientHeight);
    const dpr = window.devicePixelRatio || 1;
    if (width !== this.width || height !== this.height) {
      this.width = width;
      this.height = height;
      this.e.canvas.width = Math.round(width * dpr);
      this.e.canvas.height = Math.round(height * dpr);
      this.e.canvas.style.width = `${width}px`;
      this.e.canvas.style.height = `${height}px`;
    }
    const wall = this.store?.wallNs ?? 1;
    this.xBase.domain([0, wall]).range([GUTTER, width - RIGHT_MARGIN]);
    const extent: [[number, number], [number, number]] = [
      [GUTTER, 0],
      [width - RIGHT_MARGIN, height],
    ];
    this.zoom
      .extent(extent)
      .translateExtent(extent)
      .scaleExtent([1, Math.max(1, wall / 1000)]);
    const contentHeight = this.store?.contentHeight ?? 0;
    this.e.spacer.style.height = `${Math.max(0, contentHeight - height)}px`;
    this.scheduleDraw();
  }

  scheduleDraw(): void {
    if (this.frameRequest) return;
    this.frameRequest = requestAnimationFrame(() => {
      this.frameRequest = 0;
      this.draw();
    });
  }

  draw(): void {
    const store = this.store;
    if (!store) return;
    if (this.frameRequest) cancelAnimationFrame(this.frameRequest);
    this.frameRequest = 0;
    const started = performance.now();
    const x = this.x;
    const [t0, t1] = this.visibleRange();
    const ticks = x.ticks(Math.max(2, Math.floor((this.width - GUTTER) / 110)));
    this.drawAxis(x, ticks, t1 - t0);
    const ctx = this.e.canvas.getContext('2d')!;
    const dpr = this.e.canvas.width / this.width;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    this.bars.begin(this.width, this.height, dpr);
    const selection = this.selection;
    const focus = this.hover ?? selection;
    this.lastDraw = drawFrame({
      ctx,
      store,
      theme: this.theme,
      k: x(1) - x(0),
      b: x(0),
      t0,
      t1,
      width: this.width,
      height: this.height,
      scrollY: this.e.scroll.scrollTop,
      ticks,
      range: this.range,
      highlight: {
        lane: selection?.lane ?? null,
        column: selection?.column ?? null,
        index: selection?.index ?? -1,
        focusPid: focus?.pid ?? null,
        focusChannel: focus?.lane.kind === 'channel' ? focus.lane.channel.id : null,
        messageIndex: selection?.messageIndex ?? null,
      },
      hoverPid:
        this.hover?.kind === 'core-slice' || this.hover?.kind === 'process' ? this.hover.pid : null,
      passes: (style, pid) => this.passesFilter(style, pid),
      functionColours: this.functionColours,
      processColours: this.processColours,
      hatch: this.hatch,
      bars: this.bars,
    });
    const { arrowsHidden, focusThinned } = this.lastDraw;
    this.e.status.textContent = !arrowsHidden
      ? ''
      : focusThinned
        ? `${arrowsHidden} message arrows hidden: zoom in to see every arrow of the selection`
        : `${arrowsHidden} message arrows hidden: select or hover a process or queue to see its arrows`;
    this.saveState?.({ startNs: t0, endNs: t1, filter: this.e.filter.value });
    this.frameMs.push(performance.now() - started);
    if (this.frameMs.length > 600) this.frameMs.splice(0, 300);
    this.reportRendered(store);
  }

  /** Tells the host what is drawn (it and the VS Code tests read it), once per change. */
  private reportRendered(store: TimelineStore): void {
    const count = (kind: string) => store.lanes.filter((lane) => lane.kind === kind).length;
    const rendered = {
      type: 'rendered' as const,
      processLanes: count('process'),
      coreLanes: count('core'),
      tasks: store.trace.tasks.length,
      arrows: this.lastDraw?.arrowsDrawn ?? 0,
    };
    const key = JSON.stringify(rendered);
    if (key === this.lastRendered) return;
    this.lastRendered = key;
    this.post?.(rendered);
  }

  private drawAxis(x: d3.ScaleLinear<number, number>, ticks: number[], span: number): void {
    const { unit, divisor } = tickUnit(span);
    const step = ticks.length > 1 ? (ticks[1] - ticks[0]) / divisor : 1;
    const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step))));
    const axis = d3
      .axisBottom(x)
      .tickValues(ticks)
      .tickFormat((t) => `${(+t / divisor).toFixed(decimals)} ${unit}`);
    const svg = d3.select(this.e.axis).attr('width', this.width).attr('height', 22);
    svg.selectAll<SVGGElement, number>('g').data([0]).join('g').call(axis);
  }

  private refreshPanels(): void {
    const store = this.store!;
    renderHeader(this.e, headerItems(store), headerNotices(store));
    this.refreshColours();
    this.updateFilter();
    showDetails(this.e, this.selection, this.post !== null, () => this.goToSelectedSource());
    showRange(this.e, this.range, this.rangeRows);
  }

  private refreshColours(): void {
    const store = this.store;
    if (!store) return;
    const theme = this.theme;
    this.functionColours = store.functions.map((fn) =>
      hashedColour(`${fn.module}:${fn.name}`, theme),
    );
    this.processColours = new Map(
      store.lanes.flatMap((lane, i) =>
        lane.kind === 'process' ? [[lane.pid, processColour(i, theme)]] : [],
      ),
    );
    this.hatch = makeHatch(this.e.canvas, theme.muted);
    renderLegend(
      this.e,
      store.functions.map((fn, i) => ({ name: fn.name, colour: this.functionColours[i] })),
      [
        { name: 'failed', colour: theme.failed },
        { name: 'waiting', colour: theme.wait, className: 'thin' },
        { name: 'start-up', colour: theme.muted, className: 'hatched' },
        { name: 'many events', colour: theme.merged, className: 'merged' },
        { name: 'running', colour: theme.running },
        { name: 'runnable, no core', colour: theme.runnable },
      ],
      (name) => this.setFilter(name),
    );
  }

  private updateFilter(): void {
    const store = this.store;
    if (!store) return;
    const text = this.filterText;
    this.functionMatches = Uint8Array.from(store.functions, (fn) =>
      text && `${fn.module ?? ''}.${fn.name}`.toLowerCase().includes(text) ? 1 : 0,
    );
    this.pidMatches = new Set(
      [...store.processLanes.values()]
        .filter((lane) => text && lane.label.toLowerCase().includes(text))
        .map((lane) => lane.pid),
    );
  }
}

/** A few pixels expressed in ns at the current zoom, for hit-testing thin spans. */
function slack(x: d3.ScaleLinear<number, number>): number {
  return Math.abs(x.invert(3) - x.invert(0));
}

function makeHatch(canvas: HTMLCanvasElement, colour: string): CanvasPattern | null {
  const tile = document.createElement('canvas');
  tile.width = 6;
  tile.height = 6;
  const ctx = tile.getContext('2d');
  if (!ctx) return null;
  ctx.strokeStyle = colour;
  ctx.beginPath();
  ctx.moveTo(0, 6);
  ctx.lineTo(6, 0);
  ctx.stroke();
  return canvas.getContext('2d')!.createPattern(tile, 'repeat');
}
