/**
 * The trace model: everything one profiled run produced, as the collector builds it and as the
 * trace file stores it (docs/trace-format.md). Imported by the collector, CLI, analysis, exporters,
 * extension host and webview, so it must stay free of `vscode`, Node and DOM imports.
 *
 * All times are nanoseconds relative to `meta.clockBaseNs` (the collector's monotonic clock when the
 * run started), as plain numbers. A field that was not observed is `null`, never a guess.
 */

export const TRACE_FORMAT = 'parallel-profiler-trace';
export const TRACE_VERSION = 1;

export type ProcessRole =
  'main' | 'process' | 'pool-worker' | 'executor-worker' | 'manager' | 'helper';

/** Where a Python function is defined. */
export interface SourceRef {
  name: string;
  module: string | null;
  file: string | null;
  line: number | null;
}

export interface ExceptionInfo {
  type: string;
  message: string;
}

/** The error type of a task whose worker ended while running it (docs/trace-format.md). */
export const UNFINISHED_TASK = 'Unfinished';

export interface ThreadInfo {
  tid: number;
  name: string;
}

export interface ProcessInfo {
  pid: number;
  /** OS parent pid (for a forkserver child, the forkserver). */
  ppid: number | null;
  /** The multiprocessing parent: the process that called `start()`. */
  parentPid: number | null;
  name: string;
  role: ProcessRole;
  startMethod: string | null;
  daemon: boolean;
  /** The `Process(target=...)` function, when there is one. */
  target: SourceRef | null;
  /** The parent called `start()`. */
  createdNs: number | null;
  /** The process connected to the collector (interpreter up, runtime loaded). */
  startNs: number | null;
  runBeginNs: number | null;
  runEndNs: number | null;
  /** When the exit was seen: by the parent's poll, the runtime's last frame, or the connection closing. */
  exitNs: number | null;
  /** Exit code; negative is the signal number that killed it (-9 for SIGKILL). */
  exitCode: number | null;
  exception: ExceptionInfo | null;
  /** How the connection ended: `bye` (clean), `closed` (no goodbye: killed or `os._exit`), `open`. */
  connection: 'open' | 'bye' | 'closed' | 'never';
  threads: ThreadInfo[];
}

export type TaskKind = 'pool' | 'executor';

/** One execution of a Pool chunk or ProcessPoolExecutor call item in a worker. */
export interface TaskSpan {
  id: number;
  kind: TaskKind;
  fn: SourceRef;
  /** Worker that ran it. */
  pid: number;
  tid: number;
  startNs: number;
  endNs: number;
  /** When and where it was handed to the pool (null if not seen). */
  submitNs: number | null;
  submitPid: number | null;
  /** Pool job number / executor work id. */
  job: number | null;
  /** Chunk index within the job (Pool), null for executor. */
  index: number | null;
  /** Items in the chunk (1 for apply/submit). */
  items: number | null;
  argBytes: number | null;
  resultBytes: number | null;
  ok: boolean;
  error: ExceptionInfo | null;
}

export type WaitKind =
  | 'join'
  | 'queue-get'
  | 'queue-put'
  | 'queue-join'
  | 'pipe-recv'
  | 'pipe-send'
  | 'lock'
  | 'semaphore'
  | 'condition'
  | 'event'
  | 'barrier'
  | 'result';

/** Time a thread spent blocked (only contended lock acquisitions are recorded). */
export interface WaitSpan {
  pid: number;
  tid: number;
  kind: WaitKind;
  startNs: number;
  endNs: number;
  /** Channel id, lock id or similar; null when unknown. */
  objectId: string | null;
  /** For `join`: the pid waited for. */
  targetPid: number | null;
  /** Whether the wait ended by getting what it waited for (false: timeout). */
  ok: boolean;
}

export type ChannelKind =
  | 'queue'
  | 'joinable-queue'
  | 'simple-queue'
  | 'pipe'
  | 'pool-tasks'
  | 'pool-results'
  | 'executor-calls'
  | 'executor-results';

export interface ChannelInfo {
  id: string;
  kind: ChannelKind;
  label: string;
  createdPid: number | null;
  createdNs: number | null;
  createdAt: SourceRef | null;
  /** `JoinableQueue.task_done()` calls seen (joinable queues; absent when none). */
  taskDone?: number;
}

/** One message through a queue or pipe: the put/send matched with the get/recv that received it. */
export interface Message {
  id: number;
  channel: string;
  bytes: number | null;
  sendPid: number;
  sendTid: number;
  /** The user's put()/send() call. */
  putNs: number;
  /** Bytes written to the pipe (for Queue, by the feeder thread; later than putNs). */
  sendNs: number;
  recvPid: number | null;
  recvTid: number | null;
  /** The get()/recv() call began (it may have blocked until recvNs). */
  getNs: number | null;
  /** The message was read off the pipe. */
  recvNs: number | null;
}

export interface ManagerCall {
  pid: number;
  tid: number;
  startNs: number;
  endNs: number;
  typeid: string;
  method: string;
  ok: boolean;
}

/** A `/proc` sample of one thread: which core it last ran on and whether it was runnable. */
export interface CoreSample {
  ts: number;
  pid: number;
  tid: number;
  cpu: number;
  /** `/proc` state letter: R (running or runnable), S, D, Z, ... */
  state: string;
  /** Cumulative ns on a CPU and waiting for one (`schedstat`), null when unavailable. */
  runNs: number | null;
  waitNs: number | null;
}

export interface CoreData {
  /** False where `/proc` sampling is impossible (macOS, Windows, no /proc). */
  available: boolean;
  /** Why core data is missing or partial; shown to the user. */
  reason: string | null;
  cpuCount: number;
  intervalMs: number;
  samples: CoreSample[];
}

export interface EventCounts {
  /** Events received from the runtime and accepted. */
  total: number;
  /** Events the runtime reported dropping (buffer full, transport failure). */
  lost: number;
  /** Frames or connections rejected by the collector. */
  rejected: number;
  /** Rejections by reason, e.g. `bad-secret`, `oversize-frame`, `malformed-json`, `truncated-frame`. */
  rejectedReasons: Record<string, number>;
}

export interface RunMeta {
  profilerVersion: string;
  command: string[];
  cwd: string;
  script: string | null;
  module: string | null;
  python: { executable: string; version: string } | null;
  /** Start method of the main process's default context, when it was known. */
  startMethod: string | null;
  platform: string;
  hostCpuCount: number;
  startedAtIso: string;
  clockBaseNs: string;
  /** How process clocks relate: `shared` (same CLOCK_MONOTONIC, Linux) or `estimated`. */
  clock: 'shared' | 'estimated';
  wallNs: number;
  exitCode: number | null;
  signal: string | null;
  endReason: 'running' | 'exited' | 'stopped' | 'failed-to-start';
  /** Problems worth telling the user about (vanished processes, disabled tracing, ...). */
  warnings: string[];
}

export interface Trace {
  format: typeof TRACE_FORMAT;
  version: number;
  meta: RunMeta;
  processes: ProcessInfo[];
  tasks: TaskSpan[];
  waits: WaitSpan[];
  channels: ChannelInfo[];
  messages: Message[];
  managerCalls: ManagerCall[];
  cores: CoreData;
  counts: EventCounts;
}

/** A process known only by its pid so far (seen as a sender, a spawn target, a core sample...). */
export function unknownProcess(pid: number): ProcessInfo {
  return {
    pid,
    ppid: null,
    parentPid: null,
    name: `pid ${pid}`,
    role: 'process',
    startMethod: null,
    daemon: false,
    target: null,
    createdNs: null,
    startNs: null,
    runBeginNs: null,
    runEndNs: null,
    exitNs: null,
    exitCode: null,
    exception: null,
    connection: 'never',
    threads: [],
  };
}
