/**
 * The webview's model of a trace: the trace itself (for details) plus lanes of columnar spans (for
 * drawing and hit-testing). A `delta` appends to both without rebuilding the process lanes; the
 * lanes derived from the whole trace (cores, parallelism, queues) follow at a bounded cost.
 */
import { averageParallelism, coreSlices, parallelismSeries } from '../../src/model/cores';
import type { TraceDelta } from '../../src/protocol/webview';
import { unknownProcess, type Message, type SourceRef, type Trace } from '../../src/model/trace';
import {
  LANE_HEIGHT,
  layoutLanes,
  orderProcesses,
  processLabel,
  type ChannelLane,
  type CoreLane,
  type Lane,
  type ParallelismLane,
  type ProcessLane,
} from './lanes';
import { SpanColumn } from './spans';

/** Derived lanes are re-derived live at most once per this many times their last cost. */
const DERIVE_SPACING = 4;

export function functionKey(fn: SourceRef): string {
  return `${fn.module ?? ''}:${fn.name}`;
}

export class TimelineStore {
  readonly functions: SourceRef[] = [];
  readonly processLanes = new Map<number, ProcessLane>();
  lanes: Lane[] = [];
  contentHeight = 0;
  private readonly functionIndex = new Map<string, number>();
  /** Message id -> index in trace.messages, built at the first delta (snapshots never need it). */
  private messageIndex: Map<number, number> | null = null;
  private parallelismLane: ParallelismLane | null = null;
  private coreLaneList: CoreLane[] = [];
  private channelLaneList: ChannelLane[] = [];
  /** Event bytes the collector had not built in yet at the last delta (the view lags by them). */
  pendingBytes = 0;
  private derivedStale = false;
  private derivedAt = -Infinity;
  private deriveCostMs = 0;

  constructor(
    readonly trace: Trace,
    public live: boolean,
  ) {
    for (const p of trace.processes) this.processLanes.set(p.pid, this.newProcessLane(p.pid));
    this.reserve(trace.tasks, 'tasks');
    this.reserve(trace.waits, 'waits');
    trace.tasks.forEach((_, i) => this.addTask(i));
    trace.waits.forEach((_, i) => this.addWait(i));
    trace.managerCalls.forEach((_, i) => this.addManagerCall(i));
    this.derive();
    this.compose();
  }

  get wallNs(): number {
    return Math.max(1, this.trace.meta.wallNs);
  }

  /** Mean threads on a core (from /proc) or, without core data, mean tasks running. */
  get achievedParallelism(): number {
    if (this.trace.cores.available && this.trace.cores.samples.length > 0) {
      return averageParallelism(this.trace.cores, this.wallNs);
    }
    let busy = 0;
    for (const t of this.trace.tasks) busy += t.endNs - t.startNs;
    return busy / this.wallNs;
  }

  functionOf(style: number): SourceRef {
    return this.functions[style >> 1];
  }

  applyDelta(delta: TraceDelta): void {
    const trace = this.trace;
    trace.meta = delta.meta;
    trace.counts = delta.counts;
    this.pendingBytes = delta.pendingBytes ?? 0;
    for (const p of delta.processes) {
      const i = trace.processes.findIndex((q) => q.pid === p.pid);
      if (i >= 0) trace.processes[i] = p;
      else trace.processes.push(p);
      if (!this.processLanes.has(p.pid)) this.processLanes.set(p.pid, this.newProcessLane(p.pid));
    }
    for (const c of delta.channels) {
      const i = trace.channels.findIndex((d) => d.id === c.id);
      if (i >= 0) trace.channels[i] = c;
      else trace.channels.push(c);
    }
    this.messageIndex ??= new Map(trace.messages.map((m, i) => [m.id, i]));
    for (const m of delta.messages) {
      const i = this.messageIndex.get(m.id);
      if (i !== undefined) trace.messages[i] = m;
      else this.messageIndex.set(m.id, trace.messages.push(m) - 1);
    }
    for (const t of delta.tasks) this.addTask(trace.tasks.push(t) - 1);
    for (const w of delta.waits) this.addWait(trace.waits.push(w) - 1);
    for (const c of delta.managerCalls) this.addManagerCall(trace.managerCalls.push(c) - 1);
    for (const sample of delta.coreSamples) trace.cores.samples.push(sample);
    this.update();
  }

  /** Whether the core, parallelism and queue lanes lag behind the trace (see `refresh`). */
  get stale(): boolean {
    return this.derivedStale;
  }

  /** Milliseconds until `refresh` may re-derive those lanes during a live run. */
  refreshDelay(): number {
    return Math.max(0, this.derivedAt + DERIVE_SPACING * this.deriveCostMs - performance.now());
  }

  /** Re-derives the core, parallelism and queue lanes if they lag, and lays the lanes out. */
  refresh(): void {
    if (this.derivedStale) this.derive();
    this.compose();
  }

  /**
   * Core, parallelism and queue lanes are derived from the whole trace (all samples, all messages),
   * so each delta only marks them stale, and they are re-derived when their last cost times
   * DERIVE_SPACING has passed: a huge live run spends a bounded share of its time on them.
   */
  private update(): void {
    this.derivedStale = true;
    if (this.refreshDelay() === 0) this.derive();
    this.compose();
  }

  private derive(): void {
    const started = performance.now();
    const cores = this.trace.cores;
    this.parallelismLane = null;
    if (cores.available) {
      const series = parallelismSeries(cores, this.wallNs);
      const maxValue = series.reduce(
        (max, s) => Math.max(max, s.running + s.runnable),
        cores.cpuCount,
      );
      this.parallelismLane = {
        kind: 'parallelism',
        label: `Parallelism (${cores.cpuCount} cores)`,
        y: 0,
        height: LANE_HEIGHT.parallelism,
        series,
        cpuCount: cores.cpuCount,
        maxValue,
      };
    }
    this.coreLaneList = cores.available ? this.coreLanes() : [];
    this.channelLaneList = this.channelLanes();
    this.derivedAt = performance.now();
    this.deriveCostMs = this.derivedAt - started;
    this.derivedStale = false;
  }

  /** Lane order: parallelism, processes by tree, cores, queues; process spans are kept. */
  private compose(): void {
    const trace = this.trace;
    const lanes: Lane[] = [];
    const cores = trace.cores;
    if (this.parallelismLane) lanes.push(this.parallelismLane);
    lanes.push(this.section(`Processes (${trace.processes.length})`, null));
    for (const [process, depth] of orderProcesses(trace.processes)) {
      const lane = this.processLanes.get(process.pid)!;
      lane.process = process;
      lane.depth = depth;
      lane.label = processLabel(process);
      lanes.push(lane);
    }
    if (cores.available) {
      lanes.push(this.section(`CPU cores (${cores.cpuCount})`, cores.reason));
      lanes.push(...this.coreLaneList);
    } else {
      lanes.push(this.section('CPU cores', `unavailable: ${cores.reason ?? 'no /proc samples'}`));
    }
    if (trace.channels.length > 0 || trace.messages.length > 0) {
      lanes.push(this.section(`Queues and pipes (${trace.channels.length})`, null));
      lanes.push(...this.channelLaneList);
    }
    this.lanes = lanes;
    this.contentHeight = layoutLanes(lanes);
  }

  /** Sizes each lane's column for its share of `spans` up front. */
  private reserve(spans: readonly { pid: number }[], column: 'tasks' | 'waits'): void {
    const perPid = new Map<number, number>();
    for (let i = 0; i < spans.length; i++) {
      const pid = spans[i].pid;
      perPid.set(pid, (perPid.get(pid) ?? 0) + 1);
    }
    for (const [pid, count] of perPid) this.processLanes.get(pid)?.[column].reserve(count);
  }

  private section(label: string, note: string | null): Lane {
    return { kind: 'section', label, note, y: 0, height: LANE_HEIGHT.section };
  }

  private coreLanes(): CoreLane[] {
    const lanes: CoreLane[] = [];
    for (let cpu = 0; cpu < this.trace.cores.cpuCount; cpu++) {
      lanes.push({
        kind: 'core',
        cpu,
        label: `CPU ${cpu}`,
        y: 0,
        height: LANE_HEIGHT.core,
        slices: new SpanColumn(),
      });
    }
    for (const s of coreSlices(this.trace.cores)) {
      while (lanes.length <= s.cpu) {
        const cpu = lanes.length;
        const label = `CPU ${cpu}`;
        lanes.push({
          kind: 'core',
          cpu,
          label,
          y: 0,
          height: LANE_HEIGHT.core,
          slices: new SpanColumn(),
        });
      }
      const share = Math.round((1000 * s.onCpuNs) / Math.max(1, s.endNs - s.startNs));
      lanes[s.cpu].slices.push(s.startNs, s.endNs, s.pid, share);
    }
    return lanes;
  }

  private channelLanes(): ChannelLane[] {
    const messages = this.trace.messages;
    const byChannel = new Map<string, number[]>();
    let inPutOrder = true;
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i];
      let list = byChannel.get(m.channel);
      if (!list) byChannel.set(m.channel, (list = []));
      list.push(i);
      if (i > 0 && m.putNs < messages[i - 1].putNs) inPutOrder = false;
    }
    const channels = [...this.trace.channels];
    for (const id of byChannel.keys()) {
      if (!channels.some((c) => c.id === id)) {
        channels.push({
          id,
          kind: 'queue',
          label: id,
          createdPid: null,
          createdNs: null,
          createdAt: null,
        });
      }
    }
    return channels.map((channel): ChannelLane => {
      const indices = byChannel.get(channel.id) ?? [];
      if (!inPutOrder) indices.sort((a, b) => messages[a].putNs - messages[b].putNs);
      const column = new SpanColumn();
      column.reserve(indices.length);
      const sendPids = new Int32Array(indices.length);
      const recvPids = new Int32Array(indices.length);
      const puts = new Float64Array(indices.length);
      const gets = new Float64Array(indices.length);
      const receivedBefore = new Int32Array(indices.length + 1);
      let received = 0;
      let bytes = 0;
      for (let i = 0; i < indices.length; i++) {
        const m = messages[indices[i]];
        const receivedNs = receivedAt(m);
        column.push(m.putNs, receivedNs ?? m.putNs, indices[i], receivedNs === null ? 0 : 1);
        sendPids[i] = m.sendPid;
        recvPids[i] = receivedNs === null ? -1 : (m.recvPid ?? -1);
        puts[i] = m.putNs;
        if (receivedNs !== null) gets[received++] = Math.max(m.putNs, receivedNs);
        receivedBefore[i + 1] = received;
        bytes += m.bytes ?? 0;
      }
      const sortedReceived = sortedCopy(gets.subarray(0, received));
      const { times: depthTimes, values: depthValues, maxDepth } = depthSteps(puts, sortedReceived);
      return {
        kind: 'channel',
        channel,
        label: `${channel.label} [${channel.kind}]`,
        y: 0,
        height: LANE_HEIGHT.channel,
        messages: column,
        sendPids,
        recvPids,
        receivedBefore,
        sortedReceived,
        byPid: new Map(),
        depthTimes,
        depthValues,
        maxDepth,
        bytes,
      };
    });
  }

  private newProcessLane(pid: number): ProcessLane {
    const process = this.trace.processes.find((p) => p.pid === pid)!;
    return {
      kind: 'process',
      pid,
      process,
      depth: 0,
      label: processLabel(process),
      y: 0,
      height: LANE_HEIGHT.process,
      tasks: new SpanColumn(),
      waits: new SpanColumn(),
    };
  }

  /** The lane for `pid`, created for a pid seen only in spans (its process info never arrived). */
  private laneFor(pid: number): ProcessLane {
    let lane = this.processLanes.get(pid);
    if (!lane) {
      this.trace.processes.push(unknownProcess(pid));
      lane = this.newProcessLane(pid);
      this.processLanes.set(pid, lane);
    }
    return lane;
  }

  private addTask(i: number): void {
    const task = this.trace.tasks[i];
    const key = functionKey(task.fn);
    let fn = this.functionIndex.get(key);
    if (fn === undefined) {
      fn = this.functions.push(task.fn) - 1;
      this.functionIndex.set(key, fn);
    }
    this.laneFor(task.pid).tasks.push(task.startNs, task.endNs, i, fn * 2 + (task.ok ? 0 : 1));
  }

  private addWait(i: number): void {
    const wait = this.trace.waits[i];
    this.laneFor(wait.pid).waits.push(wait.startNs, wait.endNs, i, 0);
  }

  private addManagerCall(i: number): void {
    const call = this.trace.managerCalls[i];
    this.laneFor(call.pid).waits.push(call.startNs, call.endNs, -1 - i, 1);
  }
}

/**
 * Queue depth (puts minus gets so far) at every put and get, in time order; puts first on ties.
 * `gets` is sorted.
 */
function depthSteps(
  putTimes: Float64Array,
  gets: Float64Array,
): { times: Float64Array; values: Int32Array; maxDepth: number } {
  const puts = sortedCopy(putTimes);
  const times = new Float64Array(puts.length + gets.length);
  const values = new Int32Array(times.length);
  let depth = 0;
  let maxDepth = 0;
  for (let i = 0, p = 0, g = 0; i < times.length; i++) {
    if (g < gets.length && (p >= puts.length || gets[g] < puts[p])) {
      times[i] = gets[g++];
      depth--;
    } else {
      times[i] = puts[p++];
      depth++;
    }
    values[i] = depth;
    maxDepth = Math.max(maxDepth, depth);
  }
  return { times, values, maxDepth };
}

function sortedCopy(values: Float64Array): Float64Array {
  for (let i = 1; i < values.length; i++) if (values[i] < values[i - 1]) return values.sort();
  return values;
}

/** When a message left the channel: read off the pipe, or the get() call if that is all we saw. */
export function receivedAt(m: Message): number | null {
  return m.recvNs ?? m.getNs;
}
