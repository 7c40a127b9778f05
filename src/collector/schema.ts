/**
 * Schema checks for wire protocol v4 frames (docs/wire-protocol.md). Every field is checked before the
 * trace builder touches it, so a malformed event is rejected alone and never half-applied.
 */
import type { ChannelKind, ProcessRole, TaskKind, WaitKind } from '../model/trace';

export const PROTOCOL_VERSION = 4;

export const PROCESS_ROLES: readonly ProcessRole[] = [
  'main',
  'process',
  'pool-worker',
  'executor-worker',
  'manager',
  'helper',
];
const CHANNEL_KINDS: readonly ChannelKind[] = [
  'queue',
  'joinable-queue',
  'simple-queue',
  'pipe',
  'pool-tasks',
  'pool-results',
  'executor-calls',
  'executor-results',
];
const WAIT_KINDS: readonly WaitKind[] = [
  'join',
  'queue-get',
  'queue-put',
  'queue-join',
  'pipe-recv',
  'pipe-send',
  'lock',
  'semaphore',
  'condition',
  'event',
  'barrier',
  'result',
];
const TASK_KINDS: readonly TaskKind[] = ['pool', 'executor'];

const ROLE_SET = new Set<string>(PROCESS_ROLES);
const CHANNEL_KIND_SET = new Set<string>(CHANNEL_KINDS);
const WAIT_KIND_SET = new Set<string>(WAIT_KINDS);
const TASK_KIND_SET = new Set<string>(TASK_KINDS);

/**
 * What a field may hold. Codes checked by one switch, not a closure per field: validation runs for
 * every field of every event, and a call site shared by many closures is slow.
 */
const enum Field {
  Int,
  IntOrNull,
  Str,
  StrOrNull,
  Bool,
  /** A channel, pool or object id: a string or an integer. */
  IdOrNull,
  Role,
  ChannelKind,
  WaitKind,
  TaskKind,
}

const isInt = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v);

function fits(field: Field, v: unknown): boolean {
  switch (field) {
    case Field.Int:
      return isInt(v);
    case Field.IntOrNull:
      return v === null || isInt(v);
    case Field.Str:
      return typeof v === 'string';
    case Field.StrOrNull:
      return v === null || typeof v === 'string';
    case Field.Bool:
      return typeof v === 'boolean';
    case Field.IdOrNull:
      return v === null || typeof v === 'string' || isInt(v);
    case Field.Role:
      return typeof v === 'string' && ROLE_SET.has(v);
    case Field.ChannelKind:
      return typeof v === 'string' && CHANNEL_KIND_SET.has(v);
    case Field.WaitKind:
      return typeof v === 'string' && WAIT_KIND_SET.has(v);
    case Field.TaskKind:
      return typeof v === 'string' && TASK_KIND_SET.has(v);
  }
}

const sourceRef = [Field.StrOrNull, Field.StrOrNull, Field.StrOrNull, Field.IntOrNull];
/** Four times or sizes of a Pool message carried by a submit or task event (docs/wire-protocol.md). */
const messageHalf = [Field.IntOrNull, Field.IntOrNull, Field.IntOrNull, Field.IntOrNull];

/** The fields after `[type, ts, tid`, per event type. Extra trailing fields are allowed. */
const EVENT_FIELDS: Record<string, readonly Field[]> = {
  thread: [Field.StrOrNull],
  role: [Field.Role],
  spawn: [Field.Int, Field.Int, Field.StrOrNull, Field.StrOrNull, Field.Bool, ...sourceRef],
  run: [],
  runend: [Field.IntOrNull, Field.StrOrNull, Field.StrOrNull],
  exit: [Field.Int, Field.Int],
  join: [Field.Int, Field.Int, Field.Bool],
  chan: [
    Field.IdOrNull,
    Field.ChannelKind,
    Field.StrOrNull,
    Field.IntOrNull,
    Field.IntOrNull,
    ...sourceRef,
  ],
  send: [Field.Int, Field.Int, Field.IntOrNull, Field.IntOrNull, Field.IdOrNull],
  recv: [Field.Int, Field.Int, Field.IntOrNull, Field.IntOrNull, Field.IdOrNull],
  wait: [Field.Int, Field.WaitKind, Field.IdOrNull, Field.IntOrNull, Field.Bool],
  taskdone: [Field.IdOrNull],
  submit: [
    Field.TaskKind,
    Field.IdOrNull,
    Field.IntOrNull,
    Field.IntOrNull,
    Field.IntOrNull,
    ...sourceRef,
    // the task message sent: sendTs, sendEndTs, sendIno, sendBytes
    ...messageHalf,
    // its result received: recvTid, getTs, recvTs, recvEndTs, recvIno, recvBytes, recvChanId
    Field.IntOrNull,
    ...messageHalf,
    Field.IntOrNull,
    Field.IdOrNull,
  ],
  task: [
    Field.Int,
    Field.TaskKind,
    Field.IdOrNull,
    Field.IntOrNull,
    Field.IntOrNull,
    Field.IntOrNull,
    ...sourceRef,
    Field.IntOrNull,
    Field.IntOrNull,
    Field.Bool,
    Field.StrOrNull,
    Field.StrOrNull,
    // the task message received: getTs, recvTs, recvEndTs, recvIno
    ...messageHalf,
    // its result sent: sendTs, sendEndTs, sendIno, sendChanId
    Field.IntOrNull,
    Field.IntOrNull,
    Field.IntOrNull,
    Field.IdOrNull,
  ],
  mcall: [Field.Int, Field.StrOrNull, Field.StrOrNull, Field.Bool],
  lost: [Field.Int],
};

/** EVENT_FIELDS in a map: one lookup per event, and the type must be the string (not ["send"]). */
const FIELDS_BY_TYPE = new Map<unknown, readonly Field[]>(Object.entries(EVENT_FIELDS));

/** Whether `event` is a well-formed `[type, ts, tid, ...fields]` of a known type. */
export function isValidEvent(event: unknown): event is unknown[] {
  if (!Array.isArray(event) || event.length < 3) return false;
  const type: unknown = event[0];
  const fields = FIELDS_BY_TYPE.get(type);
  if (fields === undefined) return false;
  if (!isInt(event[1]) || !isInt(event[2]) || event.length < 3 + fields.length) return false;
  for (let i = 0; i < fields.length; i++) {
    if (!fits(fields[i], event[i + 3])) return false;
  }
  return true;
}

export interface Hello {
  t: 'hello';
  v: number;
  secret: string;
  pid: number;
  ppid: number | null;
  mpParentPid: number | null;
  name: string;
  role: ProcessRole;
  startMethod: string | null;
  python: string | null;
  executable: string | null;
  platform: string | null;
  clockNs: number;
  main: boolean;
}

const HELLO_FIELDS: Record<string, Field> = {
  pid: Field.Int,
  ppid: Field.IntOrNull,
  mpParentPid: Field.IntOrNull,
  name: Field.Str,
  role: Field.Role,
  startMethod: Field.StrOrNull,
  python: Field.StrOrNull,
  executable: Field.StrOrNull,
  platform: Field.StrOrNull,
  clockNs: Field.Int,
  main: Field.Bool,
};

export type HelloProblem = 'no-hello' | 'bad-secret' | 'bad-version' | 'bad-schema';

/**
 * Why a first frame is not an acceptable hello, or null when it is. The secret is checked before
 * anything else so that a peer without it learns nothing about what else we expect.
 */
export function helloProblem(
  frame: unknown,
  secretMatches: (secret: string) => boolean,
): HelloProblem | null {
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) return 'no-hello';
  const hello = frame as Record<string, unknown>;
  if (hello.t !== 'hello' || typeof hello.secret !== 'string') return 'no-hello';
  if (!secretMatches(hello.secret)) return 'bad-secret';
  if (hello.v !== PROTOCOL_VERSION) return 'bad-version';
  for (const [name, field] of Object.entries(HELLO_FIELDS)) {
    if (!fits(field, hello[name])) return 'bad-schema';
  }
  return null;
}

/** Whether a non-batch frame after the hello is a well-formed `bye`. */
export function isBye(frame: unknown): frame is { t: 'bye'; ts: number } {
  if (typeof frame !== 'object' || frame === null) return false;
  const bye = frame as Record<string, unknown>;
  return bye.t === 'bye' && isInt(bye.ts);
}
