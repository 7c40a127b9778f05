/**
 * Shape validation of a parsed trace file: every required field of `Trace` present with the right
 * type, so the rest of the code can trust a trace that `readTraceFile` returned. Extra fields are
 * allowed (a reader of version N ignores fields it does not know; see docs/trace-format.md).
 */
import type { Trace } from '../model/trace';

/** Throws a message naming the path of the first field that does not fit. */
type Check = (value: unknown, path: string) => void;

export class TraceShapeError extends Error {}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}

function fail(path: string, expected: string, value: unknown): never {
  throw new TraceShapeError(`${path}: expected ${expected}, got ${describe(value)}`);
}

const string: Check = (v, p) => {
  if (typeof v !== 'string') fail(p, 'a string', v);
};
const number: Check = (v, p) => {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(p, 'a number', v);
};
const boolean: Check = (v, p) => {
  if (typeof v !== 'boolean') fail(p, 'true or false', v);
};

function nullable(check: Check): Check {
  return (v, p) => {
    if (v !== null) check(v, p);
  };
}

function oneOf(...allowed: string[]): Check {
  return (v, p) => {
    if (typeof v !== 'string' || !allowed.includes(v)) fail(p, `one of ${allowed.join('|')}`, v);
  };
}

function arrayOf(check: Check): Check {
  return (v, p) => {
    if (!Array.isArray(v)) fail(p, 'an array', v);
    v.forEach((item, i) => check(item, `${p}[${i}]`));
  };
}

function recordOf(check: Check): Check {
  return (v, p) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(p, 'an object', v);
    for (const [key, item] of Object.entries(v)) check(item, `${p}.${key}`);
  };
}

/** Marks a field that may be absent (checked only when present). */
function optional(check: Check): Check & { optional: true } {
  return Object.assign((v: unknown, p: string) => check(v, p), { optional: true as const });
}

function object(fields: Record<string, Check & { optional?: true }>): Check {
  return (v, p) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(p, 'an object', v);
    const record = v as Record<string, unknown>;
    for (const [key, check] of Object.entries(fields)) {
      if (!(key in record)) {
        if (check.optional) continue;
        throw new TraceShapeError(`${p}.${key}: missing`);
      }
      check(record[key], `${p}.${key}`);
    }
  };
}

const sourceRef = object({
  name: string,
  module: nullable(string),
  file: nullable(string),
  line: nullable(number),
});
const exceptionInfo = object({ type: string, message: string });
const role = oneOf('main', 'process', 'pool-worker', 'executor-worker', 'manager', 'helper');

const processInfo = object({
  pid: number,
  ppid: nullable(number),
  parentPid: nullable(number),
  name: string,
  role,
  startMethod: nullable(string),
  daemon: boolean,
  target: nullable(sourceRef),
  createdNs: nullable(number),
  startNs: nullable(number),
  runBeginNs: nullable(number),
  runEndNs: nullable(number),
  exitNs: nullable(number),
  exitCode: nullable(number),
  exception: nullable(exceptionInfo),
  connection: oneOf('open', 'bye', 'closed', 'never'),
  threads: arrayOf(object({ tid: number, name: string })),
});

const taskSpan = object({
  id: number,
  kind: oneOf('pool', 'executor'),
  fn: sourceRef,
  pid: number,
  tid: number,
  startNs: number,
  endNs: number,
  submitNs: nullable(number),
  submitPid: nullable(number),
  job: nullable(number),
  index: nullable(number),
  items: nullable(number),
  argBytes: nullable(number),
  resultBytes: nullable(number),
  ok: boolean,
  error: nullable(exceptionInfo),
});

const waitSpan = object({
  pid: number,
  tid: number,
  kind: string,
  startNs: number,
  endNs: number,
  objectId: nullable(string),
  targetPid: nullable(number),
  ok: boolean,
});

const channelInfo = object({
  id: string,
  kind: string,
  label: string,
  createdPid: nullable(number),
  createdNs: nullable(number),
  createdAt: nullable(sourceRef),
  taskDone: optional(number),
});

const message = object({
  id: number,
  channel: string,
  bytes: nullable(number),
  sendPid: number,
  sendTid: number,
  putNs: number,
  sendNs: number,
  recvPid: nullable(number),
  recvTid: nullable(number),
  getNs: nullable(number),
  recvNs: nullable(number),
});

const managerCall = object({
  pid: number,
  tid: number,
  startNs: number,
  endNs: number,
  typeid: string,
  method: string,
  ok: boolean,
});

const coreData = object({
  available: boolean,
  reason: nullable(string),
  cpuCount: number,
  intervalMs: number,
  samples: arrayOf(
    object({
      ts: number,
      pid: number,
      tid: number,
      cpu: number,
      state: string,
      runNs: nullable(number),
      waitNs: nullable(number),
    }),
  ),
});

const runMeta = object({
  profilerVersion: string,
  command: arrayOf(string),
  cwd: string,
  script: nullable(string),
  module: nullable(string),
  python: nullable(object({ executable: string, version: string })),
  startMethod: nullable(string),
  platform: string,
  hostCpuCount: number,
  startedAtIso: string,
  clockBaseNs: string,
  clock: oneOf('shared', 'estimated'),
  wallNs: number,
  exitCode: nullable(number),
  signal: nullable(string),
  endReason: oneOf('running', 'exited', 'stopped', 'failed-to-start'),
  warnings: arrayOf(string),
});

const trace = object({
  format: string,
  version: number,
  meta: runMeta,
  processes: arrayOf(processInfo),
  tasks: arrayOf(taskSpan),
  waits: arrayOf(waitSpan),
  channels: arrayOf(channelInfo),
  messages: arrayOf(message),
  managerCalls: arrayOf(managerCall),
  cores: coreData,
  counts: object({
    total: number,
    lost: number,
    rejected: number,
    rejectedReasons: recordOf(number),
  }),
});

/** Checks that `value` has the shape of a `Trace`; throws `TraceShapeError` naming the bad field. */
export function assertTraceShape(value: unknown): asserts value is Trace {
  trace(value, 'trace');
}
