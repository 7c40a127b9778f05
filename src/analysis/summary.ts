/**
 * The run at a glance (`parallel-profiler summary`): processes, tasks, queue traffic, waits, event
 * counts and parallelism, as a JSON-ready object and as a readable text table.
 */
import { averageParallelism } from '../model/cores';
import { UNFINISHED_TASK, type ChannelKind, type ProcessRole, type Trace } from '../model/trace';
import { diagnose } from './diagnose';
import { formatDiagnosis } from './format';
import type { Diagnosis } from './types';

export interface ProcessSummary {
  pid: number;
  ppid: number | null;
  parentPid: number | null;
  name: string;
  role: ProcessRole;
  daemon: boolean;
  exitCode: number | null;
  exception: string | null;
  connection: string;
}

export interface QueueSummary {
  id: string;
  kind: ChannelKind;
  label: string;
  /** Messages put/sent (every recorded message). */
  puts: number;
  /** Messages received. */
  gets: number;
  /** Messages whose put was matched with the get that received it. */
  matched: number;
  /** Matched messages per direction, `"<sendPid>-><recvPid>"` -> count. */
  byDirection: Record<string, number>;
  /** `JoinableQueue.task_done()` calls. */
  taskDone: number;
}

export interface TraceSummary {
  command: string[];
  python: string | null;
  startMethod: string | null;
  exitCode: number | null;
  signal: string | null;
  endReason: string;
  wallNs: number;
  processes: ProcessSummary[];
  /** `count`: task spans (Pool chunks, executor calls); `byFunction`: items executed per function. */
  /** `unfinished`: failed because their worker ended while running them (killed, or exited). */
  tasks: { count: number; failed: number; unfinished: number; byFunction: Record<string, number> };
  queues: QueueSummary[];
  /** Blocked intervals per wait kind (`join`, `queue-get`, `lock`, ...). */
  waits: Record<string, { count: number; totalNs: number }>;
  managerCalls: { count: number; byMethod: Record<string, number> };
  events: { total: number; lost: number; rejected: number };
  parallelism: { average: number; cores: number; available: boolean; reason: string | null };
  warnings: string[];
  /** Why the run is (not) parallel: scaling figures, time per process, ranked findings. */
  diagnosis: Diagnosis;
}

function increment(counts: Record<string, number>, key: string, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}

function queueSummaries(trace: Trace): QueueSummary[] {
  const byId = new Map<string, QueueSummary>();
  for (const channel of trace.channels) {
    const { id, kind, label } = channel;
    const taskDone = channel.taskDone ?? 0;
    byId.set(id, { id, kind, label, puts: 0, gets: 0, matched: 0, byDirection: {}, taskDone });
  }
  for (const message of trace.messages) {
    const queue = byId.get(message.channel);
    if (!queue) continue;
    queue.puts++;
    if (message.recvPid === null) continue;
    queue.gets++;
    queue.matched++;
    increment(queue.byDirection, `${message.sendPid}->${message.recvPid}`);
  }
  return [...byId.values()];
}

export function summarizeTrace(trace: Trace): TraceSummary {
  const { meta } = trace;
  const byFunction: Record<string, number> = {};
  for (const task of trace.tasks) increment(byFunction, task.fn.name, task.items ?? 1);
  const waits: TraceSummary['waits'] = {};
  for (const wait of trace.waits) {
    const entry = (waits[wait.kind] ??= { count: 0, totalNs: 0 });
    entry.count++;
    entry.totalNs += wait.endNs - wait.startNs;
  }
  const byMethod: Record<string, number> = {};
  for (const call of trace.managerCalls) increment(byMethod, `${call.typeid}.${call.method}`);
  return {
    command: meta.command,
    python: meta.python ? `${meta.python.version} (${meta.python.executable})` : null,
    startMethod: meta.startMethod,
    exitCode: meta.exitCode,
    signal: meta.signal,
    endReason: meta.endReason,
    wallNs: meta.wallNs,
    processes: trace.processes.map((p) => ({
      pid: p.pid,
      ppid: p.ppid,
      parentPid: p.parentPid,
      name: p.name,
      role: p.role,
      daemon: p.daemon,
      exitCode: p.exitCode,
      exception: p.exception ? `${p.exception.type}: ${p.exception.message}` : null,
      connection: p.connection,
    })),
    tasks: {
      count: trace.tasks.length,
      failed: trace.tasks.filter((t) => !t.ok).length,
      unfinished: trace.tasks.filter((t) => t.error?.type === UNFINISHED_TASK).length,
      byFunction,
    },
    queues: queueSummaries(trace),
    waits,
    managerCalls: { count: trace.managerCalls.length, byMethod },
    events: { total: trace.counts.total, lost: trace.counts.lost, rejected: trace.counts.rejected },
    parallelism: {
      average: averageParallelism(trace.cores, meta.wallNs),
      cores: trace.cores.cpuCount,
      available: trace.cores.available,
      reason: trace.cores.reason,
    },
    warnings: meta.warnings,
    diagnosis: diagnose(trace),
  };
}

function ms(ns: number): string {
  return `${(ns / 1e6).toFixed(1)} ms`;
}

/** Left-aligned columns, two spaces apart. */
function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

function exitText(code: number | null, signal: string | null): string {
  if (signal) return `killed by ${signal}`;
  if (code === null) return '?';
  return code < 0 ? `signal ${-code}` : String(code);
}

export function formatSummaryText(s: TraceSummary): string {
  const out: string[] = [
    `Command:     ${s.command.join(' ')}`,
    `Python:      ${s.python ?? 'unknown'}${s.startMethod ? `, start method ${s.startMethod}` : ''}`,
    `Wall time:   ${ms(s.wallNs)}, exit ${exitText(s.exitCode, s.signal)} (${s.endReason})`,
    s.parallelism.available
      ? `Parallelism: ${s.parallelism.average.toFixed(2)} processes running on average, ` +
        `${s.parallelism.cores} cores`
      : `Parallelism: unavailable (${s.parallelism.reason ?? 'no core data'})`,
    `Events:      ${s.events.total} recorded, ${s.events.lost} lost, ${s.events.rejected} rejected`,
    '',
    `Processes (${s.processes.length}):`,
    ...table(
      ['pid', 'ppid', 'role', 'name', 'exit', 'note'],
      s.processes.map((p) => [
        String(p.pid),
        String(p.ppid ?? '?'),
        p.role,
        p.name,
        exitText(p.exitCode, null),
        [p.daemon ? 'daemon' : '', p.exception ?? ''].filter(Boolean).join(', '),
      ]),
    ).map((l) => `  ${l}`),
  ];
  if (s.tasks.count > 0) {
    const unfinished = s.tasks.unfinished
      ? `, ${s.tasks.unfinished} unfinished: their worker ended while running them`
      : '';
    out.push('', `Tasks: ${s.tasks.count} (${s.tasks.failed} failed${unfinished})`);
    const rows = Object.entries(s.tasks.byFunction).map(([fn, n]) => [fn, String(n)]);
    out.push(...table(['function', 'executions'], rows).map((l) => `  ${l}`));
  }
  if (s.queues.length > 0) {
    out.push('', 'Queues and pipes:');
    const rows = s.queues.map((q) => [q.label, q.kind, String(q.puts), String(q.gets)]);
    out.push(...table(['channel', 'kind', 'puts', 'gets'], rows).map((l) => `  ${l}`));
  }
  const waitRows = Object.entries(s.waits).map(([kind, w]) => [
    kind,
    String(w.count),
    ms(w.totalNs),
  ]);
  if (waitRows.length > 0) {
    out.push('', 'Waits:', ...table(['kind', 'count', 'total'], waitRows).map((l) => `  ${l}`));
  }
  if (s.managerCalls.count > 0) {
    const calls = Object.entries(s.managerCalls.byMethod).map(([m, n]) => `${m} x${n}`);
    out.push('', `Manager calls: ${s.managerCalls.count} (${calls.join(', ')})`);
  }
  for (const warning of s.warnings) out.push(`Warning: ${warning}`);
  out.push('', formatDiagnosis(s.diagnosis).trimEnd());
  return out.join('\n') + '\n';
}
