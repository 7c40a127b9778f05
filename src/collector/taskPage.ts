/**
 * The task page of a Pool or executor worker (the runtime's task_page.py; docs/wire-protocol.md,
 * "Task page"): a file `t<pid>` in the collector's private directory that the worker maps and
 * overwrites as each task starts and ends. Spans are sent when they end, so a worker killed while
 * running a task sends nothing of it; the page, read once the worker's connection has closed, still
 * tells which task it was, and becomes an ordinary `task` event (failed, unfinished) that the
 * builder checks like any other. A child process also moves its buffered events into the page's
 * spill region before a write (a Pool worker's result) or read after which its parent may end it:
 * those records are handed back as they are, to be read as a binary batch of the connection.
 */
import * as fs from 'fs';
import * as path from 'path';
import { UNFINISHED_TASK } from '../model/trace';

/** The page's header; the spill region follows it. */
export const TASK_PAGE_BYTES = 4096;
export const SPILL_BYTES = 1024 * 1024;
/** state u32, spilled u32, 10 int64 values, the constants' length u32, then their JSON. */
const SPILLED_AT = 4;
const VALUES_AT = 8;
const VALUE_COUNT = 10;
const CONSTANTS_LENGTH_AT = VALUES_AT + 8 * VALUE_COUNT;
const CONSTANTS_AT = 96;
const RUNNING = 1;

const UNFINISHED_MESSAGE =
  'its worker ended while running it (killed by a signal such as Pool.terminate(), or exited)';

export interface TaskPage {
  /** The event of the task it was running, null, or 'bad' if that part does not parse. */
  task: unknown[] | 'bad' | null;
  /** The records of its spill region (a binary batch's, without the leading 0x01), or null. */
  spill: Buffer | null;
}

const EMPTY: TaskPage = { task: null, spill: null };

/**
 * Reads and removes the page of `pid` in `dir`: the task it was running, ended at `endTs` (runtime
 * clock), and what it spilled; 'bad' if the file cannot be read as a page. A running task that
 * does not parse does not cost the spill.
 */
export function takeTaskPage(dir: string, pid: number, endTs: number): TaskPage | 'bad' {
  const file = path.join(dir, `t${pid}`);
  let header: Buffer;
  let spill: Buffer | null = null;
  try {
    // Never follow a link: only a file in our private directory is read.
    const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    try {
      if (!fs.fstatSync(fd).isFile()) return 'bad';
      header = Buffer.alloc(TASK_PAGE_BYTES);
      // Shorter: the process ended while making its page, before any task.
      if (fs.readSync(fd, header, 0, TASK_PAGE_BYTES, 0) < TASK_PAGE_BYTES) return EMPTY;
      const spilled = header.readUInt32LE(SPILLED_AT);
      if (spilled > SPILL_BYTES) return 'bad';
      if (spilled > 0) {
        spill = Buffer.alloc(spilled);
        if (fs.readSync(fd, spill, 0, spilled, TASK_PAGE_BYTES) < spilled) return 'bad';
      }
    } finally {
      fs.closeSync(fd);
      fs.rmSync(file, { force: true });
    }
  } catch (error) {
    // No page: a process that ran no task. Anything else (a link) is not ours to read.
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? EMPTY : 'bad';
  }
  return { task: unfinishedTaskEvent(header, endTs), spill };
}

/** The `task` event a page describes (see takeTaskPage). */
export function unfinishedTaskEvent(page: Buffer, endTs: number): unknown[] | 'bad' | null {
  if (page.readUInt32LE(0) !== RUNNING) return null;
  const values: (number | null)[] = [];
  for (let i = 0; i < VALUE_COUNT; i++) {
    const value = page.readBigInt64LE(VALUES_AT + 8 * i);
    values.push(value === -1n ? null : Number(value));
  }
  const length = page.readUInt32LE(CONSTANTS_LENGTH_AT);
  if (CONSTANTS_AT + length > page.length) return 'bad';
  let constants: unknown;
  try {
    constants = JSON.parse(page.toString('utf8', CONSTANTS_AT, CONSTANTS_AT + length));
  } catch {
    return 'bad';
  }
  if (!Array.isArray(constants) || constants.length !== 6) return 'bad';
  const [ts, tid, job, index, items, argBytes, getTs, recvTs, recvEndTs, recvIno] = values;
  const [kind, poolId, ...fn] = constants as unknown[];
  return [
    'task',
    ts,
    tid,
    endTs,
    kind,
    poolId,
    job,
    index,
    items,
    ...fn,
    argBytes,
    null,
    false,
    UNFINISHED_TASK,
    UNFINISHED_MESSAGE,
    getTs,
    recvTs,
    recvEndTs,
    recvIno,
    null,
    null,
    null,
    null,
  ];
}
