/**
 * Cost of the core sampler: 16 Python processes (each with a main thread that works in short bursts
 * and sleeps, like a worker waiting on a queue) are sampled at several intervals; for each, this
 * process's CPU time over a fixed wall time is printed as % of one core, next to the same wait
 * without sampling (the Node timer alone). Target: <= 3 % at the default interval.
 *
 * A shared machine makes single measurements swing by 2x, so each interval is measured in several
 * rounds, sampling and timer alone in turn, and medians are printed with the range.
 *
 * Usage: npm run bench:sampling [-- <seconds per measurement, default 3> [<rounds, default 5>]]
 */
import { spawn } from 'child_process';
import type { ChildProcess } from 'child_process';
import { CoreSampler, DEFAULT_SAMPLE_INTERVAL_MS } from '../src/collector/sampler';

const PROCESSES = 16;
const WORKER = `
import time, sys
print(1, flush=True)
while True:
    end = time.perf_counter() + 0.002
    while time.perf_counter() < end:
        pass
    time.sleep(0.05)
`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** `median % (min-max)` of measurements in % of one core. */
function summary(values: number[]): string {
  return `${median(values).toFixed(2)} % (${Math.min(...values).toFixed(2)}-${Math.max(...values).toFixed(2)})`;
}

/** % of one core this process used during `seconds` of wall time while `setup` runs. */
async function measure(seconds: number, setup: () => () => void): Promise<number> {
  const teardown = setup();
  await sleep(200);
  const cpu = process.cpuUsage();
  const wall = process.hrtime.bigint();
  await sleep(seconds * 1000);
  const used = process.cpuUsage(cpu);
  const wallUs = Number(process.hrtime.bigint() - wall) / 1000;
  teardown();
  return ((used.user + used.system) / wallUs) * 100;
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 3);
  const rounds = Number(process.argv[3] ?? 5);
  const workers: ChildProcess[] = [];
  try {
    for (let i = 0; i < PROCESSES; i++) {
      const child = spawn('python3', ['-c', WORKER], { stdio: ['ignore', 'pipe', 'inherit'] });
      workers.push(child);
      await new Promise((resolve) => child.stdout!.once('data', resolve));
    }
    console.log(
      `${PROCESSES} processes, ${rounds} rounds of ${seconds} s per interval, ` +
        `% of one core used by this process: median (min-max)`,
    );
    for (const intervalMs of [5, DEFAULT_SAMPLE_INTERVAL_MS, 20]) {
      const idle: number[] = [];
      const sampling: number[] = [];
      let samples = 0;
      const timerAlone = () =>
        measure(seconds, () => {
          const timer = setInterval(() => {}, intervalMs);
          return () => clearInterval(timer);
        });
      const sampled = () =>
        measure(seconds, () => {
          const sampler = new CoreSampler({
            intervalMs,
            clockBaseNs: process.hrtime.bigint(),
            onSamples: (batch) => (samples += batch.length),
          });
          for (const worker of workers) sampler.track(worker.pid!);
          sampler.start();
          return () => sampler.stop();
        });
      for (let round = 0; round < rounds; round++) {
        // Alternating which goes first spreads slow drifts of the machine's load over both.
        if (round % 2 === 0) idle.push(await timerAlone());
        sampling.push(await sampled());
        if (round % 2 === 1) idle.push(await timerAlone());
      }
      const cost = sampling.map((value, round) => value - idle[round]);
      // % of one core over an interval of `intervalMs` ms, in us: % / 100 * intervalMs * 1000.
      const perTickUs = median(cost) * intervalMs * 10;
      const mark = intervalMs === DEFAULT_SAMPLE_INTERVAL_MS ? ' (default)' : '';
      console.log(
        `interval ${String(intervalMs).padStart(2)} ms${mark}: sampling ${summary(sampling)}, ` +
          `timer alone ${summary(idle)}, sampler cost ${summary(cost)} ` +
          `(~${perTickUs.toFixed(0)} us a tick), ` +
          `${Math.round(samples / (rounds * seconds))} samples stored a second`,
      );
    }
  } finally {
    for (const worker of workers) worker.kill('SIGKILL');
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
