/**
 * `npm run bench:overhead`: what recording costs the user's program. Each workload of
 * bench/overhead.py runs plain and recorded, alternating, BENCH_RUNS times (default 5); prints the
 * median wall time of the work side by side, the ratio against its target, the CPU time ratio of the
 * user's processes (less sensitive to a busy machine than wall time), the events recorded and the CPU
 * cost per event inside the user's processes ((recorded CPU - plain CPU) / events), then the
 * runtime's in-process cost per event (record + batch + encode + send).
 *
 * Recorded runs go through the CLI (`node dist/cli.js record`, which builds the trace after the run),
 * with BENCH_SINK=live through the recorder here with live ingest and a delta taken and serialised
 * every DELTA_INTERVAL_MS (what VS Code's timeline costs while the program runs, but the webview),
 * or with BENCH_SINK=internal through a minimal socket sink here (the runtime alone, no /proc
 * sampling). BENCH_PYTHON picks the interpreter, BENCH_WORKLOADS=a,b a subset.
 */
import { spawn } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { BINARY_BATCH, TemplateTable, decodeBinaryBatch } from '../src/collector/binaryBatch';
import { DELTA_INTERVAL_MS } from '../src/protocol/webview';
import { startRecording } from '../src/recorder/record';

const root = path.join(__dirname, '..', '..');
const workloads = path.join(root, 'bench', 'overhead.py');
const inject = path.join(root, 'dist', 'runtime', 'inject');
const cli = path.join(root, 'dist', 'cli.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const python = process.env.BENCH_PYTHON ?? 'python3';
const sink = process.env.BENCH_SINK ?? 'cli';
const SINKS: Record<string, string> = {
  cli: 'the CLI (node dist/cli.js record)',
  live: 'the recorder with live ingest and deltas (as in VS Code)',
  internal: 'the runtime and a counting sink',
};
const only = process.env.BENCH_WORKLOADS?.split(',');

const WORKLOADS: [name: string, target: number][] = [
  ['pool-chunksize-1', 1.1],
  ['pool-default-chunksize', 1.03],
  ['pipeline', 1.1],
  ['short-processes', 1.03],
  ['cpu-pool', 1.03],
];

interface Sample {
  elapsed: number;
  cpu: number;
  events: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

function parseSample(out: string, events: number): Sample {
  const match = /elapsed=([\d.]+) cpu=([\d.]+)/.exec(out);
  if (!match) throw new Error(`workload printed no timing:\n${out}`);
  return { elapsed: Number(match[1]), cpu: Number(match[2]), events };
}

function plainEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('PARALLEL_PROFILER_')) delete env[name];
  return env;
}

/** A minimal collector: checks the hello's secret and counts events. */
class CountingSink {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ppb-'));
  readonly path = path.join(this.dir, 's');
  readonly secret = crypto.randomBytes(16).toString('hex');
  events = 0;
  private server = net.createServer((socket) => this.accept(socket));

  listen(): Promise<void> {
    return new Promise((resolve) => this.server.listen(this.path, resolve));
  }

  private accept(socket: net.Socket): void {
    let pending = Buffer.alloc(0);
    let hello = false;
    const templates = new TemplateTable();
    const ignore = { reject: () => undefined };
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readUInt32BE(0)) {
        const size = pending.readUInt32BE(0);
        const frame = pending.subarray(4, 4 + size);
        pending = pending.subarray(4 + size);
        if (hello && frame[0] === BINARY_BATCH) {
          this.events += decodeBinaryBatch(frame, templates, ignore).length;
          continue;
        }
        const value = JSON.parse(frame.toString('utf8'));
        if (!hello) {
          if (value.secret !== this.secret) return socket.destroy();
          hello = true;
        } else if (Array.isArray(value)) {
          this.events += value.length;
        }
      }
    });
    socket.on('error', () => undefined);
  }

  env(): NodeJS.ProcessEnv {
    const env = plainEnv();
    env.PYTHONPATH = inject + (env.PYTHONPATH ? path.delimiter + env.PYTHONPATH : '');
    env.PARALLEL_PROFILER_SOCKET = this.path;
    env.PARALLEL_PROFILER_SECRET = this.secret;
    return env;
  }

  async close(): Promise<void> {
    await new Promise((resolve) => this.server.close(resolve));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

async function plain(workload: string): Promise<Sample> {
  const { code, out } = await run(python, [workloads, workload], plainEnv());
  if (code !== 0) throw new Error(`plain ${workload} failed:\n${out}`);
  return parseSample(out, 0);
}

async function recordedInternal(args: string[]): Promise<{ out: string; events: number }> {
  const sink = new CountingSink();
  await sink.listen();
  try {
    const { code, out } = await run(python, args, sink.env());
    if (code !== 0) throw new Error(`recorded ${args.join(' ')} failed:\n${out}`);
    await new Promise((resolve) => setTimeout(resolve, 50)); // last frames of exiting children
    return { out, events: sink.events };
  } finally {
    await sink.close();
  }
}

async function recordedCli(workload: string): Promise<{ out: string; events: number }> {
  const trace = path.join(os.tmpdir(), `ppb-${process.pid}-${workload}.pptrace`);
  try {
    const args = [cli, 'record', '-o', trace, '--python', python, workloads, workload];
    const { code, out } = await run(process.execPath, args, plainEnv());
    if (code !== 0) throw new Error(`recording ${workload} failed:\n${out}`);
    let data = fs.readFileSync(trace);
    if (data[0] === 0x1f && data[1] === 0x8b) data = zlib.gunzipSync(data);
    return { out, events: JSON.parse(data.toString('utf8')).counts.total };
  } finally {
    fs.rmSync(trace, { force: true });
  }
}

async function recordedLive(workload: string): Promise<{ out: string; events: number }> {
  const recording = await startRecording({
    python,
    script: workloads,
    args: [workload],
    stdio: 'pipe',
    runtimeDir: path.dirname(inject),
    ingest: 'live',
  });
  let out = '';
  recording.child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  recording.child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const timer = setInterval(
    () => JSON.stringify(recording.collector.takeDelta('built')),
    DELTA_INTERVAL_MS,
  );
  try {
    const trace = await recording.done;
    if (trace.meta.exitCode !== 0) throw new Error(`recording ${workload} failed:\n${out}`);
    return { out, events: trace.counts.total };
  } finally {
    clearInterval(timer);
  }
}

async function recorded(workload: string): Promise<Sample> {
  const recordedBy = { cli: recordedCli, live: recordedLive }[sink];
  const { out, events } = recordedBy
    ? await recordedBy(workload)
    : await recordedInternal([workloads, workload]);
  return parseSample(out, events);
}

async function main(): Promise<void> {
  if (!SINKS[sink]) throw new Error(`BENCH_SINK: one of ${Object.keys(SINKS).join(', ')}`);
  if (!fs.existsSync(inject) || !fs.existsSync(cli)) {
    throw new Error('run `node esbuild.js` first (dist/runtime, dist/cli.js)');
  }
  console.log(
    `overhead: ${python}, median of ${RUNS} alternating runs, recorded through ${SINKS[sink]}`,
  );
  console.log(
    'workload                 plain s  recorded s  ratio   target  CPU ratio  events   CPU/event',
  );
  for (const [workload, target] of WORKLOADS) {
    if (only && !only.includes(workload)) continue;
    const plainRuns: Sample[] = [];
    const recordedRuns: Sample[] = [];
    for (let i = 0; i < RUNS; i++) {
      if (i % 2 === 0) {
        plainRuns.push(await plain(workload));
        recordedRuns.push(await recorded(workload));
      } else {
        recordedRuns.push(await recorded(workload));
        plainRuns.push(await plain(workload));
      }
    }
    const p = median(plainRuns.map((s) => s.elapsed));
    const r = median(recordedRuns.map((s) => s.elapsed));
    const events = median(recordedRuns.map((s) => s.events));
    const plainCpu = median(plainRuns.map((s) => s.cpu));
    const recordedCpu = median(recordedRuns.map((s) => s.cpu));
    const cpuDelta = recordedCpu - plainCpu;
    const ratio = r / p;
    console.log(
      workload.padEnd(25) +
        p.toFixed(3).padStart(7) +
        r.toFixed(3).padStart(12) +
        `${ratio.toFixed(3)}x`.padStart(8) +
        `${ratio <= target ? '<=' : '> '} ${target.toFixed(2)}x`.padStart(9) +
        `${(recordedCpu / plainCpu).toFixed(3)}x`.padStart(11) +
        String(events).padStart(8) +
        `${events ? ((cpuDelta * 1e6) / events).toFixed(2) : '-'} us`.padStart(13),
    );
  }
  const { out } = await recordedInternal([workloads, 'emit-cost']);
  const emit = /emit-ns=([\d.]+) emit-cpu-ns=([\d.]+)/.exec(out);
  console.log(
    `runtime cost per event in-process (record + batch + encode + send, target <= 1.5 us): ` +
      (emit
        ? `${(Number(emit[2]) / 1000).toFixed(3)} us CPU, ${(Number(emit[1]) / 1000).toFixed(3)} us wall`
        : `not measured: ${out.trim()}`),
  );
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
