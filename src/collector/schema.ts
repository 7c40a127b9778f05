/**
 * Schema checks for wire protocol v2 frames (docs/wire-protocol.md). Every field is checked before the
 * trace builder touches it, so a malformed event is rejected alone and never half-applied.
 */
import type { ChannelKind, ProcessRole, TaskKind, WaitKind } from '../model/trace';

export const PROTOCOL_VERSION = 2;

type Check = (value: unknown) => boolean;

const int: Check = (v) => typeof v === 'number' && Number.isSafeInteger(v);
const intOrNull: Check = (v) => v === null || int(v);
const str: Check = (v) => typeof v === 'string';
const strOrNull: Check = (v) => v === null || typeof v === 'string';
const bool: Check = (v) => typeof v === 'boolean';
const idOrNull: Check = (v) => v === null || typeof v === 'string' || int(v);
const oneOf = (values: readonly string[]): Check => {
  const set = new Set(values);
  return (v) => typeof v === 'string' && set.has(v);
};

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

const role = oneOf(PROCESS_ROLES);
const sourceRef = [strOrNull, strOrNull, strOrNull, intOrNull];
/** Four times or sizes of a Pool message carried by a submit or task event (docs/wire-protocol.md). */
const messageHalf = [intOrNull, intOrNull, intOrNull, intOrNull];

/** Checks of the fields after `[type, ts, tid`, per event type. Extra trailing fields are allowed. */
const EVENT_FIELDS: Record<string, Check[]> = {
  thread: [strOrNull],
  role: [role],
  spawn: [int, int, strOrNull, strOrNull, bool, ...sourceRef],
  run: [],
  runend: [intOrNull, strOrNull, strOrNull],
  exit: [int, int],
  join: [int, int, bool],
  chan: [idOrNull, oneOf(CHANNEL_KINDS), strOrNull, intOrNull, intOrNull, ...sourceRef],
  send: [int, int, intOrNull, intOrNull, idOrNull],
  recv: [int, int, intOrNull, intOrNull, idOrNull],
  wait: [int, oneOf(WAIT_KINDS), idOrNull, intOrNull, bool],
  taskdone: [idOrNull],
  submit: [
    oneOf(TASK_KINDS),
    idOrNull,
    intOrNull,
    intOrNull,
    intOrNull,
    ...sourceRef,
    // the task message sent: sendTs, sendEndTs, sendIno, sendBytes
    ...messageHalf,
    // its result received: recvTid, getTs, recvTs, recvEndTs, recvIno, recvBytes, recvChanId
    intOrNull,
    ...messageHalf,
    intOrNull,
    idOrNull,
  ],
  task: [
    int,
    oneOf(TASK_KINDS),
    idOrNull,
    intOrNull,
    intOrNull,
    intOrNull,
    ...sourceRef,
    intOrNull,
    intOrNull,
    bool,
    strOrNull,
    strOrNull,
    // the task message received: getTs, recvTs, recvEndTs, recvIno
    ...messageHalf,
    // its result sent: sendTs, sendEndTs, sendIno, sendChanId
    intOrNull,
    intOrNull,
    intOrNull,
    idOrNull,
  ],
  mcall: [int, strOrNull, strOrNull, bool],
  lost: [int],
};

/** Whether `event` is a well-formed `[type, ts, tid, ...fields]` of a known type. */
export function isValidEvent(event: unknown): event is unknown[] {
  if (!Array.isArray(event) || event.length < 3) return false;
  const fields = EVENT_FIELDS[event[0] as string];
  if (fields === undefined || !Object.hasOwn(EVENT_FIELDS, event[0] as string)) return false;
  if (!int(event[1]) || !int(event[2]) || event.length < 3 + fields.length) return false;
  for (let i = 0; i < fields.length; i++) {
    if (!fields[i](event[i + 3])) return false;
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

const HELLO_FIELDS: Record<string, Check> = {
  pid: int,
  ppid: intOrNull,
  mpParentPid: intOrNull,
  name: str,
  role,
  startMethod: strOrNull,
  python: strOrNull,
  executable: strOrNull,
  platform: strOrNull,
  clockNs: int,
  main: bool,
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
  for (const [name, check] of Object.entries(HELLO_FIELDS)) {
    if (!check(hello[name])) return 'bad-schema';
  }
  return null;
}

/** Whether a non-batch frame after the hello is a well-formed `bye`. */
export function isBye(frame: unknown): frame is { t: 'bye'; ts: number } {
  if (typeof frame !== 'object' || frame === null) return false;
  const bye = frame as Record<string, unknown>;
  return bye.t === 'bye' && int(bye.ts);
}
