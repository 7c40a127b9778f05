import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Collector } from '../../src/collector/collector';
import {
  SPILL_BYTES,
  TASK_PAGE_BYTES,
  takeTaskPage,
  unfinishedTaskEvent,
} from '../../src/collector/taskPage';
import type { TaskPage } from '../../src/collector/taskPage';
import { UNFINISHED_TASK } from '../../src/model/trace';
import { connectClient, helloFrame } from '../../src/collector/wireClient';
import { constants, page, values, writePage } from './task-page-file';

const SECRET = '0123456789abcdef0123456789abcdef';

test('a running task page is the task event of an unfinished task', () => {
  const event = unfinishedTaskEvent(page(true, values, constants), 5000);
  assert.deepEqual(event, [
    'task',
    1000,
    7,
    5000,
    'pool',
    '7:1',
    3,
    0,
    1,
    'slow',
    'app',
    '/app.py',
    12,
    45,
    null,
    false,
    UNFINISHED_TASK,
    'its worker ended while running it (killed by a signal such as Pool.terminate(), or exited)',
    900,
    950,
    990,
    555,
    null,
    null,
    null,
    null,
  ]);
  const executor = unfinishedTaskEvent(
    page(true, [1000, 7, 3, null, 1, null, null, null, null, null], constants),
    5000,
  ) as unknown[];
  assert.deepEqual(
    [executor[7], executor[13], executor[18], executor[21]],
    [null, null, null, null],
  );
});

test('an idle page says nothing; a page that does not parse is bad', () => {
  assert.equal(unfinishedTaskEvent(page(false, values, constants), 5000), null);
  assert.equal(unfinishedTaskEvent(page(true, values, '["pool", "7:1", "slo'), 5000), 'bad');
  assert.equal(unfinishedTaskEvent(page(true, values, '["pool"]'), 5000), 'bad');
  const tooLong = page(true, values, constants);
  tooLong.writeUInt32LE(TASK_PAGE_BYTES, 88);
  assert.equal(unfinishedTaskEvent(tooLong, 5000), 'bad');
});

test('takeTaskPage reads and removes a page, reports none (or an unfinished one) as empty, never follows a link', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-page-'));
  const empty: TaskPage = { task: null, spill: null };
  try {
    assert.deepEqual(takeTaskPage(dir, 11, 5000), empty);
    // A page of protocol 3's length, nothing spilled.
    fs.writeFileSync(path.join(dir, 't12'), page(true, values, constants));
    const taken = takeTaskPage(dir, 12, 5000) as TaskPage;
    assert.deepEqual(taken, {
      task: unfinishedTaskEvent(page(true, values, constants), 5000),
      spill: null,
    });
    assert.equal(fs.existsSync(path.join(dir, 't12')), false, 'removed once read');
    fs.writeFileSync(path.join(dir, 'elsewhere'), page(true, values, constants));
    fs.symlinkSync(path.join(dir, 'elsewhere'), path.join(dir, 't13'));
    assert.equal(takeTaskPage(dir, 13, 5000), 'bad');
    // A worker killed while it made its page (created, not sized yet) ran no task.
    fs.writeFileSync(path.join(dir, 't14'), '');
    assert.deepEqual(takeTaskPage(dir, 14, 5000), empty);
    assert.equal(fs.existsSync(path.join(dir, 't14')), false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('takeTaskPage returns the bytes of the spill region; a spill longer than the region or the file is bad', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-page-'));
  const file = (pid: number) => path.join(dir, `t${pid}`);
  try {
    const spill = Buffer.from('records, as they are');
    writePage(file(21), page(false, values, constants), spill);
    assert.deepEqual(takeTaskPage(dir, 21, 5000), { task: null, spill });
    // Spilled while a task runs: both.
    writePage(file(22), page(true, values, constants), spill);
    assert.equal((takeTaskPage(dir, 22, 5000) as TaskPage).task?.[0], 'task');
    // A full region is fine, one byte more is not.
    writePage(file(23), page(false, values, constants), Buffer.alloc(SPILL_BYTES, 7));
    assert.equal((takeTaskPage(dir, 23, 5000) as TaskPage).spill?.length, SPILL_BYTES);
    const tooLong = page(false, values, constants);
    tooLong.writeUInt32LE(SPILL_BYTES + 1, 4);
    fs.writeFileSync(file(24), tooLong);
    fs.truncateSync(file(24), TASK_PAGE_BYTES + SPILL_BYTES + 1);
    assert.equal(takeTaskPage(dir, 24, 5000), 'bad');
    // A file cut before the end of its spill.
    writePage(file(25), page(false, values, constants), spill);
    fs.truncateSync(file(25), TASK_PAGE_BYTES + spill.length - 1);
    assert.equal(takeTaskPage(dir, 25, 5000), 'bad');
    // A running task that does not parse does not cost the spill.
    writePage(file(26), page(true, values, 'not json'), spill);
    assert.deepEqual(takeTaskPage(dir, 26, 5000), { task: 'bad', spill });
    assert.deepEqual(fs.readdirSync(dir), [], 'every page removed once read');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the collector reads the task page of a process whose connection closed', async () => {
  const collector = new Collector({ secret: SECRET });
  const socketPath = await collector.listen();
  try {
    const t0 = Number(collector.clockBaseNs) + 1e6;
    const pageOf = (pid: number, data: Buffer | string) =>
      fs.writeFileSync(path.join(path.dirname(socketPath), `t${pid}`), data);
    // A worker killed mid-task (no bye), and one whose page does not parse.
    for (const [pid, data] of [
      [21, page(true, [t0 + 10, 21, 4, 2, 3, 64, null, null, null, null], constants)],
      [22, page(true, values, 'not json')],
    ] as const) {
      const client = await connectClient(socketPath);
      await client.send(helloFrame(SECRET, pid, { clockNs: t0, role: 'pool-worker' }));
      pageOf(pid, data);
      await client.end();
    }
    await collector.whenIdle(5000);
    const trace = collector.trace();
    assert.deepEqual(
      trace.tasks.map((t) => [t.pid, t.job, t.index, t.items, t.argBytes, t.ok, t.error?.type]),
      [[21, 4, 2, 3, 64, false, UNFINISHED_TASK]],
    );
    const [task] = trace.tasks;
    assert.equal(task.startNs, 1e6 + 10);
    assert.ok(task.endNs > task.startNs && task.endNs <= collector.nowNs(), 'ends when it closed');
    assert.deepEqual(trace.counts.rejectedReasons, { 'bad-task-page': 1 });
  } finally {
    await collector.close();
  }
});
