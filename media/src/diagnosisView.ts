/**
 * Mounts the "Why isn't it parallel?" panel beside the timeline. diagnose() runs after the first frame
 * of each snapshot and on `ended`; during a live run deltas recompute it at most every
 * LIVE_INTERVAL_MS, and no more than a fifth of the time, so the timeline stays responsive. Reveal zooms the timeline (and selects the process); open source goes to the host.
 */
import { diagnose } from '../../src/analysis/diagnose';
import { renderDiagnosisPanel, type OpenSource, type Reveal } from './diagnosis/panel';
import { el } from './panels';
import { pickProcess } from './picking';
import type { Timeline } from './timeline';

const LIVE_INTERVAL_MS = 2000;

export class DiagnosisView {
  private frame = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastRunMs = -Infinity;

  constructor(
    private readonly container: HTMLElement,
    private readonly view: Timeline,
    private readonly openSource?: OpenSource,
  ) {}

  /**
   * Recomputes soon when the run is over (or a fresh snapshot came), else throttled. Always after the
   * next frame: diagnose() takes seconds on huge traces and the timeline must be on screen first.
   */
  update(immediately: boolean): void {
    if (immediately) {
      this.cancel();
      if (!this.view.diagnosis) this.container.replaceChildren(el('p', 'hint', 'Diagnosing…'));
    } else if (this.frame !== 0 || this.timer !== null) {
      return;
    }
    // Live, at most every LIVE_INTERVAL_MS and never more than a fifth of the time.
    const spacing = Math.max(LIVE_INTERVAL_MS, 4 * this.view.timings.diagnosisMs);
    const wait = immediately ? 0 : Math.max(0, this.lastRunMs + spacing - performance.now());
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.timer = setTimeout(() => this.run(), wait);
    });
  }

  private cancel(): void {
    cancelAnimationFrame(this.frame);
    if (this.timer !== null) clearTimeout(this.timer);
    this.frame = 0;
    this.timer = null;
  }

  private run(): void {
    this.cancel();
    const started = performance.now();
    this.lastRunMs = started;
    const trace = this.view.store?.trace;
    if (!trace) return;
    try {
      this.view.diagnosis = diagnose(trace);
      renderDiagnosisPanel(this.container, this.view.diagnosis, this.reveal, this.openSource);
    } catch (error) {
      this.view.diagnosis = null;
      const reason = error instanceof Error ? error.message : String(error);
      this.container.replaceChildren(el('p', 'error-text', `Could not diagnose: ${reason}`));
    }
    this.view.timings.diagnosisMs = performance.now() - started;
  }

  private readonly reveal: Reveal = ({ startNs, endNs, pid }) => {
    const view = this.view;
    view.following = false;
    view.setVisibleRange(startNs, endNs);
    const store = view.store;
    if (pid === undefined || !store) return;
    view.select(pickProcess(store, pid));
    const lane = store.processLanes.get(pid);
    if (lane) view.e.scroll.scrollTop = Math.max(0, lane.y - view.height / 3);
  };
}
