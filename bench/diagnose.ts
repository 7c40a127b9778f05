/**
 * `npm run bench:diagnose`: diagnose() on synthetic traces of 10k, 100k and 1M events
 * (scripts/synthetic-trace.ts). Prints, per size, the time to JSON.parse the trace (what loading a
 * trace file costs anyway) next to the time to diagnose the parsed trace, and their ratio; target:
 * diagnose at most as long as the parse at 1M. Each is timed after a full garbage collection, so
 * neither pays for collecting the other's garbage, and after warm-up runs so the sizes do not
 * measure compiling (the first diagnose() in a process takes a few hundred ms more for that).
 */
import { performance } from 'perf_hooks';
import * as v8 from 'v8';
import * as vm from 'vm';
import { diagnose } from '../src/analysis/diagnose';
import type { Trace } from '../src/model/trace';
import { syntheticTrace } from '../scripts/synthetic-trace';

const SIZES = (process.env.BENCH_SIZES ?? '10000,100000,1000000').split(',').map(Number);

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function timed<T>(fn: () => T): [T, number] {
  gc();
  const start = performance.now();
  const value = fn();
  return [value, performance.now() - start];
}

// Parsed, like the measured traces: objects from JSON.parse have other shapes than literals.
const warmUp = JSON.parse(
  JSON.stringify(syntheticTrace({ events: 10_000, workers: 4, cpuCount: 2 })),
) as Trace;
for (let i = 0; i < 5; i++) diagnose(warmUp);
for (const events of SIZES) {
  const json = JSON.stringify(syntheticTrace({ events, workers: 4, cpuCount: 2 }));
  const [trace, parseMs] = timed(() => JSON.parse(json) as Trace);
  const [d, diagnoseMs] = timed(() => diagnose(trace));
  console.log(
    `${events} events: JSON.parse ${parseMs.toFixed(0)} ms, diagnose ${diagnoseMs.toFixed(0)} ms, ` +
      `ratio ${(diagnoseMs / parseMs).toFixed(2)}; ${d.findings.length} findings, ` +
      `parallelism ${d.scaling.parallelism.toFixed(2)}`,
  );
}
