/**
 * The collector: accepts runtime connections on a private Unix socket, authenticates each with the
 * per-run secret, decodes and validates frames (docs/wire-protocol.md) and feeds a TraceBuilder.
 * No vscode and no child processes here, so tests can drive it with hand-written frames.
 *
 * Sockets are always read, framed and size-checked as data arrives, and hellos checked at once.
 * What arrived is handed to the builder as `Arrival`s, in arrival order across connections: in
 * `live` ingest mode (a view follows the run) soon after, by slices paced to a share of a core, or,
 * in `deferred` mode (headless recording), kept raw until the run ends, the backlog passes its cap
 * or someone reads the model, so that parsing and building take as little CPU as they can from the
 * program being measured. One code path builds both.
 */
import { timingSafeEqual } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import type { CoreSample, RunMeta, Trace } from '../model/trace';
import type { TraceDelta } from '../protocol/webview';
import { BINARY_BATCH, decodeBinaryBatch, TemplateTable } from './binaryBatch';
import { TraceBuilder } from './builder';
import type { Source } from './builder';
import { FrameDecoder, MAX_FRAME_BYTES } from './framing';
import type { Hello } from './schema';
import { helloProblem, isBye } from './schema';
import { takeTaskPage } from './taskPage';
import { profilerVersion } from './version';

/** When frames are parsed and built into the model: as they arrive, or later (see above). */
export type IngestMode = 'live' | 'deferred';

export interface CollectorOptions {
  secret: string;
  maxFrameBytes?: number;
  helloTimeoutMs?: number;
  /** Default `live`. */
  ingest?: IngestMode;
  /** In deferred mode, raw frame bytes kept before they are built in anyway. */
  maxBacklogBytes?: number;
  /** Live mode: the share of a core building may take while frames wait (default a quarter). */
  liveBuildShare?: number;
}

/** Before the hello, frames are small: a stranger cannot make us buffer megabytes. */
const MAX_HELLO_BYTES = 64 * 1024;

/**
 * 128 MiB of raw frames holds about 1M Pool events as template records (124 bytes each; half as
 * many as JSON; more of the smaller kinds): at most that much memory beside the model, and a second
 * or two of building once the run has ended (bench:ingest builds about 1M events/s). Past it the
 * backlog is built in during the run, as in live mode.
 */
export const DEFAULT_MAX_BACKLOG_BYTES = 128 * 1024 * 1024;

/** A backlog is built in by slices of this many ms, so sockets and timers are served in between. */
const CATCH_UP_SLICE_MS = 10;

/**
 * Live ingest builds by slices of LIVE_SLICE_MS; while a slice leaves a backlog (the program sends
 * faster than we build), the next one waits so that building takes at most LIVE_BUILD_SHARE of a
 * core: the program being measured keeps the rest, and the view lags and catches up. Measured
 * with `BENCH_SINK=live npm run bench:overhead`.
 */
const LIVE_SLICE_MS = 5;
const LIVE_BUILD_SHARE = 0.25;

interface Connection {
  socket: net.Socket;
  decoder: FrameDecoder;
  source: Source | null;
  /** Defined by its binary batches, applied as they are built (in arrival order). */
  templates: TemplateTable;
  byeTs: number | null;
  /** Rejected as a whole: its unread bytes are not a truncated frame. */
  refused: boolean;
  /** Its process's task page was read (see taskPage.ts). */
  pageTaken: boolean;
  /** The last binary batch it sent: its page's spill may be this frame's start, sent already. */
  lastBinaryFrame: Buffer | null;
  helloTimer: NodeJS.Timeout | null;
}

/** What happened on the connections, in the order it happened: the builder's input. */
type Arrival =
  | { kind: 'hello'; hello: Hello; source: Source }
  | { kind: 'frame'; connection: Connection; frame: Buffer }
  | { kind: 'rejected'; reason: string }
  | { kind: 'closed'; connection: Connection; source: Source; atNs: number };

export class Collector {
  readonly clockBaseNs: bigint;
  private readonly baseNs: number;
  private readonly secret: Buffer;
  private readonly maxFrameBytes: number;
  private readonly helloTimeoutMs: number;
  private readonly ingestMode: IngestMode;
  private readonly maxBacklogBytes: number;
  private readonly liveBuildShare: number;
  private readonly builder: TraceBuilder;
  /** Arrivals not built in yet, from `backlogStart` on. */
  private backlog: Arrival[] = [];
  private backlogStart = 0;
  private backlogFrameBytes = 0;
  private catchingUp: Promise<void> | null = null;
  private pacedSlice: NodeJS.Timeout | null = null;
  /** While a `closed` arrival is built in: when it happened, the builder's clock for it. */
  private arrivalNs: number | null = null;
  private readonly seenPids = new Set<number>();
  private readonly connections = new Set<Connection>();
  private readonly changeListeners = new Set<() => void>();
  private readonly pidListeners = new Set<(pid: number) => void>();
  private readonly idleWaiters = new Set<() => void>();
  private server: net.Server | null = null;
  private socketDir: string | null = null;
  private socketPath: string | null = null;
  /** Where the runtime puts task pages: the socket's directory. */
  private pageDir: string | null = null;
  /** The socket path while listening, else null. */
  get address(): string | null {
    return this.socketPath;
  }

  private changeScheduled = false;
  private closedForGood = false;

  constructor(options: CollectorOptions) {
    this.secret = Buffer.from(options.secret, 'utf8');
    this.maxFrameBytes = options.maxFrameBytes ?? MAX_FRAME_BYTES;
    this.helloTimeoutMs = options.helloTimeoutMs ?? 5000;
    this.ingestMode = options.ingest ?? 'live';
    this.maxBacklogBytes = options.maxBacklogBytes ?? DEFAULT_MAX_BACKLOG_BYTES;
    this.liveBuildShare = options.liveBuildShare ?? LIVE_BUILD_SHARE;
    this.clockBaseNs = process.hrtime.bigint();
    this.baseNs = Number(this.clockBaseNs);
    const meta: RunMeta = {
      profilerVersion,
      command: [],
      cwd: process.cwd(),
      script: null,
      module: null,
      python: null,
      startMethod: null,
      platform: process.platform,
      hostCpuCount: os.cpus().length,
      startedAtIso: new Date().toISOString(),
      clockBaseNs: this.clockBaseNs.toString(),
      clock: process.platform === 'linux' ? 'shared' : 'estimated',
      wallNs: 0,
      exitCode: null,
      signal: null,
      endReason: 'running',
      warnings: [],
    };
    this.builder = new TraceBuilder(
      meta,
      () => this.arrivalNs ?? this.nowNs(),
      (pid) => this.sawPid(pid),
    );
  }

  /** Nanoseconds since the clock base, on the collector's monotonic clock. */
  nowNs(): number {
    return Number(process.hrtime.bigint() - this.clockBaseNs);
  }

  /**
   * Starts listening. Without a path, creates a private (0700) directory under the temp dir with a
   * short name, so the socket path stays under the ~104-byte limit.
   */
  async listen(socketPath?: string): Promise<string> {
    if (this.server) throw new Error('The collector is already listening.');
    if (!socketPath) {
      const base = fs.existsSync('/tmp') ? '/tmp' : os.tmpdir();
      this.socketDir = fs.mkdtempSync(path.join(base, 'pp-'));
      fs.chmodSync(this.socketDir, 0o700);
      socketPath = path.join(this.socketDir, 's');
    }
    this.socketPath = socketPath;
    this.pageDir = path.dirname(socketPath);
    const server = net.createServer((socket) => this.accept(socket));
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(socketPath, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      this.removeSocketFiles();
      throw error;
    }
    this.server = server;
    // Even if our process ends without close() (a crash, process.exit), leave nothing in /tmp.
    process.on('exit', this.removeSocketFiles);
    return socketPath;
  }

  /** The model so far (in deferred mode, the backlog is built in first). */
  trace(): Trace {
    this.buildBacklog();
    return this.builder.snapshot();
  }

  /**
   * What changed since the last delta: with `upTo` `all`, after building in the backlog; with
   * `built`, only what is built already (a live view's periodic delta, which must not undo the
   * pacing of live ingest).
   */
  takeDelta(upTo: 'all' | 'built' = 'all'): TraceDelta {
    if (upTo === 'all') this.buildBacklog();
    const delta = this.builder.takeDelta(this.closedForGood);
    delta.pendingBytes = this.backlogFrameBytes;
    return delta;
  }

  /** Raw frame bytes waiting to be built in. */
  get backlogBytes(): number {
    return this.backlogFrameBytes;
  }

  /**
   * Builds the backlog in by slices, serving sockets and timers between them; resolves once it is
   * empty (arrivals during the catch-up included).
   */
  private catchUp(): Promise<void> {
    this.catchingUp ??= new Promise<void>((resolve) => {
      const slice = () => {
        this.buildBacklog(performance.now() + CATCH_UP_SLICE_MS);
        if (this.backlog.length > 0) return void setImmediate(slice);
        this.catchingUp = null;
        resolve();
      };
      setImmediate(slice);
    });
    return this.catchingUp;
  }

  /** Called (at most once per event-loop turn) after new data arrived. Returns an unsubscribe. */
  onDidChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /**
   * Called once for every pid the trace learns about: from a hello at once, from a spawn event
   * when it is built in (in deferred mode, later).
   */
  onDidSeePid(listener: (pid: number) => void): () => void {
    this.pidListeners.add(listener);
    return () => this.pidListeners.delete(listener);
  }

  /** Fills run metadata known to the caller (command, exit code, end reason, ...). */
  updateMeta(fields: Partial<RunMeta>): void {
    Object.assign(this.builder.meta, fields);
    this.changed();
  }

  /**
   * What the recorder knows of the main process outside the trace: its pid and exit code (a main
   * process stopped before its first flush never said hello).
   */
  setMainExit(pid: number, exitCode: number): void {
    // After what the process said itself: its own `runend` code wins.
    this.buildBacklog();
    this.builder.setMainExit(pid, exitCode);
  }

  setCoreInfo(info: {
    available: boolean;
    reason: string | null;
    cpuCount: number;
    intervalMs: number;
  }): void {
    Object.assign(this.builder.cores, info);
  }

  addCoreSamples(samples: readonly CoreSample[]): void {
    if (samples.length === 0) return;
    this.builder.addCoreSamples(samples);
    this.changed();
  }

  get openConnections(): number {
    return this.connections.size;
  }

  /** The pids of the processes whose connections are open (known without building anything). */
  connectedPids(): number[] {
    return Array.from(this.connections, (c) => c.source?.pid).filter(
      (pid): pid is number => pid !== undefined,
    );
  }

  /** Resolves once no connection is open, or after `timeoutMs`. */
  whenIdle(timeoutMs: number): Promise<void> {
    if (this.connections.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.idleWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.idleWaiters.add(done);
    });
  }

  /**
   * Stops listening, drops open connections (as vanished), removes the socket directory and builds
   * in the backlog: the model is complete once this resolves.
   */
  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.closedForGood = true;
    if (this.pacedSlice) clearTimeout(this.pacedSlice);
    this.pacedSlice = null;
    for (const connection of [...this.connections]) {
      // Read before the directory goes: a task still running when the recording ends.
      this.readTaskPage(connection);
      connection.socket.destroy();
    }
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    this.removeSocketFiles();
    process.off('exit', this.removeSocketFiles);
    await this.catchUp();
  }

  private readonly removeSocketFiles = (): void => {
    if (this.socketDir) fs.rmSync(this.socketDir, { recursive: true, force: true });
    else if (this.socketPath) fs.rmSync(this.socketPath, { force: true });
    this.socketDir = null;
    this.socketPath = null;
  };

  private accept(socket: net.Socket): void {
    const connection: Connection = {
      socket,
      decoder: new FrameDecoder(Math.min(MAX_HELLO_BYTES, this.maxFrameBytes), (frame) =>
        this.frameArrived(connection, frame),
      ),
      source: null,
      templates: new TemplateTable(),
      byeTs: null,
      refused: false,
      pageTaken: false,
      lastBinaryFrame: null,
      helloTimer: setTimeout(() => this.refuse(connection, 'no-hello'), this.helloTimeoutMs),
    };
    this.connections.add(connection);
    socket.on('data', (chunk: Buffer) => {
      if (socket.destroyed) return;
      const badLength = connection.decoder.push(chunk);
      if (badLength !== null) this.refuse(connection, 'oversize-frame');
      this.changed();
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.closed(connection));
  }

  private frameArrived(connection: Connection, frame: Buffer): void {
    if (connection.socket.destroyed) return;
    if (!connection.source) return this.hello(connection, frame);
    if (frame[0] === BINARY_BATCH) connection.lastBinaryFrame = frame;
    this.arrived({ kind: 'frame', connection, frame });
  }

  /** Checks a first frame at once: the secret, and the pid the sampler needs. */
  private hello(connection: Connection, frame: Buffer): void {
    let value: unknown;
    try {
      value = JSON.parse(frame.toString('utf8'));
    } catch {
      return this.refuse(connection, 'no-hello');
    }
    const problem = helloProblem(value, (secret) => this.secretMatches(secret));
    if (problem) {
      if (problem === 'bad-version') {
        const v = JSON.stringify((value as { v: unknown }).v);
        this.builder.warn(
          `A process spoke wire protocol version ${v}, which this collector does not know: update the profiler.`,
        );
      }
      return this.refuse(connection, problem);
    }
    const hello = value as Hello;
    clearTimeout(connection.helloTimer!);
    connection.helloTimer = null;
    connection.decoder.maxFrameBytes = this.maxFrameBytes;
    // On Linux both sides read CLOCK_MONOTONIC; elsewhere assume the hello was just built.
    const shared = process.platform === 'linux' && hello.platform === 'linux';
    const offsetNs = shared ? 0 : Number(process.hrtime.bigint()) - hello.clockNs;
    if (!shared) this.builder.meta.clock = 'estimated';
    connection.source = { pid: hello.pid, shiftNs: offsetNs - this.baseNs };
    this.sawPid(hello.pid);
    this.arrived({ kind: 'hello', hello, source: connection.source });
  }

  private arrived(arrival: Arrival): void {
    if (arrival.kind === 'frame') this.backlogFrameBytes += arrival.frame.length;
    this.backlog.push(arrival);
    if (this.backlogFrameBytes > this.maxBacklogBytes) void this.catchUp();
    else if (this.ingestMode === 'live') this.pace(0);
  }

  /** Live ingest: the next slice of building, `delayMs` from now (see LIVE_BUILD_SHARE). */
  private pace(delayMs: number): void {
    if (this.pacedSlice || this.closedForGood) return;
    this.pacedSlice = setTimeout(() => {
      this.pacedSlice = null;
      const start = performance.now();
      this.buildBacklog(start + LIVE_SLICE_MS);
      const spent = performance.now() - start;
      if (this.backlog.length > 0) this.pace(spent * (1 / this.liveBuildShare - 1));
    }, delayMs);
  }

  /**
   * Builds in the arrivals not built yet, all of them (someone reads the model) or until
   * `deadline` (performance.now() ms) passes.
   */
  private buildBacklog(deadline = Infinity): void {
    while (this.backlogStart < this.backlog.length && performance.now() < deadline) {
      this.build(this.backlog[this.backlogStart++]);
    }
    this.backlog.splice(0, this.backlogStart);
    this.backlogStart = 0;
  }

  /** The one path from what arrived into the model, whatever the ingest mode. */
  private build(arrival: Arrival): void {
    switch (arrival.kind) {
      case 'hello':
        return this.builder.hello(arrival.hello, arrival.source);
      case 'frame':
        this.backlogFrameBytes -= arrival.frame.length;
        return this.buildFrame(arrival.connection, arrival.frame);
      case 'rejected':
        return this.builder.reject(arrival.reason);
      case 'closed': {
        const { connection, source } = arrival;
        this.arrivalNs = arrival.atNs;
        this.builder.disconnected(source.pid, connection.byeTs, source);
        this.arrivalNs = null;
        return;
      }
    }
  }

  private buildFrame(connection: Connection, frame: Buffer): void {
    if (frame[0] === BINARY_BATCH) {
      const events = decodeBinaryBatch(frame, connection.templates, this.builder);
      return this.builder.batch(events, connection.source!);
    }
    let value: unknown;
    try {
      value = JSON.parse(frame.toString('utf8'));
    } catch {
      return this.builder.reject('malformed-json');
    }
    if (Array.isArray(value)) this.builder.batch(value, connection.source!);
    else if (isBye(value)) connection.byeTs = value.ts;
    else this.builder.reject('bad-schema');
  }

  private sawPid(pid: number): void {
    if (this.seenPids.has(pid)) return;
    this.seenPids.add(pid);
    for (const listener of this.pidListeners) listener(pid);
  }

  private secretMatches(secret: string): boolean {
    const given = Buffer.from(secret, 'utf8');
    return given.length === this.secret.length && timingSafeEqual(given, this.secret);
  }

  /** Rejects a connection as a whole and closes it; what it sent before stays in the trace. */
  private refuse(connection: Connection, reason: string): void {
    if (connection.socket.destroyed) return;
    this.arrived({ kind: 'rejected', reason });
    connection.refused = true;
    connection.socket.destroy();
  }

  private closed(connection: Connection): void {
    if (connection.helloTimer) clearTimeout(connection.helloTimer);
    if (connection.decoder.bufferedBytes > 0 && !connection.refused)
      this.arrived({ kind: 'rejected', reason: 'truncated-frame' });
    if (connection.source) {
      const { source } = connection;
      this.readTaskPage(connection);
      this.arrived({ kind: 'closed', connection, source, atNs: this.nowNs() });
    }
    this.connections.delete(connection);
    this.changed();
    if (this.connections.size === 0) for (const waiter of [...this.idleWaiters]) waiter();
  }

  /**
   * What its process's task page holds, as frames of its own: the events it spilled and had not
   * sent, then the task it was running. A process whose connection closed has ended (or is about
   * to be killed, when the recording ends).
   */
  private readTaskPage(connection: Connection): void {
    const { source } = connection;
    if (connection.pageTaken || !source || !this.pageDir) return;
    connection.pageTaken = true;
    const page = takeTaskPage(this.pageDir, source.pid, this.nowNs() - source.shiftNs);
    if (page === 'bad') return this.arrived({ kind: 'rejected', reason: 'bad-task-page' });
    if (page.spill && !spillWasSent(page.spill, connection.lastBinaryFrame)) {
      const frame = Buffer.concat([Buffer.from([BINARY_BATCH]), page.spill]);
      this.arrived({ kind: 'frame', connection, frame });
    }
    if (page.task === 'bad') this.arrived({ kind: 'rejected', reason: 'bad-task-page' });
    else if (page.task) {
      const frame = Buffer.from(JSON.stringify([page.task]));
      this.arrived({ kind: 'frame', connection, frame });
    }
  }

  private changed(): void {
    if (this.changeScheduled || this.changeListeners.size === 0) return;
    this.changeScheduled = true;
    setImmediate(() => {
      this.changeScheduled = false;
      for (const listener of this.changeListeners) listener();
    });
  }
}

/**
 * Whether a spill was sent already: a flush sends the spill first in one binary batch, then clears
 * it, so a process killed in between leaves the start of its last binary batch in its page.
 */
function spillWasSent(spill: Buffer, lastBinaryFrame: Buffer | null): boolean {
  if (!lastBinaryFrame || lastBinaryFrame.length < 1 + spill.length) return false;
  return spill.equals(lastBinaryFrame.subarray(1, 1 + spill.length));
}
