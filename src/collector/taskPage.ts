/**
 * The task page of a Pool or executor worker (the runtime's task_page.py; docs/wire-protocol.md,
 * "Task page"): a 4 KiB file `t<pid>` in the collector's private directory that the worker maps and
 * overwrites as each task starts and ends. Spans are sent when they end, so a worker killed while
 * running a task sends nothing of it; the page, read once the worker's connection has closed, still
 * tells which task it was, and becomes an ordinary `task` event (failed, unfinished) that the
 * builder checks like any other.
 */
import * as fs from 'fs';
import * as path from 'path';
import { UNFINISHED_TASK } from '../model/trace';

export const TASK_PAGE_BYTES = 4096;
/** state u32, 4 bytes of padding, 10 int64 values, the constants' length u32, then their JSON. */
const VALUES_AT = 8;
const VALUE_COUNT = 10;
const CONSTANTS_LENGTH_AT = VALUES_AT + 8 * VALUE_COUNT;
const CONSTANTS_AT = 96;
const RUNNING = 1;

const UNFINISHED_MESSAGE =
  'its worker ended while running it (killed by a signal such as Pool.terminate(), or exited)';

/**
 * Reads and removes the page of `pid` in `dir`: the event of the task it was running, ended at
 * `endTs` (runtime clock), null if there is no page or no task was running, 'bad' if the page
 * does not parse.
 */
export function takeTaskPage(dir: string, pid: number, endTs: number): unknown[] | 'bad' | null {
  const file = path.join(dir, `t${pid}`);
  let page: Buffer;
  try {
    // Never follow a link: only a file in our private directory is read.
    const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    try {
      if (!fs.fstatSync(fd).isFile()) return 'bad';
      page = Buffer.alloc(TASK_PAGE_BYTES);
      // Shorter: the process ended while making its page, before any task.
      if (fs.readSync(fd, page, 0, TASK_PAGE_BYTES, 0) < TASK_PAGE_BYTES) return null;
    } finally {
      fs.closeSync(fd);
      fs.rmSync(file, { force: true });
    }
  } catch (error) {
    // No page: a process that ran no task. Anything else (a link) is not ours to read.
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? null : 'bad';
  }
  return unfinishedTaskEvent(page, endTs);
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
