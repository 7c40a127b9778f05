/**
 * `npm run bench:diagnose`: diagnose() on synthetic traces of 10k, 100k and 1M events
 * (scripts/synthetic-trace.ts). Prints, per size, the diagnosis time next to the time to JSON.parse the
 * same trace (what loading a trace file costs anyway) and their ratio; target: diagnose under 2 s at 1M.
 */
import { performance } from 'perf_hooks';
import { diagnose } from '../src/analysis/diagnose';
import { syntheticTrace } from '../scripts/synthetic-trace';

const SIZES = (process.env.BENCH_SIZES ?? '10000,100000,1000000').split(',').map(Number);

function timed<T>(fn: () => T): [T, number] {
  const start = performance.now();
  const value = fn();
  return [value, performance.now() - start];
}

for (const events of SIZES) {
  const trace = syntheticTrace({ events, workers: 4, cpuCount: 2 });
  const json = JSON.stringify(trace);
  const [, parseMs] = timed(() => JSON.parse(json));
  const [d, diagnoseMs] = timed(() => diagnose(trace));
  console.log(
    `${events} events: diagnose ${diagnoseMs.toFixed(0)} ms, JSON.parse ${parseMs.toFixed(0)} ms, ` +
      `ratio ${(diagnoseMs / parseMs).toFixed(2)}; ${d.findings.length} findings, ` +
      `parallelism ${d.scaling.parallelism.toFixed(2)}`,
  );
}
