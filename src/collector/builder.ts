/**
 * Builds the trace model incrementally from validated wire events (docs/wire-protocol.md). Knows
 * nothing about sockets: the collector hands it hellos, event batches, goodbyes and closed
 * connections; `snapshot` and `takeDelta` read it. Times become ns relative to the clock base.
 */
import type {
  ChannelInfo,
  CoreData,
  CoreSample,
  EventCounts,
  ManagerCall,
  ProcessInfo,
  ProcessRole,
  RunMeta,
  TaskKind,
  TaskSpan,
  Trace,
  WaitSpan,
} from '../model/trace';
import { TRACE_FORMAT, TRACE_VERSION, unknownProcess } from '../model/trace';
import type { TraceDelta } from '../protocol/webview';
import { MessageMatcher } from './messages';
import type { Hello } from './schema';
import { SourceRefs } from './sourceRefs';
import { isValidEvent } from './schema';

/** Where a connection's events come from and how to turn its clock into trace time. */
export interface Source {
  pid: number;
  /** Added to a runtime timestamp to get ns relative to the clock base. */
  shiftNs: number;
}

/** Roles that the target function of a child process implies (`module.qualname`). */
const TARGET_ROLES: Record<string, ProcessRole> = {
  'multiprocessing.pool.worker': 'pool-worker',
  'concurrent.futures.process._process_worker': 'executor-worker',
  'multiprocessing.managers.BaseManager._run_server': 'manager',
};

/** A task not yet matched with its submit is held back from deltas for at most this long. */
const TASK_HOLD_NS = 1e9;

const idString = (id: unknown): string | null => (id === null ? null : String(id));
/** Ids are strings or integers (7 and "7" are one pool, as they are one channel); null is none. */
const poolKey = (poolId: unknown): string => (poolId === null ? 'n' : `s${String(poolId)}`);
const taskKey = (kind: unknown, poolId: unknown, job: unknown, index: unknown) =>
  `${kind as string}\u0000${poolKey(poolId)}\u0000${job as number}\u0000${kind === 'pool' ? (index as number) : ''}`;

interface Submit {
  ns: number;
  pid: number;
}

export class TraceBuilder {
  readonly counts: EventCounts = { total: 0, lost: 0, rejected: 0, rejectedReasons: {} };
  readonly cores: CoreData;
  private readonly processes = new Map<number, ProcessInfo>();
  private readonly tasks: TaskSpan[] = [];
  private readonly waits: WaitSpan[] = [];
  private readonly channels: ChannelInfo[] = [];
  private readonly channelIds = new Set<string>();
  /** task_done() calls per channel id; kept apart because they may arrive before the `chan` event. */
  private readonly taskDone = new Map<string, number>();
  private readonly managerCalls: ManagerCall[] = [];
  private readonly matcher = new MessageMatcher();
  private readonly submits = new Map<string, Submit>();
  private readonly tasksAwaitingSubmit = new Map<string, number>();
  private readonly warnings = new Set<string>();
  private readonly sourceRefs = new SourceRefs();

  // What takeDelta has handed out so far.
  private readonly changedPids = new Set<number>();
  private deliveredChannels = 0;
  private deliveredWaits = 0;
  private deliveredCalls = 0;
  private deliveredSamples = 0;
  private undeliveredTasks: number[] = [];

  constructor(
    readonly meta: RunMeta,
    private readonly now: () => number,
    /** Called once for each pid the trace learns about (hello or spawn). */
    private readonly onNewPid: (pid: number) => void,
  ) {
    // Until a sampler says otherwise (the recorder does), there is no core data.
    this.cores = {
      available: false,
      reason: 'Cores were not sampled for this run.',
      cpuCount: meta.hostCpuCount,
      intervalMs: 0,
      samples: [],
    };
  }

  reject(reason: string): void {
    this.counts.rejected++;
    this.counts.rejectedReasons[reason] = (this.counts.rejectedReasons[reason] ?? 0) + 1;
  }

  warn(message: string): void {
    this.warnings.add(message);
  }

  hello(hello: Hello, source: Source): void {
    const p = this.process(hello.pid);
    p.ppid = hello.ppid;
    p.parentPid = hello.mpParentPid ?? p.parentPid;
    p.name = hello.name;
    p.role = hello.role;
    p.startMethod = hello.startMethod ?? p.startMethod;
    p.startNs = hello.clockNs + source.shiftNs;
    p.connection = 'open';
    if (!p.threads.some((t) => t.tid === hello.pid))
      p.threads.push({ tid: hello.pid, name: 'MainThread' });
    if (hello.main) {
      this.meta.startMethod = hello.startMethod;
      if (!this.meta.python && hello.executable && hello.python) {
        this.meta.python = { executable: hello.executable, version: hello.python };
      }
    }
  }

  /** Applies a batch; each malformed event is rejected alone. */
  batch(events: unknown[], source: Source): void {
    for (let i = 0; i < events.length; i++) {
      const event = events[i];
      if (isValidEvent(event)) {
        this.event(event, source);
        this.counts.total++;
      } else {
        this.reject('bad-event');
      }
    }
  }

  /** The connection ended: cleanly after a `bye` (at `byeNs`) or not. */
  disconnected(pid: number, byeTs: number | null, source: Source): void {
    const p = this.process(pid);
    p.connection = byeTs === null ? 'closed' : 'bye';
    this.sawExit(p, byeTs === null ? this.now() : byeTs + source.shiftNs);
  }

  private event(e: unknown[], source: Source): void {
    const pid = source.pid;
    const ts = (e[1] as number) + source.shiftNs;
    const tid = e[2] as number;
    switch (e[0]) {
      case 'send':
        this.matcher.addSend(
          e[4] as number,
          idString(e[7]),
          e[5] as number | null,
          pid,
          tid,
          e[6] === null ? ts : (e[6] as number) + source.shiftNs,
          ts,
        );
        return;
      case 'recv':
        this.matcher.addRecv(
          e[4] as number,
          idString(e[7]),
          pid,
          tid,
          e[6] === null ? ts : (e[6] as number) + source.shiftNs,
          ts,
          (e[3] as number) + source.shiftNs,
        );
        return;
      case 'wait':
        this.waits.push({
          pid,
          tid,
          kind: e[4] as WaitSpan['kind'],
          startNs: ts,
          endNs: (e[3] as number) + source.shiftNs,
          objectId: idString(e[5]),
          targetPid: e[6] as number | null,
          ok: e[7] as boolean,
        });
        return;
      case 'join':
        this.waits.push({
          pid,
          tid,
          kind: 'join',
          startNs: ts,
          endNs: (e[3] as number) + source.shiftNs,
          objectId: null,
          targetPid: e[4] as number,
          ok: e[5] as boolean,
        });
        return;
      case 'task':
        this.taskMessages(e, source, tid);
        return this.task(e, source, ts, tid);
      case 'submit':
        this.submitMessages(e, source, tid);
        return this.submit(e, pid, ts);
      case 'mcall':
        this.managerCalls.push({
          pid,
          tid,
          startNs: ts,
          endNs: (e[3] as number) + source.shiftNs,
          typeid: (e[4] as string | null) ?? '?',
          method: (e[5] as string | null) ?? '?',
          ok: e[6] as boolean,
        });
        return;
      case 'lost':
        this.counts.lost += e[3] as number;
        return;
      case 'taskdone': {
        const id = idString(e[3]);
        if (id !== null) this.taskDone.set(id, (this.taskDone.get(id) ?? 0) + 1);
        return;
      }
      default:
        return this.lifecycle(e, pid, ts, tid);
    }
  }

  private lifecycle(e: unknown[], pid: number, ts: number, tid: number): void {
    const p = this.process(pid);
    this.changedPids.add(pid);
    switch (e[0]) {
      case 'thread': {
        const name = (e[3] as string | null) ?? `thread ${tid}`;
        const thread = p.threads.find((t) => t.tid === tid);
        if (thread) thread.name = name;
        else p.threads.push({ tid, name });
        return;
      }
      case 'role':
        p.role = e[3] as ProcessInfo['role'];
        return;
      case 'run':
        p.runBeginNs = ts;
        return;
      case 'runend':
        p.runEndNs = ts;
        if (p.exitCode === null) p.exitCode = e[3] as number | null;
        if (e[4] !== null) p.exception = { type: e[4] as string, message: (e[5] as string) ?? '' };
        return;
      case 'spawn': {
        const child = this.process(e[4] as number);
        this.changedPids.add(child.pid);
        child.parentPid = pid;
        child.createdNs = ts;
        if (e[5] !== null && child.connection === 'never') child.name = e[5] as string;
        child.startMethod = (e[6] as string | null) ?? child.startMethod;
        child.daemon = e[7] as boolean;
        child.target = e[8] === null ? null : this.sourceRefs.get(e[8], e[9], e[10], e[11]);
        // A worker killed before it connected (Pool.terminate at startup) is still known by its target.
        const known = child.target && TARGET_ROLES[`${child.target.module}.${child.target.name}`];
        if (known && child.connection === 'never') child.role = known;
        return;
      }
      case 'exit': {
        const child = this.process(e[3] as number);
        this.changedPids.add(child.pid);
        child.exitCode = e[4] as number;
        this.sawExit(child, ts);
        return;
      }
      case 'chan': {
        const id = idString(e[3]) ?? `chan:${pid}:${ts}`;
        this.matcher.addChannel(id, e[6] as number | null, e[7] as number | null);
        if (this.channelIds.has(id)) return;
        this.channelIds.add(id);
        this.channels.push({
          id,
          kind: e[4] as ChannelInfo['kind'],
          label: (e[5] as string | null) ?? id,
          createdPid: pid,
          createdNs: ts,
          createdAt: e[8] === null ? null : this.sourceRefs.get(e[8], e[9], e[10], e[11]),
        });
        return;
      }
    }
  }

  private task(e: unknown[], source: Source, ts: number, tid: number): void {
    const key = taskKey(e[4], e[5], e[6], e[7]);
    const submit = this.submits.get(key);
    const task: TaskSpan = {
      id: this.tasks.length,
      kind: e[4] as TaskKind,
      fn: this.sourceRefs.get(e[9], e[10], e[11], e[12]),
      pid: source.pid,
      tid,
      startNs: ts,
      endNs: (e[3] as number) + source.shiftNs,
      submitNs: submit ? submit.ns : null,
      submitPid: submit ? submit.pid : null,
      job: e[6] as number | null,
      index: e[7] as number | null,
      items: e[8] as number | null,
      argBytes: e[13] as number | null,
      resultBytes: e[14] as number | null,
      ok: e[15] as boolean,
      error: e[16] === null ? null : { type: e[16] as string, message: (e[17] as string) ?? '' },
    };
    this.tasks.push(task);
    this.undeliveredTasks.push(task.id);
    if (submit) this.submits.delete(key);
    else this.tasksAwaitingSubmit.set(key, task.id);
  }

  /**
   * A Pool task event carries the receive of its task message and the send of its result
   * (docs/wire-protocol.md): they are matched like `recv` / `send` events.
   */
  private taskMessages(e: unknown[], source: Source, tid: number): void {
    this.foldedRecv(e, 18, idString(e[5]), source, tid);
    this.foldedSend(e, 22, e[14] as number | null, idString(e[25]), source, tid);
  }

  /** A Pool submit event carries the send of its task message and the receive of its result. */
  private submitMessages(e: unknown[], source: Source, tid: number): void {
    this.foldedSend(e, 12, e[15] as number | null, idString(e[4]), source, tid);
    if (e[16] !== null) this.foldedRecv(e, 17, idString(e[22]), source, e[16] as number);
  }

  /** A receive carried on another event as getTs, ts, endTs, ino at `e[at..at + 3]`. */
  private foldedRecv(e: unknown[], at: number, chanId: string | null, source: Source, tid: number) {
    if (e[at + 3] === null || e[at + 1] === null || e[at + 2] === null) return;
    const shift = source.shiftNs;
    const ts = (e[at + 1] as number) + shift;
    this.matcher.addRecv(
      e[at + 3] as number,
      chanId,
      source.pid,
      tid,
      e[at] === null ? ts : (e[at] as number) + shift,
      ts,
      (e[at + 2] as number) + shift,
    );
  }

  /** A send carried on another event as ts at `e[at]` and ino at `e[at + 2]`. */
  private foldedSend(
    e: unknown[],
    at: number,
    bytes: number | null,
    chanId: string | null,
    source: Source,
    tid: number,
  ) {
    if (e[at + 2] === null || e[at] === null) return;
    const ts = (e[at] as number) + source.shiftNs;
    this.matcher.addSend(e[at + 2] as number, chanId, bytes, source.pid, tid, ts, ts);
  }

  private submit(e: unknown[], pid: number, ts: number): void {
    const key = taskKey(e[3], e[4], e[5], e[6]);
    const taskId = this.tasksAwaitingSubmit.get(key);
    if (taskId === undefined) {
      this.submits.set(key, { ns: ts, pid });
      return;
    }
    // Replaced, not mutated: snapshots handed out earlier keep what they had.
    this.tasks[taskId] = { ...this.tasks[taskId], submitNs: ts, submitPid: pid };
    this.tasksAwaitingSubmit.delete(key);
  }

  private process(pid: number): ProcessInfo {
    let p = this.processes.get(pid);
    if (!p) {
      p = unknownProcess(pid);
      this.processes.set(pid, p);
      this.onNewPid(pid);
    }
    this.changedPids.add(pid);
    return p;
  }

  /** The earliest sign of an exit wins: the last frame, the parent's poll or the socket closing. */
  private sawExit(p: ProcessInfo, ns: number): void {
    if (p.exitNs === null || ns < p.exitNs) p.exitNs = ns;
  }

  setMainExit(pid: number, exitCode: number): void {
    const p = this.process(pid);
    if (p.exitCode === null) p.exitCode = exitCode;
    if (p.connection === 'never') p.role = 'main';
  }

  addCoreSamples(samples: readonly CoreSample[]): void {
    for (const sample of samples) this.cores.samples.push(sample);
  }

  private derivedWarnings(): string[] {
    const warnings = [...this.warnings];
    let vanished = 0;
    for (const p of this.processes.values()) {
      if (p.connection === 'closed' && p.exitCode === null) vanished++;
    }
    if (vanished > 0) {
      warnings.push(
        `${vanished} process${vanished === 1 ? '' : 'es'} disconnected without saying goodbye (killed?)`,
      );
    }
    if (this.counts.lost > 0) {
      warnings.push(`The runtime dropped ${this.counts.lost} events: the trace is incomplete.`);
    }
    if (this.counts.rejected > 0) {
      const reasons = Object.entries(this.counts.rejectedReasons)
        .map(([reason, n]) => `${reason} ${n}`)
        .join(', ');
      warnings.push(`${this.counts.rejected} frames or events were rejected (${reasons}).`);
    }
    return warnings;
  }

  private currentMeta(): RunMeta {
    const live = this.meta.endReason === 'running';
    return {
      ...this.meta,
      command: [...this.meta.command],
      wallNs: live ? Math.max(0, this.now()) : this.meta.wallNs,
      warnings: [...this.meta.warnings, ...this.derivedWarnings()],
    };
  }

  private currentCounts(): EventCounts {
    return { ...this.counts, rejectedReasons: { ...this.counts.rejectedReasons } };
  }

  private processSnapshot(p: ProcessInfo): ProcessInfo {
    return {
      ...p,
      target: p.target && { ...p.target },
      exception: p.exception && { ...p.exception },
      threads: p.threads.map((t) => ({ ...t })),
    };
  }

  snapshot(): Trace {
    this.matcher.settle();
    return {
      format: TRACE_FORMAT,
      version: TRACE_VERSION,
      meta: this.currentMeta(),
      processes: Array.from(this.processes.values(), (p) => this.processSnapshot(p)),
      tasks: this.tasks.slice(),
      waits: this.waits.slice(),
      channels: this.channels.map((c) =>
        this.taskDone.has(c.id) ? { ...c, taskDone: this.taskDone.get(c.id) } : c,
      ),
      messages: this.matcher.shared(),
      managerCalls: this.managerCalls.slice(),
      cores: { ...this.cores, samples: this.cores.samples.slice() },
      counts: this.currentCounts(),
    };
  }

  /** What is new or changed since the previous call; `final` also releases held-back tasks. */
  takeDelta(final = false): TraceDelta {
    const processes = Array.from(this.changedPids, (pid) =>
      this.processSnapshot(this.processes.get(pid)!),
    );
    this.changedPids.clear();
    const now = this.now();
    const tasks: TaskSpan[] = [];
    const held: number[] = [];
    for (const id of this.undeliveredTasks) {
      const task = this.tasks[id];
      if (final || task.submitNs !== null || now - task.endNs > TASK_HOLD_NS) tasks.push(task);
      else held.push(id);
    }
    this.undeliveredTasks = held;
    const delta: TraceDelta = {
      meta: this.currentMeta(),
      counts: this.currentCounts(),
      processes,
      channels: this.channels.slice(this.deliveredChannels),
      messages: this.matcher.takeChanged(),
      tasks,
      waits: this.waits.slice(this.deliveredWaits),
      managerCalls: this.managerCalls.slice(this.deliveredCalls),
      coreSamples: this.cores.samples.slice(this.deliveredSamples),
    };
    this.deliveredChannels = this.channels.length;
    this.deliveredWaits = this.waits.length;
    this.deliveredCalls = this.managerCalls.length;
    this.deliveredSamples = this.cores.samples.length;
    return delta;
  }
}
