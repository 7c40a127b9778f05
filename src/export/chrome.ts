/**
 * Chrome Trace Event Format export (`parallel-profiler export --format chrome`), read by Perfetto and
 * chrome://tracing: one track per thread with its tasks, waits, manager calls and put/get slices,
 * message arrows (v2 flows: `bind_id` with `flow_out`/`flow_in`), queue-depth counters, spawn and exit
 * instants, and a synthetic "CPUs" process with one track per core.
 *
 * Slices on one track must nest; a slice that partially overlaps another is moved to an extra
 * "(overlap n)" track of the same process instead of being cut or dropped.
 */
import { coreSlices, type CoreSlice } from '../model/cores';
import type { ProcessInfo, Trace } from '../model/trace';

export interface ChromeEvent {
  name: string;
  ph: 'X' | 'i' | 'C' | 'M';
  pid: number;
  tid?: number;
  ts?: number;
  dur?: number;
  cat?: string;
  s?: 't' | 'p' | 'g';
  bind_id?: number;
  flow_in?: boolean;
  flow_out?: boolean;
  args?: Record<string, unknown>;
}

export interface ChromeTrace {
  traceEvents: ChromeEvent[];
  displayTimeUnit: 'ns';
  otherData: Record<string, unknown>;
}

interface Slice {
  pid: number;
  tid: number;
  startNs: number;
  endNs: number;
  name: string;
  cat: string;
  args: Record<string, unknown>;
  flow?: { id: number; direction: 'out' | 'in' };
}

/** Extra tracks get tids above any real one (Linux pid_max is at most 2^22). */
const OVERLAP_TID_STRIDE = 10_000_000;

const us = (ns: number) => ns / 1000;

/** Chrome process id of the synthetic CPU process: just above every real pid. */
function cpuPid(trace: Trace): number {
  return Math.max(0, ...trace.processes.map((p) => p.pid)) + 1;
}

function processSlices(trace: Trace): Slice[] {
  const slices: Slice[] = [];
  for (const p of trace.processes) {
    const startNs = p.startNs ?? p.createdNs;
    if (startNs === null) continue;
    const endNs = Math.max(startNs, p.exitNs ?? trace.meta.wallNs);
    const args = { role: p.role, exitCode: p.exitCode, exception: p.exception };
    slices.push({ pid: p.pid, tid: p.pid, startNs, endNs, name: p.name, cat: 'process', args });
  }
  for (const t of trace.tasks) {
    slices.push({
      pid: t.pid,
      tid: t.tid,
      startNs: t.startNs,
      endNs: t.endNs,
      name: t.fn.name,
      cat: `task,${t.kind}`,
      args: { job: t.job, index: t.index, items: t.items, ok: t.ok, error: t.error, fn: t.fn },
    });
  }
  for (const w of trace.waits) {
    const args = { objectId: w.objectId, targetPid: w.targetPid, ok: w.ok };
    slices.push({ ...w, name: `wait ${w.kind}`, cat: 'wait', args });
  }
  for (const c of trace.managerCalls) {
    const name = `${c.typeid}.${c.method}`;
    slices.push({ ...c, name, cat: 'manager', args: { ok: c.ok } });
  }
  return slices;
}

/** A put slice (flow out) and, for a received message, a get slice (flow in), sharing its id. */
function messageSlices(trace: Trace): Slice[] {
  const labels = new Map(trace.channels.map((c) => [c.id, c.label]));
  const slices: Slice[] = [];
  for (const m of trace.messages) {
    const label = labels.get(m.channel) ?? m.channel;
    const args = { channel: m.channel, bytes: m.bytes, message: m.id };
    const received = m.recvPid !== null && m.recvTid !== null && m.recvNs !== null;
    slices.push({
      pid: m.sendPid,
      tid: m.sendTid,
      startNs: m.putNs,
      endNs: Math.max(m.putNs, m.sendNs),
      name: `put ${label}`,
      cat: 'message',
      args,
      flow: received ? { id: m.id, direction: 'out' } : undefined,
    });
    if (received) {
      slices.push({
        pid: m.recvPid as number,
        tid: m.recvTid as number,
        startNs: Math.min(m.getNs ?? m.recvNs!, m.recvNs!),
        endNs: m.recvNs!,
        name: `get ${label}`,
        cat: 'message',
        args,
        flow: { id: m.id, direction: 'in' },
      });
    }
  }
  return slices;
}

/**
 * Gives each slice the first track of its thread where it nests (its enclosing slices contain it);
 * returns the track number per slice (0 = the thread itself).
 */
function assignTracks(slices: Slice[]): Map<Slice, number> {
  const track = new Map<Slice, number>();
  for (const threadSlices of groupBy(slices, (s) => `${s.pid}:${s.tid}`).values()) {
    threadSlices.sort((a, b) => a.startNs - b.startNs || b.endNs - a.endNs);
    const open: number[][] = []; // per track: end times of the slices still open, innermost last
    for (const slice of threadSlices) {
      let n = 0;
      for (; n < open.length; n++) {
        const stack = open[n];
        while (stack.length && stack[stack.length - 1] <= slice.startNs) stack.pop();
        if (stack.length === 0 || stack[stack.length - 1] >= slice.endNs) break;
      }
      if (n === open.length) open.push([]);
      open[n].push(slice.endNs);
      track.set(slice, n);
    }
  }
  return track;
}

/** Items grouped by a key, in their original order. */
function groupBy<T, K>(items: Iterable<T>, key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}

const onCpuRate = (s: CoreSlice) => s.onCpuNs / (s.endNs - s.startNs);

/**
 * Per core, the thread that was on it most in each stretch between sample boundaries, merged into
 * runs: threads sampled on the same core over overlapping intervals would not nest otherwise. A sweep
 * over the boundaries keeps only the slices covering the current stretch (a few threads at a time).
 */
function dominantCoreSlices(trace: Trace): CoreSlice[] {
  const result: CoreSlice[] = [];
  for (const slices of groupBy(coreSlices(trace.cores), (s) => s.cpu).values()) {
    slices.sort((a, b) => a.startNs - b.startNs);
    const points = [...new Set(slices.flatMap((s) => [s.startNs, s.endNs]))].sort((a, b) => a - b);
    let active: CoreSlice[] = [];
    let next = 0;
    let current: CoreSlice | null = null;
    for (let i = 0; i + 1 < points.length; i++) {
      const [from, to] = [points[i], points[i + 1]];
      while (next < slices.length && slices[next].startNs <= from) active.push(slices[next++]);
      active = active.filter((s) => s.endNs >= to);
      const best = active.reduce<CoreSlice | null>(
        (a, b) => (a && onCpuRate(a) >= onCpuRate(b) ? a : b),
        null,
      );
      if (!best) {
        current = null;
        continue;
      }
      const share = (to - from) * onCpuRate(best);
      const same = current?.pid === best.pid && current.tid === best.tid && current.endNs === from;
      if (current && same) {
        current.endNs = to;
        current.onCpuNs += share;
      } else {
        current = { ...best, startNs: from, endNs: to, onCpuNs: share };
        result.push(current);
      }
    }
  }
  return result;
}

function coreTrackSlices(trace: Trace, pid: number): Slice[] {
  const names = new Map(trace.processes.map((p) => [p.pid, p.name]));
  return dominantCoreSlices(trace).map((s) => ({
    pid,
    tid: s.cpu,
    startNs: s.startNs,
    endNs: s.endNs,
    name: `${names.get(s.pid) ?? 'pid'} ${s.pid}${s.tid === s.pid ? '' : `/${s.tid}`}`,
    cat: 'cpu',
    args: {
      pid: s.pid,
      tid: s.tid,
      onCpuPercent: Math.round((100 * s.onCpuNs) / (s.endNs - s.startNs)),
    },
  }));
}

function instants(trace: Trace, known: Set<number>): ChromeEvent[] {
  const events: ChromeEvent[] = [];
  for (const p of trace.processes) {
    const parent = p.parentPid ?? p.ppid;
    if (p.createdNs !== null && parent !== null && known.has(parent)) {
      const args = { childPid: p.pid, startMethod: p.startMethod, daemon: p.daemon };
      events.push({
        name: `spawn ${p.name}`,
        ph: 'i',
        s: 't',
        cat: 'process',
        ts: us(p.createdNs),
        pid: parent,
        tid: parent,
        args,
      });
    }
    if (p.exitNs !== null) {
      const args = { exitCode: p.exitCode, connection: p.connection };
      events.push({
        name: `exit ${p.exitCode ?? '?'}`,
        ph: 'i',
        s: 'p',
        cat: 'process',
        ts: us(p.exitNs),
        pid: p.pid,
        tid: p.pid,
        args,
      });
    }
  }
  return events;
}

/** Queue depth over time per channel: +1 at each put, -1 when that message is received. */
function depthCounters(trace: Trace, known: Set<number>, fallbackPid: number): ChromeEvent[] {
  const events: ChromeEvent[] = [];
  const byChannel = groupBy(trace.messages, (m) => m.channel);
  for (const channel of trace.channels) {
    const changes: [number, number][] = [];
    for (const m of byChannel.get(channel.id) ?? []) {
      changes.push([m.putNs, 1]);
      if (m.recvNs !== null) changes.push([m.recvNs, -1]);
    }
    changes.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const created = channel.createdPid;
    const pid = created !== null && known.has(created) ? created : fallbackPid;
    let depth = 0;
    for (const [ns, delta] of changes) {
      depth += delta;
      events.push({
        name: `${channel.label} ${channel.id} depth`,
        ph: 'C',
        cat: 'queue',
        ts: us(ns),
        pid,
        args: { depth },
      });
    }
  }
  return events;
}

function metadata(trace: Trace, tracks: Map<string, number>, cpus: number): ChromeEvent[] {
  const ordered = [...trace.processes].sort(
    (a, b) =>
      (a.role === 'main' ? -1 : 0) - (b.role === 'main' ? -1 : 0) ||
      (a.createdNs ?? 0) - (b.createdNs ?? 0),
  );
  const events: ChromeEvent[] = [];
  const byPid = new Map<number, ProcessInfo>(trace.processes.map((p) => [p.pid, p]));
  const meta = (name: string, pid: number, args: Record<string, unknown>, tid?: number) =>
    events.push({ name, ph: 'M', pid, ...(tid === undefined ? {} : { tid }), args });
  ordered.forEach((p, i) => {
    meta('process_name', p.pid, { name: `${p.name} (${p.role})` });
    meta('process_sort_index', p.pid, { sort_index: i });
  });
  const unknownPids = new Set([...tracks.keys()].map((key) => Number(key.split(':')[0])));
  for (const pid of unknownPids) {
    if (!byPid.has(pid) && pid !== cpus) meta('process_name', pid, { name: `pid ${pid}` });
  }
  meta('process_name', cpus, { name: 'CPUs' });
  meta('process_sort_index', cpus, { sort_index: ordered.length });
  for (const [key, count] of tracks) {
    const [pid, tid] = key.split(':').map(Number);
    const threads = byPid.get(pid)?.threads ?? [];
    const index = threads.findIndex((t) => t.tid === tid);
    const base = pid === cpus ? `CPU ${tid}` : (threads[index]?.name ?? `thread ${tid}`);
    for (let n = 0; n < count; n++) {
      const laneTid = tid + n * OVERLAP_TID_STRIDE;
      const order =
        pid === cpus ? tid : tid === pid ? 0 : index >= 0 ? index + 1 : threads.length + 1;
      meta('thread_name', pid, { name: n === 0 ? base : `${base} (overlap ${n})` }, laneTid);
      meta('thread_sort_index', pid, { sort_index: order * 100 + n }, laneTid);
    }
  }
  return events;
}

export function toChromeTrace(trace: Trace): ChromeTrace {
  const cpus = cpuPid(trace);
  const slices = [
    ...processSlices(trace),
    ...messageSlices(trace),
    ...coreTrackSlices(trace, cpus),
  ];
  const trackOf = assignTracks(slices);
  const trackCounts = new Map<string, number>();
  const events: ChromeEvent[] = [];
  for (const slice of slices) {
    const n = trackOf.get(slice) ?? 0;
    const key = `${slice.pid}:${slice.tid}`;
    trackCounts.set(key, Math.max(trackCounts.get(key) ?? 0, n + 1));
    const event: ChromeEvent = {
      name: slice.name,
      ph: 'X',
      cat: slice.cat,
      ts: us(slice.startNs),
      dur: us(slice.endNs - slice.startNs),
      pid: slice.pid,
      tid: slice.tid + n * OVERLAP_TID_STRIDE,
      args: slice.args,
    };
    if (slice.flow) {
      event.bind_id = slice.flow.id;
      event[slice.flow.direction === 'out' ? 'flow_out' : 'flow_in'] = true;
    }
    events.push(event);
  }
  const known = new Set(trace.processes.map((p) => p.pid));
  for (const p of trace.processes) {
    const key = `${p.pid}:${p.pid}`;
    if (!trackCounts.has(key)) trackCounts.set(key, 1);
  }
  for (let cpu = 0; cpu < trace.cores.cpuCount; cpu++) {
    const key = `${cpus}:${cpu}`;
    if (!trackCounts.has(key)) trackCounts.set(key, 1);
  }
  const fallbackPid = trace.processes.find((p) => p.role === 'main')?.pid ?? cpus;
  return {
    traceEvents: [
      ...metadata(trace, trackCounts, cpus),
      ...events,
      ...instants(trace, known),
      ...depthCounters(trace, known, fallbackPid),
    ],
    displayTimeUnit: 'ns',
    otherData: {
      generator: `parallel-profiler ${trace.meta.profilerVersion}`,
      command: trace.meta.command.join(' '),
      python: trace.meta.python?.version ?? null,
      startedAt: trace.meta.startedAtIso,
    },
  };
}
