import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Collector } from '../../src/collector/collector';
import { connectClient, helloFrame } from '../../src/collector/wireClient';

const SECRET = 'feedfacefeedfacefeedfacefeedface';
const T0 = Number(process.hrtime.bigint());

type Event = unknown[];

/** One traced process whose batches the test sends when it wants (to model late flushes). */
async function processConnection(socketPath: string, pid: number) {
  const client = await connectClient(socketPath);
  await client.send(helloFrame(SECRET, pid));
  return {
    send: (events: Event[]) => client.send(events),
    /** Sends and waits until the collector has read everything (the socket closes after it). */
    finish: async (events: Event[] = []) => {
      if (events.length) await client.send(events);
      await client.send({ t: 'bye', ts: T0 + 1e9 });
      await client.end();
    },
  };
}

const send = (
  pid: number,
  ts: number,
  ino: number,
  bytes: number,
  chanId: string | null = null,
) => ['send', T0 + ts, pid, T0 + ts + 1, ino, bytes, T0 + ts - 5, chanId];
const recv = (pid: number, ts: number, ino: number, bytes: number) => [
  'recv',
  T0 + ts,
  pid,
  T0 + ts + 3,
  ino,
  bytes,
  T0 + ts - 2,
  null,
];
const chan = (id: string, kind: string, inoA: number, inoB: number) => [
  'chan',
  T0,
  1,
  id,
  kind,
  `${kind} ${id}`,
  inoA,
  inoB,
  '<module>',
  'app',
  '/app.py',
  3,
];

async function withCollector(run: (c: Collector, socketPath: string) => Promise<void>) {
  const collector = new Collector({ secret: SECRET });
  const socketPath = await collector.listen();
  try {
    await run(collector, socketPath);
  } finally {
    await collector.close();
  }
}

test('queue messages match in send order across producers whose batches arrive late', async () => {
  await withCollector(async (collector, socketPath) => {
    const main = await processConnection(socketPath, 1);
    const producerA = await processConnection(socketPath, 2);
    const producerB = await processConnection(socketPath, 3);
    const consumer = await processConnection(socketPath, 4);
    // The consumer's receives arrive first, then B's sends, then A's older sends, then the channel.
    await consumer.finish([recv(4, 100, 77, 10), recv(4, 200, 77, 20), recv(4, 300, 77, 30)]);
    await producerB.finish([send(3, 150, 77, 20)]);
    const early = collector.trace();
    assert.deepEqual(
      early.messages.map((m) => [m.sendPid, m.recvPid, m.channel]),
      [[3, 4, 'ino:77']],
    );
    await producerA.finish([send(2, 50, 77, 10), send(2, 250, 77, 30), send(2, 400, 77, 40)]);
    await main.finish([chan('q1', 'queue', 77, 77)]);

    const trace = collector.trace();
    const byId = [...trace.messages].sort((a, b) => a.sendNs - b.sendNs);
    const base = Number(trace.meta.clockBaseNs);
    assert.deepEqual(
      byId.map((m) => [
        m.sendPid,
        m.bytes,
        m.recvPid,
        m.recvNs === null ? null : m.recvNs - (T0 - base),
      ]),
      [
        [2, 10, 4, 103],
        [3, 20, 4, 203],
        [2, 30, 4, 303],
        [2, 40, null, null],
      ],
    );
    assert.ok(trace.messages.every((m) => m.channel === 'q1'));
    assert.equal(byId[0].putNs, byId[0].sendNs - 5);
    assert.equal(byId[0].getNs, byId[0].recvNs! - 5);
    // The early snapshot kept what it had: message objects are replaced, not mutated.
    assert.equal(early.messages[0].channel, 'ino:77');
  });
});

test('a duplex pipe: what is sent on one end is received on the other', async () => {
  await withCollector(async (collector, socketPath) => {
    const parent = await processConnection(socketPath, 10);
    const child = await processConnection(socketPath, 11);
    // Receives arrive before the channel announcement that pairs the two inodes.
    await child.finish([recv(11, 20, 501, 7), send(11, 30, 501, 8)]);
    await parent.finish([chan('p1', 'pipe', 500, 501), send(10, 10, 500, 7), recv(10, 35, 500, 8)]);
    const trace = collector.trace();
    assert.deepEqual(
      trace.messages.map((m) => [m.sendPid, m.recvPid, m.bytes, m.channel]),
      [
        [11, 10, 8, 'p1'],
        [10, 11, 7, 'p1'],
      ],
    );
  });
});

test('deltas: only what is new or re-matched, then nothing', async () => {
  await withCollector(async (collector, socketPath) => {
    const sender = await processConnection(socketPath, 20);
    await sender.send([chan('q', 'queue', 9, 9), send(20, 10, 9, 1), send(20, 20, 9, 2)]);
    const receiver = await processConnection(socketPath, 21);
    await receiver.finish([recv(21, 15, 9, 1)]);
    const first = collector.takeDelta();
    assert.deepEqual(first.processes.map((p) => p.pid).sort(), [20, 21]);
    assert.equal(first.channels.length, 1);
    assert.deepEqual(
      first.messages.map((m) => [m.bytes, m.recvPid]),
      [
        [1, 21],
        [2, null],
      ],
    );

    const empty = collector.takeDelta();
    assert.deepEqual(
      [empty.processes, empty.channels, empty.messages, empty.tasks, empty.waits],
      [[], [], [], [], []],
    );

    // A late receive re-matches only the second message; the goodbye updates the sender.
    const late = await processConnection(socketPath, 22);
    await late.finish([recv(22, 25, 9, 2)]);
    await sender.finish();
    const second = collector.takeDelta();
    assert.deepEqual(
      second.messages.map((m) => [m.bytes, m.recvPid]),
      [[2, 22]],
    );
    assert.deepEqual(second.processes.map((p) => [p.pid, p.connection]).sort(), [
      [20, 'bye'],
      [22, 'bye'],
    ]);
    assert.equal(collector.trace().messages.length, 2);
  });
});

const fn = ['square', 'app', '/app.py', 4];
const submit = (
  pid: number,
  ts: number,
  kind: string,
  job: number,
  index: number | null,
  messages: unknown[] = Array(11).fill(null),
) => ['submit', T0 + ts, pid, kind, `${pid}:1`, job, index, 5, ...fn, ...messages];
const task = (
  pid: number,
  ts: number,
  kind: string,
  pool: number,
  job: number,
  index: number | null,
  messages: unknown[] = Array(8).fill(null),
) => [
  'task',
  T0 + ts,
  pid,
  T0 + ts + 50,
  kind,
  `${pool}:1`,
  job,
  index,
  5,
  ...fn,
  100,
  20,
  true,
  null,
  null,
  ...messages,
];

test('Pool messages carried by submit and task events match like send and recv events', async () => {
  await withCollector(async (collector, socketPath) => {
    const owner = await processConnection(socketPath, 40);
    const worker = await processConnection(socketPath, 50);
    // The task queue's pipe is inode 7 (channel 40:1, the pool id), the result queue's inode 8.
    await owner.send([chan('40:1', 'pool-tasks', 7, 7), chan('40:2', 'pool-results', 8, 8)]);
    // The worker's task: received [get 5, 6..12] on 7, result sent [55..56] on 8.
    await worker.finish([
      task(50, 20, 'pool', 40, 0, 0, [T0 + 5, T0 + 6, T0 + 12, 7, T0 + 55, T0 + 56, 8, '40:2']),
      recv(50, 101, 7, 5), // the sentinel that ends the worker stays a recv event
    ]);
    // The owner's submit (task handler thread 41, result handler thread 42) comes last.
    await owner.finish([
      submit(40, 1, 'pool', 0, 0, [
        T0 + 10,
        T0 + 11,
        7,
        100,
        42,
        T0 + 60,
        T0 + 61,
        T0 + 62,
        8,
        20,
        '40:2',
      ]),
      send(40, 100, 7, 5),
    ]);
    const trace = collector.trace();
    const base = Number(trace.meta.clockBaseNs);
    assert.deepEqual(
      trace.messages.map((m) => [
        m.channel,
        m.bytes,
        m.sendPid,
        m.sendTid,
        m.putNs + base - T0,
        m.sendNs + base - T0,
        m.recvPid,
        m.recvTid,
        m.getNs! + base - T0,
        m.recvNs! + base - T0,
      ]),
      [
        ['40:2', 20, 50, 50, 55, 55, 40, 42, 60, 62],
        ['40:1', 100, 40, 40, 10, 10, 50, 50, 5, 12],
        ['40:1', 5, 40, 40, 95, 100, 50, 50, 99, 104],
      ],
    );
    assert.equal(trace.tasks[0].submitNs! + base - T0, 1);
  });
});

test('a task of pool "null" is not matched to a submit of no pool', async () => {
  await withCollector(async (collector, socketPath) => {
    const executor = (type: string, pid: number, ts: number, poolId: string | null) =>
      type === 'submit'
        ? ['submit', T0 + ts, pid, 'executor', poolId, 1, null, 1, ...fn, ...Array(11).fill(null)]
        : [
            ...['task', T0 + ts, pid, T0 + ts + 5, 'executor', poolId, 1, null, 1, ...fn],
            ...[10, 20, true, null, null, ...Array(8).fill(null)],
          ];
    const owner = await processConnection(socketPath, 70);
    const worker = await processConnection(socketPath, 71);
    await owner.finish([executor('submit', 70, 1, null), executor('submit', 70, 2, '7')]);
    await worker.finish([executor('task', 71, 10, 'null'), executor('task', 71, 20, '7')]);
    const submits = collector.trace().tasks.map((t) => t.submitPid);
    assert.deepEqual(submits, [null, 70]);
  });
});

test('tasks match their submit by (pool, job, index), whichever arrives first', async () => {
  await withCollector(async (collector, socketPath) => {
    const owner = await processConnection(socketPath, 30);
    const worker = await processConnection(socketPath, 31);
    await owner.send([submit(30, 1, 'pool', 0, 0), submit(30, 2, 'pool', 0, 1)]);
    await worker.send([
      task(31, 10, 'pool', 30, 0, 1),
      task(31, 70, 'pool', 30, 0, 0),
      task(31, 130, 'executor', 30, 5, null),
    ]);
    await worker.finish();
    // Until the executor submit arrives, its task is held back from deltas (not the others).
    const delta = collector.takeDelta();
    assert.deepEqual(
      delta.tasks.map((t) => [t.kind, t.index, t.submitPid]),
      [
        ['pool', 1, 30],
        ['pool', 0, 30],
      ],
    );
    await owner.finish([submit(30, 3, 'executor', 5, null)]);
    const trace = collector.trace();
    const base = Number(trace.meta.clockBaseNs);
    assert.deepEqual(
      trace.tasks.map((t) => [
        t.kind,
        t.job,
        t.index,
        t.submitNs! + base - T0,
        t.endNs - t.startNs,
      ]),
      [
        ['pool', 0, 1, 2, 50],
        ['pool', 0, 0, 1, 50],
        ['executor', 5, null, 3, 50],
      ],
    );
    assert.deepEqual(trace.tasks[2].fn, {
      name: 'square',
      module: 'app',
      file: '/app.py',
      line: 4,
    });
    assert.deepEqual(
      collector.takeDelta().tasks.map((t) => [t.kind, t.submitPid]),
      [['executor', 30]],
    );
  });
});

test('records arriving out of time order: matched by time, equal times in arrival order', async () => {
  await withCollector(async (collector, socketPath) => {
    const sender = await processConnection(socketPath, 60);
    const receiver = await processConnection(socketPath, 61);
    await receiver.finish([recv(61, 300, 90, 3), recv(61, 100, 90, 1), recv(61, 200, 90, 2)]);
    // Two sends at the same time (bytes 2, then 22), then a late batch with an earlier send.
    await sender.send([send(60, 10, 90, 1), send(60, 20, 90, 2), send(60, 20, 90, 22)]);
    await sender.finish([send(60, 5, 90, 0)]);
    const trace = collector.trace();
    const base = Number(trace.meta.clockBaseNs);
    assert.deepEqual(
      trace.messages.map((m) => [m.bytes, m.recvNs === null ? null : m.recvNs + base - T0]),
      [
        [1, 203],
        [2, 303],
        [22, null],
        [0, 103],
      ],
    );
  });
});

test('tasks running the same function share one SourceRef, also with another in between', async () => {
  await withCollector(async (collector, socketPath) => {
    const worker = await processConnection(socketPath, 70);
    const cube = task(70, 20, 'pool', 69, 0, 1);
    cube.splice(9, 4, 'cube', 'app', '/app.py', 8);
    await worker.finish([task(70, 10, 'pool', 69, 0, 0), cube, task(70, 30, 'pool', 69, 0, 2)]);
    const [first, second, third] = collector.trace().tasks;
    assert.equal(first.fn, third.fn);
    assert.deepEqual(second.fn, { name: 'cube', module: 'app', file: '/app.py', line: 8 });
    assert.deepEqual(first.fn, { name: 'square', module: 'app', file: '/app.py', line: 4 });
  });
});
