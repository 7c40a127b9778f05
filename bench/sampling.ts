/**
 * Cost of the core sampler: 16 Python processes (each with a main thread that works in short bursts
 * and sleeps, like a worker waiting on a queue) are sampled at several intervals; for each, this
 * process's CPU time over a fixed wall time is printed as % of one core, next to the same wait
 * without sampling (the Node timer alone). Target: <= 3 % at the default interval.
 *
 * Usage: npm run bench:sampling [-- <seconds per measurement, default 3>]
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
  const workers: ChildProcess[] = [];
  try {
    for (let i = 0; i < PROCESSES; i++) {
      const child = spawn('python3', ['-c', WORKER], { stdio: ['ignore', 'pipe', 'inherit'] });
      workers.push(child);
      await new Promise((resolve) => child.stdout!.once('data', resolve));
    }
    console.log(
      `${PROCESSES} processes, ${seconds} s per measurement, % of one core used by this process`,
    );
    for (const intervalMs of [5, DEFAULT_SAMPLE_INTERVAL_MS, 20]) {
      const idle = await measure(seconds, () => {
        const timer = setInterval(() => {}, intervalMs);
        return () => clearInterval(timer);
      });
      let samples = 0;
      const sampling = await measure(seconds, () => {
        const sampler = new CoreSampler({
          intervalMs,
          clockBaseNs: process.hrtime.bigint(),
          onSamples: (batch) => (samples += batch.length),
        });
        for (const worker of workers) sampler.track(worker.pid!);
        sampler.start();
        return () => sampler.stop();
      });
      const mark = intervalMs === DEFAULT_SAMPLE_INTERVAL_MS ? ' (default)' : '';
      console.log(
        `interval ${String(intervalMs).padStart(2)} ms${mark}: sampling ${sampling.toFixed(2)} %, ` +
          `timer alone ${idle.toFixed(2)} %, sampler cost ${(sampling - idle).toFixed(2)} %, ` +
          `${samples} samples stored`,
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
