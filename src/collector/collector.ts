/**
 * The collector: accepts runtime connections on a private Unix socket, authenticates each with the
 * per-run secret, decodes and validates frames (docs/wire-protocol.md) and feeds a TraceBuilder.
 * No vscode and no child processes here, so tests can drive it with hand-written frames.
 */
import { timingSafeEqual } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import type { CoreSample, RunMeta, Trace } from '../model/trace';
import type { TraceDelta } from '../protocol/webview';
import { TraceBuilder } from './builder';
import type { Source } from './builder';
import { FrameDecoder, MAX_FRAME_BYTES } from './framing';
import type { Hello } from './schema';
import { helloProblem, isBye } from './schema';
import { profilerVersion } from './version';

export interface CollectorOptions {
  secret: string;
  maxFrameBytes?: number;
  helloTimeoutMs?: number;
}

/** Before the hello, frames are small: a stranger cannot make us buffer megabytes. */
const MAX_HELLO_BYTES = 64 * 1024;

interface Connection {
  socket: net.Socket;
  decoder: FrameDecoder;
  source: Source | null;
  byeTs: number | null;
  /** Rejected as a whole: its unread bytes are not a truncated frame. */
  refused: boolean;
  helloTimer: NodeJS.Timeout | null;
}

export class Collector {
  readonly clockBaseNs: bigint;
  private readonly baseNs: number;
  private readonly secret: Buffer;
  private readonly maxFrameBytes: number;
  private readonly helloTimeoutMs: number;
  private readonly builder: TraceBuilder;
  private readonly connections = new Set<Connection>();
  private readonly changeListeners = new Set<() => void>();
  private readonly pidListeners = new Set<(pid: number) => void>();
  private readonly idleWaiters = new Set<() => void>();
  private server: net.Server | null = null;
  private socketDir: string | null = null;
  private socketPath: string | null = null;
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
      () => this.nowNs(),
      (pid) => {
        for (const listener of this.pidListeners) listener(pid);
      },
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

  trace(): Trace {
    return this.builder.snapshot();
  }

  takeDelta(): TraceDelta {
    return this.builder.takeDelta(this.closedForGood);
  }

  /** Called (at most once per event-loop turn) after new data arrived. Returns an unsubscribe. */
  onDidChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Called once for every pid the trace learns about (from a hello or a spawn event). */
  onDidSeePid(listener: (pid: number) => void): () => void {
    this.pidListeners.add(listener);
    return () => this.pidListeners.delete(listener);
  }

  /** Fills run metadata known to the caller (command, exit code, end reason, ...). */
  updateMeta(fields: Partial<RunMeta>): void {
    Object.assign(this.builder.meta, fields);
    this.changed();
  }

  /** Records an exit code learnt outside the trace (the main process, from the recorder). */
  setExitCode(pid: number, exitCode: number): void {
    this.builder.setExitCode(pid, exitCode);
  }

  warn(message: string): void {
    this.builder.warn(message);
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

  /** Stops listening, drops open connections (as vanished) and removes the socket directory. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.closedForGood = true;
    for (const connection of [...this.connections]) connection.socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    this.removeSocketFiles();
    process.off('exit', this.removeSocketFiles);
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
        this.frame(connection, frame),
      ),
      source: null,
      byeTs: null,
      refused: false,
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

  private frame(connection: Connection, frame: Buffer): void {
    if (connection.socket.destroyed) return;
    let value: unknown;
    try {
      value = JSON.parse(frame.toString('utf8'));
    } catch {
      if (connection.source) this.builder.reject('malformed-json');
      else this.refuse(connection, 'no-hello');
      return;
    }
    if (!connection.source) return this.hello(connection, value);
    if (Array.isArray(value)) this.builder.batch(value, connection.source);
    else if (isBye(value)) connection.byeTs = value.ts;
    else this.builder.reject('bad-schema');
  }

  private hello(connection: Connection, value: unknown): void {
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
    this.builder.hello(hello, connection.source);
  }

  private secretMatches(secret: string): boolean {
    const given = Buffer.from(secret, 'utf8');
    return given.length === this.secret.length && timingSafeEqual(given, this.secret);
  }

  /** Rejects a connection as a whole and closes it; what it sent before stays in the trace. */
  private refuse(connection: Connection, reason: string): void {
    if (connection.socket.destroyed) return;
    this.builder.reject(reason);
    connection.refused = true;
    connection.socket.destroy();
  }

  private closed(connection: Connection): void {
    if (connection.helloTimer) clearTimeout(connection.helloTimer);
    if (connection.decoder.bufferedBytes > 0 && !connection.refused)
      this.builder.reject('truncated-frame');
    if (connection.source) {
      this.builder.disconnected(connection.source.pid, connection.byeTs, connection.source);
    }
    this.connections.delete(connection);
    this.changed();
    if (this.connections.size === 0) for (const waiter of [...this.idleWaiters]) waiter();
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
