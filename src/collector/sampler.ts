/**
 * Samples which core each traced thread last ran on and how long it ran / waited for a core, from
 * `/proc/<pid>/task/<tid>/{stat,schedstat}` (Linux only). Files stay open and are re-read at offset 0:
 * fresh data each time, ~4x cheaper than reopening, and ESRCH once the thread is gone (so a reused
 * pid is never confused with the old one). A thread whose schedstat did not move since a reading where
 * it was not running slept all along: its stat is not read again. Unchanged readings are not stored; the
 * last one is kept back and stored once the thread changes, so every pair of consecutive samples
 * still spans exactly the time the change happened in.
 */
import * as fs from 'fs';
import * as os from 'os';
import type { CoreSample } from '../model/trace';

export const DEFAULT_SAMPLE_INTERVAL_MS = 10;

/** Thread counts are checked this often (in ticks); a thread list is re-read when its count moved. */
const RESCAN_EVERY_TICKS = 10;

export interface CoreAvailability {
  available: boolean;
  reason: string | null;
  cpuCount: number;
}

/** Whether this machine can be sampled, and how many cores the lanes should show. */
export function coreAvailability(procRoot = '/proc'): CoreAvailability {
  const cpuCount = os.cpus().length || os.availableParallelism();
  if (process.platform !== 'linux' || !fs.existsSync(`${procRoot}/self/task`)) {
    return {
      available: false,
      reason: `Core lanes need Linux /proc; this ${process.platform} system cannot show which core a process runs on.`,
      cpuCount,
    };
  }
  if (!fs.existsSync(`${procRoot}/self/schedstat`)) {
    return {
      available: true,
      reason: 'This kernel has no schedstat: core usage is estimated from the thread state only.',
      cpuCount,
    };
  }
  return { available: true, reason: null, cpuCount };
}

interface ThreadProbe {
  pid: number;
  tid: number;
  statFd: number;
  schedFd: number | null;
  previous: CoreSample | null;
  /** An unchanged reading not stored yet. */
  held: CoreSample | null;
}

const buffer = Buffer.allocUnsafe(4096);

function readAt0(fd: number): number {
  return fs.readSync(fd, buffer, 0, buffer.length, 0);
}

/** Parses a non-negative decimal integer at `offset` in `buffer`. */
function parseUint(offset: number, end: number): number {
  let value = 0;
  for (let i = offset; i < end; i++) {
    const c = buffer[i];
    if (c < 48 || c > 57) break;
    value = value * 10 + (c - 48);
  }
  return value;
}

/** Offset of field 3 (state) in the stat text of `n` bytes in `buffer`, or -1. The command name
 * may contain spaces and parentheses: fields start after the last ')'. */
function stateOffset(n: number): number {
  const i = buffer.lastIndexOf(41, n - 1);
  return i < 0 || i + 2 >= n ? -1 : i + 2;
}

/** Offset of the field `count` fields after the one at `offset`. */
function skipFields(offset: number, count: number, n: number): number {
  let i = offset;
  for (let field = 0; field < count && i < n; i++) if (buffer[i] === 32) field++;
  return i;
}

export class CoreSampler {
  private readonly pids = new Map<number, Map<number, ThreadProbe>>();
  private timer: NodeJS.Timeout | null = null;
  private ticks = 0;

  constructor(
    private readonly options: {
      intervalMs: number;
      clockBaseNs: bigint;
      onSamples: (samples: CoreSample[]) => void;
      procRoot?: string;
    },
  ) {}

  private get procRoot(): string {
    return this.options.procRoot ?? '/proc';
  }

  /** Starts sampling `pid` and its threads (no-op if already tracked or gone). */
  track(pid: number): void {
    if (this.pids.has(pid)) return;
    this.pids.set(pid, new Map());
    this.scanThreads(pid);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.sampleOnce(), this.options.intervalMs);
  }

  /** Stops the timer, stores held-back readings and closes every file. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const flushed: CoreSample[] = [];
    for (const threads of this.pids.values()) {
      for (const probe of threads.values()) this.release(probe, flushed);
    }
    this.pids.clear();
    if (flushed.length > 0) this.options.onSamples(flushed);
  }

  /** Reads every tracked thread once. */
  sampleOnce(): void {
    const rescan = ++this.ticks % RESCAN_EVERY_TICKS === 0;
    const samples: CoreSample[] = [];
    for (const [pid, threads] of this.pids) {
      for (const probe of threads.values()) {
        if (!this.read(probe, samples)) {
          this.release(probe, samples);
          threads.delete(probe.tid);
        }
      }
      // After the reads, so threads that ended are no longer counted.
      if (rescan && this.threadCountChanged(pid, threads)) this.scanThreads(pid);
      if (threads.size === 0 && !fs.existsSync(`${this.procRoot}/${pid}`)) this.pids.delete(pid);
    }
    if (samples.length > 0) this.options.onSamples(samples);
  }

  /** Reads one thread; false once it is gone. */
  private read(probe: ThreadProbe, out: CoreSample[]): boolean {
    const previous = probe.previous;
    let state: string;
    let cpu: number;
    let runNs: number | null = null;
    let waitNs: number | null = null;
    try {
      if (probe.schedFd !== null) {
        const m = readAt0(probe.schedFd);
        const space = buffer.indexOf(32);
        runNs = parseUint(0, space);
        waitNs = parseUint(space + 1, m);
      }
      if (
        previous !== null &&
        runNs !== null &&
        previous.state !== 'R' &&
        previous.runNs === runNs &&
        previous.waitNs === waitNs
      ) {
        // Neither ran nor waited for a core since a reading where it was not running: it slept
        // all along, on the same core, and its stat (the costlier read) is not needed.
        state = previous.state;
        cpu = previous.cpu;
      } else {
        const n = readAt0(probe.statFd);
        const at = stateOffset(n);
        if (at < 0) return false;
        state = String.fromCharCode(buffer[at]);
        // Field 39 (processor) is 36 fields after field 3 (state).
        cpu = parseUint(skipFields(at, 36, n), n);
      }
    } catch {
      return false;
    }
    const ts = Number(process.hrtime.bigint() - this.options.clockBaseNs);
    const sample: CoreSample = { ts, pid: probe.pid, tid: probe.tid, cpu, state, runNs, waitNs };
    probe.previous = sample;
    if (
      previous !== null &&
      previous.cpu === cpu &&
      previous.state === state &&
      previous.runNs === runNs &&
      previous.waitNs === waitNs
    ) {
      probe.held = sample;
      return true;
    }
    if (probe.held) out.push(probe.held);
    probe.held = null;
    out.push(sample);
    return true;
  }

  private release(probe: ThreadProbe, out: CoreSample[]): void {
    if (probe.held) out.push(probe.held);
    probe.held = null;
    fs.closeSync(probe.statFd);
    if (probe.schedFd !== null) fs.closeSync(probe.schedFd);
  }

  /**
   * Whether `pid` may have threads that are not tracked: its thread count (field 20 of its main
   * thread's stat, one read) differs from the tracked ones. Listing its task directory every time
   * costs ~15x more (~70 us a process on our VMs).
   */
  private threadCountChanged(pid: number, threads: Map<number, ThreadProbe>): boolean {
    const main = threads.get(pid);
    if (!main) return true;
    try {
      const n = readAt0(main.statFd);
      const at = stateOffset(n);
      return at < 0 || parseUint(skipFields(at, 17, n), n) !== threads.size;
    } catch {
      return true;
    }
  }

  private scanThreads(pid: number): void {
    const threads = this.pids.get(pid)!;
    let tids: string[];
    try {
      tids = fs.readdirSync(`${this.procRoot}/${pid}/task`);
    } catch {
      return;
    }
    for (const name of tids) {
      const tid = Number(name);
      if (threads.has(tid)) continue;
      const dir = `${this.procRoot}/${pid}/task/${tid}`;
      let statFd: number;
      try {
        statFd = fs.openSync(`${dir}/stat`, 'r');
      } catch {
        continue;
      }
      let schedFd: number | null = null;
      try {
        schedFd = fs.openSync(`${dir}/schedstat`, 'r');
      } catch {
        schedFd = null;
      }
      const probe: ThreadProbe = { pid, tid, statFd, schedFd, previous: null, held: null };
      threads.set(tid, probe);
    }
  }
}
