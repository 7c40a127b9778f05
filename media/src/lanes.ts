/** Lane types and the order of process lanes: process tree first, then role, start time and pid. */
import type { ParallelismInterval } from '../../src/model/cores';
import type { ChannelInfo, ProcessInfo, ProcessRole } from '../../src/model/trace';
import type { SpanColumn } from './spans';

interface LaneBase {
  label: string;
  /** Top in content pixels (set by layout). */
  y: number;
  height: number;
}

export interface ProcessLane extends LaneBase {
  kind: 'process';
  pid: number;
  process: ProcessInfo;
  /** Tree depth, for indenting the label. */
  depth: number;
  /** Tasks: ref = index in trace.tasks, style = function index * 2 + failed. */
  tasks: SpanColumn;
  /** Waits and manager calls: ref = index in trace.waits (or -1 - index in managerCalls). */
  waits: SpanColumn;
}

export interface CoreLane extends LaneBase {
  kind: 'core';
  cpu: number;
  /** Core slices: ref = pid, style = on-CPU share of the slice in permille. */
  slices: SpanColumn;
}

export interface ChannelLane extends LaneBase {
  kind: 'channel';
  channel: ChannelInfo;
  /**
   * Messages in put order: start = putNs, end = receive time (or putNs), ref = index in
   * trace.messages, style = 1 once received. `sendPids` / `recvPids` (-1: not received) align with it.
   */
  messages: SpanColumn;
  sendPids: Int32Array;
  recvPids: Int32Array;
  /** Messages received among the first i (length + 1 entries), and receive times sorted: counting
   * the received messages overlapping a window takes two binary searches, not a walk. */
  receivedBefore: Int32Array;
  sortedReceived: Float64Array;
  /** Per pid, the positions of its messages (sent or received), built on first use. */
  byPid: Map<number, Int32Array>;
  /** Queue depth (puts minus gets) as a step function. */
  depthTimes: Float64Array;
  depthValues: Int32Array;
  maxDepth: number;
  bytes: number;
}

export interface ParallelismLane extends LaneBase {
  kind: 'parallelism';
  series: ParallelismInterval[];
  cpuCount: number;
  maxValue: number;
}

export interface SectionLane extends LaneBase {
  kind: 'section';
  /** Extra text after the title, e.g. why there are no core lanes. */
  note: string | null;
}

export type Lane = ProcessLane | CoreLane | ChannelLane | ParallelismLane | SectionLane;

export const LANE_HEIGHT = { process: 26, core: 14, channel: 26, parallelism: 44, section: 20 };

const ROLE_RANK: Record<ProcessRole, number> = {
  main: 0,
  process: 1,
  'pool-worker': 2,
  'executor-worker': 3,
  manager: 4,
  helper: 5,
};

/** Processes in display order (depth-first over the multiprocessing parent tree) with their depth. */
export function orderProcesses(processes: readonly ProcessInfo[]): [ProcessInfo, number][] {
  const byPid = new Map(processes.map((p) => [p.pid, p]));
  const children = new Map<number | null, ProcessInfo[]>();
  for (const p of processes) {
    const parent = p.parentPid !== null && byPid.has(p.parentPid) ? p.parentPid : null;
    const list = children.get(parent) ?? [];
    list.push(p);
    children.set(parent, list);
  }
  const compare = (a: ProcessInfo, b: ProcessInfo): number =>
    ROLE_RANK[a.role] - ROLE_RANK[b.role] ||
    (a.createdNs ?? a.startNs ?? Infinity) - (b.createdNs ?? b.startNs ?? Infinity) ||
    a.pid - b.pid;
  const ordered: [ProcessInfo, number][] = [];
  const visit = (parent: number | null, depth: number): void => {
    for (const p of (children.get(parent) ?? []).sort(compare)) {
      ordered.push([p, depth]);
      visit(p.pid, depth + 1);
    }
  };
  visit(null, 0);
  return ordered;
}

export function processLabel(p: ProcessInfo): string {
  return `${p.name} (${p.pid})`;
}

/** Sets each lane's y and returns the total content height. */
export function layoutLanes(lanes: Lane[]): number {
  let y = 0;
  for (const lane of lanes) {
    lane.y = y;
    y += lane.height;
  }
  return y;
}

/** The lane at content y (binary search; lanes are laid out top to bottom). */
export function laneAt(lanes: readonly Lane[], y: number): Lane | null {
  let lo = 0;
  let hi = lanes.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const lane = lanes[mid];
    if (y < lane.y) hi = mid - 1;
    else if (y >= lane.y + lane.height) lo = mid + 1;
    else return lane;
  }
  return null;
}
