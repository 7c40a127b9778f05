/**
 * What is under the pointer (arithmetic over the lanes' columns, no DOM per event), what a pick shows
 * in the details panel, and the per-process aggregate over a selected time range.
 */
import type { SourceRef } from '../../src/model/trace';
import { describeExit, fieldText, formatBytes, formatDuration } from './format';
import { laneAt, type Lane } from './lanes';
import { receivedAt, type TimelineStore } from './store';

export interface Picked {
  kind:
    'task' | 'wait' | 'manager-call' | 'process' | 'core-slice' | 'message' | 'channel' | 'lane';
  lane: Lane;
  column: 'tasks' | 'waits' | 'slices' | 'messages' | null;
  /** Index within the lane's column, -1 for the lane itself. */
  index: number;
  title: string;
  fields: [string, string][];
  /** Where "Go to source" goes, when known. */
  source: SourceRef | null;
  pid: number | null;
  messageIndex: number | null;
}

/** The thing at content position (t ns, y px); `slackNs` is a few pixels in time. */
export function pickAt(
  store: TimelineStore,
  t: number | null,
  y: number,
  slackNs: number,
): Picked | null {
  const lane = laneAt(store.lanes, y);
  if (!lane) return null;
  if (lane.kind === 'process') {
    if (t !== null) {
      const inWaitBand = y >= lane.y + lane.height - 8;
      const order = inWaitBand ? (['waits', 'tasks'] as const) : (['tasks', 'waits'] as const);
      for (const column of order) {
        const index = lane[column].find(t, slackNs);
        if (index >= 0) return describeSpan(store, lane, column, index);
      }
    }
    return describeLane(store, lane);
  }
  if (lane.kind === 'core' && t !== null) {
    const index = lane.slices.find(t, slackNs);
    if (index >= 0) {
      const s = lane.slices;
      const process = store.processLanes.get(s.ref[index])?.process;
      return {
        kind: 'core-slice',
        lane,
        column: 'slices',
        index,
        title: `CPU ${lane.cpu}: ${process ? `${process.name} (${s.ref[index]})` : s.ref[index]}`,
        fields: [
          ['cpu', String(lane.cpu)],
          ['pid', String(s.ref[index])],
          ['from', formatDuration(s.start[index])],
          ['to', formatDuration(s.end[index])],
          ['on CPU', `${(s.style[index] / 10).toFixed(1)} %`],
        ],
        source: null,
        pid: s.ref[index],
        messageIndex: null,
      };
    }
  }
  if (lane.kind === 'channel' && t !== null) {
    const index = lane.messages.find(t, slackNs);
    if (index >= 0) return describeSpan(store, lane, 'messages', index);
  }
  return describeLane(store, lane);
}

/** The process `pid` as if its lane had been clicked, or null when it has no lane. */
export function pickProcess(store: TimelineStore, pid: number): Picked | null {
  const lane = store.processLanes.get(pid);
  return lane ? describeLane(store, lane) : null;
}

function describeLane(store: TimelineStore, lane: Lane): Picked {
  const base = { lane, column: null, index: -1, source: null, pid: null, messageIndex: null };
  if (lane.kind === 'process') {
    const p = lane.process;
    const fields = Object.entries(p).map(([key, value]): [string, string] => [
      key,
      fieldText(value),
    ]);
    fields.push(['exit', describeExit(p)], ['tasks', String(lane.tasks.length)]);
    const title = `Process ${lane.label}`;
    return { ...base, kind: 'process', title, fields, source: p.target, pid: p.pid };
  }
  if (lane.kind === 'channel') {
    const fields = Object.entries(lane.channel).map(([k, v]): [string, string] => [
      k,
      fieldText(v),
    ]);
    fields.push(
      ['messages', String(lane.messages.length)],
      ['bytes', formatBytes(lane.bytes)],
      ['max depth', String(lane.maxDepth)],
    );
    const title = `Channel ${lane.channel.label}`;
    return { ...base, kind: 'channel', title, fields, source: lane.channel.createdAt };
  }
  return { ...base, kind: 'lane', title: lane.label, fields: [['lane', lane.kind]] };
}

function describeSpan(
  store: TimelineStore,
  lane: Lane,
  column: 'tasks' | 'waits' | 'messages',
  index: number,
): Picked {
  const trace = store.trace;
  const base = { lane, column, index, messageIndex: null };
  if (lane.kind === 'process' && column === 'tasks') {
    const task = trace.tasks[lane.tasks.ref[index]];
    const fields = entries(task);
    fields.push(['duration', formatDuration(task.endNs - task.startNs)]);
    const title = `${task.ok ? 'Task' : 'Failed task'} ${task.fn.name}`;
    return { ...base, kind: 'task', title, fields, source: task.fn, pid: task.pid };
  }
  if (lane.kind === 'process' && column === 'waits') {
    const ref = lane.waits.ref[index];
    const span = ref >= 0 ? trace.waits[ref] : trace.managerCalls[-1 - ref];
    const fields = entries(span);
    fields.push(['duration', formatDuration(span.endNs - span.startNs)]);
    const title =
      'kind' in span ? `Wait: ${span.kind}` : `Manager call ${span.typeid}.${span.method}`;
    const kind = ref >= 0 ? 'wait' : 'manager-call';
    return { ...base, kind, title, fields, source: null, pid: span.pid };
  }
  const messageIndex = lane.kind === 'channel' ? lane.messages.ref[index] : -1;
  const m = trace.messages[messageIndex];
  const received = receivedAt(m);
  const fields = entries(m);
  if (received !== null) fields.push(['latency', formatDuration(received - m.putNs)]);
  const title = `Message ${m.id} on ${m.channel}`;
  return { ...base, kind: 'message', title, fields, source: null, pid: m.sendPid, messageIndex };
}

function entries(value: object): [string, string][] {
  return Object.entries(value).map(([key, field]): [string, string] => {
    if (key.endsWith('Ns') && typeof field === 'number') return [key, formatDuration(field)];
    if (key.endsWith('Bytes') || key === 'bytes') return [key, formatBytes(field as number | null)];
    return [key, fieldText(field)];
  });
}

export interface RangeRow {
  pid: number;
  label: string;
  busyNs: number;
  percent: number;
  tasks: number;
  bytesOut: number;
  bytesIn: number;
}

/** Per process over [startNs, endNs): time inside tasks, share of the range, tasks touched, bytes. */
export function aggregateRange(store: TimelineStore, startNs: number, endNs: number): RangeRow[] {
  const span = Math.max(1, endNs - startNs);
  const rows: RangeRow[] = [];
  for (const lane of store.lanes) {
    if (lane.kind !== 'process') continue;
    const col = lane.tasks;
    let busy = 0;
    let count = 0;
    let coveredTo = startNs;
    for (let i = col.firstVisible(startNs); i < col.length && col.start[i] < endNs; i++) {
      if (col.end[i] <= startNs) continue;
      count++;
      // Union of the task intervals, so overlapping tasks (several threads) are not counted twice.
      const from = Math.max(col.start[i], coveredTo);
      const to = Math.min(col.end[i], endNs);
      if (to > from) busy += to - from;
      coveredTo = Math.max(coveredTo, to);
    }
    rows.push({
      pid: lane.pid,
      label: lane.label,
      busyNs: busy,
      percent: (100 * busy) / span,
      tasks: count,
      bytesOut: 0,
      bytesIn: 0,
    });
  }
  const byPid = new Map(rows.map((r) => [r.pid, r]));
  for (const m of store.trace.messages) {
    const sender = byPid.get(m.sendPid);
    if (sender && m.putNs >= startNs && m.putNs < endNs) sender.bytesOut += m.bytes ?? 0;
    const received = receivedAt(m);
    const receiver = m.recvPid === null ? undefined : byPid.get(m.recvPid);
    if (receiver && received !== null && received >= startNs && received < endNs) {
      receiver.bytesIn += m.bytes ?? 0;
    }
  }
  return rows;
}
