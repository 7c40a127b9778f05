/**
 * `npm run bench:render`: the timeline in headless Chromium on synthetic traces of 10k, 100k and 1M
 * events (scripts/synthetic-trace.ts, generated inside the page). Prints, per size: time to index the
 * trace and draw the first full frame (target < 1.5 s at 1M) and until that frame is painted, the
 * median and p95 draw time per frame during continuous wheel zoom and drag pan (target < 16 ms), the
 * JS heap after a GC (< 300 MB), and the diagnosis panel's diagnose() (it runs after the first frame).
 * Wall times suffer when the machine is busy, so the renderer main thread's CPU time (Chromium's
 * `ThreadTime` metric) is printed next to them: for loading up to the diagnosis shown, and per frame
 * while panning.
 */
import * as esbuild from 'esbuild';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { CDPSession } from 'playwright-core';
import { renderTimelineHtml } from '../src/export/timelineHtml';
import { launchChromium, removeTempPages, settle, writeTempPage } from '../test/browser/chromium';

const root = path.join(__dirname, '..', '..');
const SIZES = (process.env.BENCH_SIZES ?? '10000,100000,1000000').split(',').map(Number);
/** With BENCH_PROFILE=DIR, Chromium CPU profiles of loading and of panning go to DIR/*.cpuprofile. */
const PROFILE_DIR = process.env.BENCH_PROFILE ?? '';

async function startProfile(cdp: CDPSession): Promise<{ save(name: string): Promise<void> }> {
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  return {
    async save(name) {
      const { profile } = await cdp.send('Profiler.stop');
      fs.mkdirSync(PROFILE_DIR, { recursive: true });
      fs.writeFileSync(path.join(PROFILE_DIR, `${name}.cpuprofile`), JSON.stringify(profile));
    },
  };
}

interface Timings {
  events: number;
  loadMs: number;
  firstRenderMs: number;
  paintedMs: number;
  frameMs: number[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

async function main(): Promise<void> {
  const generator = await esbuild.build({
    entryPoints: [path.join(root, 'scripts/synthetic-trace.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: 'Synthetic',
    platform: 'browser',
    target: 'es2022',
  });
  const html = renderTimelineHtml({
    scriptUri: '',
    styleUri: '',
    cspSource: '',
    nonce: 'benchmark-nonce-0123456789',
    inlineScript: fs.readFileSync(path.join(root, 'dist/webview.js'), 'utf8'),
    inlineStyle: fs.readFileSync(path.join(root, 'dist/webview.css'), 'utf8'),
  });
  const url = writeTempPage('bench.html', html);
  const browser = await launchChromium(['--js-flags=--expose-gc']);
  console.log(
    `load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${os.cpus().length} CPUs`,
  );
  console.log(
    'events     first frame (CPU+diag.) painted   frame median  p95        CPU/frame  frames  JS heap  diagnosis',
  );
  try {
    for (const size of SIZES) {
      const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
      const page = await context.newPage();
      await page.goto(url);
      await page.evaluate(`${generator.outputFiles[0].text}; window.Synthetic = Synthetic;`);
      const cdp = await context.newCDPSession(page);
      await cdp.send('Performance.enable');
      const threadTime = async (): Promise<number> => {
        const { metrics } = (await cdp.send('Performance.getMetrics')) as {
          metrics: { name: string; value: number }[];
        };
        return metrics.find((m) => m.name === 'ThreadTime')!.value * 1000;
      };
      await page.evaluate(`window.benchTrace = Synthetic.syntheticTrace({ events: ${size} }); 0`);
      const profile = PROFILE_DIR ? await startProfile(cdp) : null;
      const cpuBeforeLoad = await threadTime();
      const loaded = (await page.evaluate(`(async () => {
        const trace = window.benchTrace;
        window.benchTrace = null;
        const events = trace.tasks.length + trace.waits.length + trace.messages.length + trace.cores.samples.length;
        const started = performance.now();
        window.dispatchEvent(new MessageEvent('message', { data: { type: 'snapshot', trace, live: false } }));
        // The first animation frame after the load is the one that puts the canvas on screen.
        await new Promise((r) => requestAnimationFrame(r));
        const paintedMs = performance.now() - started;
        const t = window.__timeline.timings;
        return { events, loadMs: t.loadMs, firstRenderMs: t.firstRenderMs, paintedMs, frameMs: [] };
      })()`)) as Timings;
      // diagnose() runs right after the first frame, before the metric can be read, so the CPU time
      // covers both; pan once it is done so frames are not queued behind it.
      await page.waitForFunction('window.__timeline.timings.diagnosisMs > 0', null, { timeout: 0 });
      const loadCpuMs = (await threadTime()) - cpuBeforeLoad;
      const diagnosisMs = (await page.evaluate('window.__timeline.timings.diagnosisMs')) as number;
      await profile?.save(`load-${size}`);
      const panProfile = PROFILE_DIR ? await startProfile(cdp) : null;
      const framesBefore = (await page.evaluate(
        'window.__timeline.timings.frameMs.length',
      )) as number;
      const cpuBeforePan = await threadTime();
      const canvas = (await page.locator('canvas').boundingBox())!;
      const cx = canvas.x + canvas.width / 2;
      const cy = canvas.y + 200;
      await page.mouse.move(cx, cy);
      for (let i = 0; i < 40; i++) {
        await page.mouse.wheel(0, i < 20 ? -240 : 240);
        await settle(page);
      }
      await page.mouse.wheel(0, -1200);
      await settle(page);
      await page.mouse.down();
      for (let i = 0; i < 40; i++) {
        await page.mouse.move(cx + (i < 20 ? -i : i - 40) * 15, cy);
        await settle(page);
      }
      await page.mouse.up();
      await panProfile?.save(`pan-${size}`);
      const frames = (await page.evaluate('window.__timeline.timings.frameMs')) as number[];
      const pan = frames.slice(framesBefore);
      if (process.env.BENCH_FRAMES) console.log(pan.map((ms) => ms.toFixed(0)).join(' '));
      const panCpuMs = ((await threadTime()) - cpuBeforePan) / Math.max(1, pan.length);
      await cdp.send('HeapProfiler.collectGarbage');
      const heap = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
      console.log(
        [
          String(loaded.events).padEnd(10),
          `${(loaded.firstRenderMs / 1000).toFixed(3)} s (${(loadCpuMs / 1000).toFixed(3)} s)`.padEnd(
            21,
          ),
          `${(loaded.paintedMs / 1000).toFixed(3)} s`.padEnd(9),
          `${median(pan).toFixed(2)} ms`.padEnd(13),
          `${percentile(pan, 0.95).toFixed(2)} ms`.padEnd(10),
          `${panCpuMs.toFixed(2)} ms`.padEnd(10),
          String(pan.length).padEnd(7),
          `${(heap.usedSize / 2 ** 20).toFixed(0)} MB`.padEnd(8),
          `${(diagnosisMs / 1000).toFixed(3)} s`,
        ].join(' '),
      );
      await context.close();
    }
  } finally {
    await browser.close();
    removeTempPages();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
