/**
 * Deferred ingest (headless recording): the same traffic gives the same trace as live ingest, built
 * when it is read or closed, or earlier when the raw backlog passes its cap, by slices that let the
 * event loop run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Collector } from '../../src/collector/collector';
import type { CollectorOptions, IngestMode } from '../../src/collector/collector';
import { encodeFrame } from '../../src/collector/framing';
import { PROTOCOL_VERSION } from '../../src/collector/schema';
import { BinaryBatch, connectClient, helloFrame, templateOf } from '../../src/collector/wireClient';
import type { WireClient } from '../../src/collector/wireClient';
import type { Trace } from '../../src/model/trace';
import { startRawWriter } from './raw-writer';

const SECRET = 'decafbaddecafbaddecafbaddecafbad';
const turn = () => new Promise((resolve) => setImmediate(resolve));

/** A collector whose every read of the sockets is counted, without reading its model. */
async function openCollector(options: Omit<CollectorOptions, 'secret'>) {
  const collector = new Collector({ secret: SECRET, ...options });
  const socketPath = await collector.listen();
  let changes = 0;
  collector.onDidChange(() => changes++);
  const seenPids: number[] = [];
  collector.onDidSeePid((pid) => seenPids.push(pid));
  /** Waits until the collector has read what `write` wrote (or the close it caused). */
  const received = async (write: Promise<unknown>) => {
    const before = changes;
    await write;
    while (changes === before) await turn();
  };
  /** Connects as process `pid`, whose clock is 1 ms past the collector's base (t0), and says hello. */
  const hello = async (pid: number) => {
    const t0 = Number(collector.clockBaseNs) + 1e6;
    const client = await connectClient(socketPath);
    await received(client.send(helloFrame(SECRET, pid, { clockNs: t0 })));
    return { client, t0 };
  };
  return { collector, socketPath, received, seenPids, hello };
}

const fn = ['square', 'app', '/app.py', 4];

/**
 * Resolves once the collector's backlog is built in, without reading its model (30 s at most: paced
 * to a quarter of a core, a loaded machine takes seconds).
 */
async function drained(collector: Collector): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (collector.backlogBytes > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * The same traffic for any collector, with times relative to its clock base, and each write read
 * before the next so that the order across connections is the same: two processes exchanging queue
 * and Pool messages (in JSON and binary batches), bad frames, strangers without the secret, a
 * process killed mid-frame, a frame over the size limit. Returns the collector's clock when every connection had closed.
 */
async function traffic(c: Awaited<ReturnType<typeof openCollector>>): Promise<number> {
  const { collector, socketPath, received } = c;
  const t = (ns: number) => Number(collector.clockBaseNs) + 1e6 + ns;
  const connect = async (pid: number, fields: Record<string, unknown> = {}) => {
    const client = await connectClient(socketPath);
    await received(client.send(helloFrame(SECRET, pid, { clockNs: t(pid), ...fields })));
    return client;
  };
  const send = (client: WireClient, value: unknown) => received(client.send(value));

  const main = await connect(100, { main: true });
  const worker = await connect(101, { role: 'pool-worker', mpParentPid: 100 });
  await send(main, [
    ['thread', t(1), 100, 'MainThread'],
    ['chan', t(2), 100, '100:1', 'pool-tasks', 'tasks', 7, 7, null, null, null, null],
    ['chan', t(3), 100, '100:2', 'pool-results', 'results', 8, 8, null, null, null, null],
    ['chan', t(4), 100, 'q', 'queue', 'q', 9, 9, '<module>', 'app', '/app.py', 3],
    [
      'spawn',
      t(5),
      100,
      t(6),
      101,
      'PoolWorker-1',
      'fork',
      true,
      'worker',
      'multiprocessing.pool',
      null,
      null,
    ],
    ['spawn', t(7), 100, t(8), 102, 'Process-2', 'fork', false, 'never_ran', 'app', '/app.py', 9],
    ['send', t(10), 100, t(11), 9, 12, t(9), 'q'],
  ]);
  await send(worker, [
    ['run', t(20), 101],
    ['recv', t(21), 101, t(22), 9, 12, t(20), null],
    // A task whose submit arrives later, carrying its task message's receive and result's send.
    [
      'task',
      t(30),
      101,
      t(40),
      'pool',
      '100:1',
      0,
      0,
      1,
      ...fn,
      5,
      20,
      true,
      null,
      null,
      t(29),
      t(30),
      t(31),
      7,
      t(41),
      t(42),
      8,
      '100:2',
    ],
    [
      'task',
      t(50),
      101,
      t(60),
      'pool',
      '100:1',
      0,
      1,
      1,
      ...fn,
      5,
      20,
      false,
      'ValueError',
      'no',
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
    ],
  ]);
  await send(main, [
    [
      'submit',
      t(25),
      100,
      'pool',
      '100:1',
      0,
      0,
      1,
      ...fn,
      t(26),
      t(27),
      7,
      5,
      100,
      t(43),
      t(44),
      t(45),
      8,
      20,
      '100:2',
    ],
    [
      'submit',
      t(26),
      100,
      'pool',
      '100:1',
      0,
      1,
      1,
      ...fn,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
    ],
    ['wait', t(61), 100, t(62), 'queue-get', 'q', null, true],
    ['mcall', t(63), 100, t(64), 'dict', 'get', true],
    ['taskdone', t(65), 100, 'q'],
    ['lost', t(66), 100, 3],
  ]);

  // Binary batches: each connection's templates, used in its later frames too.
  const queueSend = templateOf(1, ['send', 0, 0, 0, 0, 0, 0, 'q'], [1, 2, 3, 4, 5, 6]);
  const queueRecv = templateOf(1, ['recv', 0, 0, 0, 0, 0, 0, null], [1, 2, 3, 4, 5, 6]);
  const sendBatch = (client: WireClient, batch: BinaryBatch) => received(client.sendBatch(batch));
  await sendBatch(
    main,
    new BinaryBatch().define(queueSend).record(1, [t(67), 100, t(68), 9, 30, t(66)]),
  );
  await sendBatch(
    worker,
    new BinaryBatch()
      .define(queueRecv)
      .record(1, [t(69), 101, t(70), 9, 30, t(69)])
      .record(2, [t(70), 101]),
  );
  await sendBatch(main, new BinaryBatch().record(1, [t(73), 100, t(74), 9, 31, t(73)]));
  await sendBatch(worker, new BinaryBatch().record(1, [t(75), 101, t(76), 9, 31, t(75)]));

  // Bad frames after a hello: each rejected alone, the connection kept.
  const badJson = Buffer.from('[["run", 1, ');
  const header = Buffer.alloc(4);
  header.writeUInt32BE(badJson.length);
  await received(worker.sendRaw(Buffer.concat([header, badJson])));
  await received(worker.sendRaw(Buffer.alloc(4)));
  await send(worker, { t: 'nonsense' });
  await send(worker, [
    ['run', t(70), 'not a tid'],
    ['frobnicate', t(71), 101],
    ['runend', t(72), 101, 0, null, null],
  ]);

  // Strangers: refused at once, whatever the ingest mode.
  const firstFrames: unknown[] = [
    helloFrame('f'.repeat(32), 201),
    [['run', t(80), 202]],
    helloFrame(SECRET, 203, { v: PROTOCOL_VERSION + 1 }),
    helloFrame(SECRET, 204, { pid: 'x' }),
  ];
  for (const first of firstFrames) {
    const stranger = await connectClient(socketPath);
    await stranger.send(first);
    await stranger.closed;
  }
  const garbage = await connectClient(socketPath);
  await garbage.sendRaw(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
  await garbage.closed;

  // A real process that writes a frame and a half and is killed.
  const partial = encodeFrame([['runend', t(95), 103, 0, null, null]]).subarray(0, 9);
  const bytes = Buffer.concat([
    encodeFrame(helloFrame(SECRET, 103, { clockNs: t(103) })),
    encodeFrame([['run', t(90), 103]]),
    partial,
  ]);
  const { writer, sent } = startRawWriter(socketPath, bytes);
  await received(sent);
  await received(new Promise((resolve) => writer.once('exit', resolve).kill('SIGKILL')));

  // A frame over the limit: the connection is closed, what came before it kept.
  const oversized = await connect(104);
  await send(oversized, [['run', t(100), 104]]);
  const tooLong = Buffer.alloc(4);
  tooLong.writeUInt32BE(1 << 20);
  await oversized.sendRaw(tooLong);
  await oversized.closed;

  await send(worker, { t: 'bye', ts: t(110) });
  await worker.end();
  await send(main, [
    ['join', t(111), 100, t(112), 101, true],
    ['exit', t(112), 100, 101, 0],
    ['runend', t(113), 100, 0, null, null],
  ]);
  await send(main, { t: 'bye', ts: t(114) });
  await main.end();
  await collector.whenIdle(10_000);
  return collector.nowNs();
}

/** The trace without what depends on when it was taken; closed connections must date before `idleNs`. */
function comparable(trace: Trace, idleNs: number): unknown {
  const copy = JSON.parse(JSON.stringify(trace)) as Trace;
  for (const p of copy.processes) {
    if (p.connection !== 'closed') continue;
    assert.ok(
      p.exitNs !== null && p.exitNs <= idleNs,
      `pid ${p.pid} exit ${p.exitNs} <= ${idleNs}`,
    );
    p.exitNs = -1;
  }
  const { startedAtIso: _, clockBaseNs: __, wallNs: ___, ...meta } = copy.meta;
  return { ...copy, meta };
}

async function recordTraffic(ingest: IngestMode) {
  const c = await openCollector({ ingest, maxFrameBytes: 64 * 1024 });
  try {
    const idleNs = await traffic(c);
    // Live: built in by paced slices soon after, without a reader.
    if (ingest === 'live') await drained(c.collector);
    const before = { backlogBytes: c.collector.backlogBytes, seenPids: [...c.seenPids] };
    // Built later than the connections closed: their times must still be when they closed.
    await new Promise((resolve) => setTimeout(resolve, 50));
    return { trace: c.collector.trace(), idleNs, before };
  } finally {
    await c.collector.close();
  }
}

test('deferred ingest builds the same trace as live ingest from the same traffic', async () => {
  const live = await recordTraffic('live');
  const deferred = await recordTraffic('deferred');

  // Deferred: nothing built until read; the pids of hellos were told at once, a spawned one not yet.
  assert.equal(live.before.backlogBytes, 0);
  assert.ok(deferred.before.backlogBytes > 1000, `${deferred.before.backlogBytes} bytes kept raw`);
  assert.deepEqual(live.before.seenPids, [100, 101, 102, 103, 104]);
  assert.deepEqual(deferred.before.seenPids, [100, 101, 103, 104]);

  const trace = deferred.trace;
  assert.deepEqual(trace.counts.rejectedReasons, {
    'malformed-json': 2,
    'bad-schema': 2,
    'bad-event': 2,
    'bad-secret': 1,
    'no-hello': 1,
    'bad-version': 1,
    'oversize-frame': 2,
    'truncated-frame': 1,
    'bad-record': 1,
  });
  assert.equal(trace.counts.lost, 3);
  assert.deepEqual(
    trace.processes.map((p) => [p.pid, p.connection]),
    [
      [100, 'bye'],
      [101, 'bye'],
      [102, 'never'],
      [103, 'closed'],
      [104, 'closed'],
    ],
  );
  assert.deepEqual(
    trace.tasks.map((t) => [t.index, t.submitPid, t.ok]),
    [
      [0, 100, true],
      [1, 100, false],
    ],
  );
  assert.deepEqual(
    trace.messages.map((m) => [m.channel, m.sendPid, m.recvPid]),
    [
      ['q', 100, 101],
      ['100:2', 101, 100],
      ['100:1', 100, 101],
      ['q', 100, 101],
      ['q', 100, 101],
    ],
  );
  assert.equal(
    JSON.stringify(comparable(deferred.trace, deferred.idleNs)),
    JSON.stringify(comparable(live.trace, live.idleNs)),
  );
});

test('a deferred backlog past its cap is built during the run, without a reader', async () => {
  const { collector, received, seenPids, hello } = await openCollector({
    ingest: 'deferred',
    maxBacklogBytes: 200_000,
  });
  try {
    const { client, t0 } = await hello(300);
    const batch = (first: number) =>
      Array.from({ length: 1000 }, (_, i) => ['thread', t0 + first + i, 1000 + first + i, 'T']);
    // Under the cap: kept raw.
    await received(client.send(batch(0)));
    assert.ok(collector.backlogBytes > 0 && collector.backlogBytes < 200_000);
    // Over it (2 MB in all): built in as it comes, without a reader, and the backlog stays bounded.
    await received(
      client.send([['spawn', t0, 300, t0 + 1, 301, 'P', 'fork', false, null, null, null, null]]),
    );
    let largest = 0;
    for (let first = 1000; first < 60_000; first += 1000) {
      await received(client.send(batch(first)));
      largest = Math.max(largest, collector.backlogBytes);
    }
    assert.ok(seenPids.includes(301), 'the spawned pid was built in without a reader');
    assert.ok(largest < 1_000_000, `the backlog reached ${largest} bytes`);
    await client.end();
    const trace = collector.trace();
    assert.equal(trace.counts.total, 60_001);
    assert.equal(trace.processes[0].threads.length, 60_001);
  } finally {
    await collector.close();
  }
});

test('close() builds a deferred backlog by slices, serving timers in between', async () => {
  const { collector, received, hello } = await openCollector({ ingest: 'deferred' });
  const { client, t0 } = await hello(400);
  for (let b = 0; b < 50; b++) {
    const events = Array.from({ length: 1000 }, (_, i) => [
      'wait',
      t0 + i,
      400,
      t0 + i + 5,
      'lock',
      `L${b}`,
      null,
      true,
    ]);
    await received(client.send(events));
  }
  await client.end();
  const backlog = collector.backlogBytes;
  assert.ok(backlog > 1e6, `${backlog} bytes kept raw`);
  const seenDuringBuild: number[] = [];
  const timer = setInterval(() => seenDuringBuild.push(collector.backlogBytes), 1);
  await collector.close();
  clearInterval(timer);
  assert.ok(
    seenDuringBuild.some((bytes) => bytes > 0 && bytes < backlog),
    'a timer ran while the backlog was half built',
  );
  assert.equal(collector.backlogBytes, 0);
  assert.equal(collector.trace().waits.length, 50_000);
});

test('live ingest builds a burst by paced slices without a reader; a built-only delta builds nothing', async () => {
  // A small share, so that reading the burst is surely done long before building it (at the
  // default share, a quiet machine builds as fast as it reads this burst).
  const { collector, hello } = await openCollector({
    ingest: 'live',
    liveBuildShare: 0.02,
  });
  try {
    const { client, t0 } = await hello(500);
    // 100,000 events at once: read in far sooner than built, so most of them are built after.
    const batches = Array.from({ length: 100 }, (_, b) =>
      Array.from({ length: 1000 }, (_, i) => [
        'wait',
        t0 + i,
        500,
        t0 + i + 5,
        'lock',
        `L${b}`,
        null,
        true,
      ]),
    );
    await Promise.all(batches.map((events) => client.send(events)));
    await client.end();
    await collector.whenIdle(5000); // all of it read: the connection closed after it
    const backlog = collector.backlogBytes;
    const first = collector.takeDelta('built');
    const early = first.waits.length;
    assert.equal(collector.backlogBytes, backlog, 'a built-only delta built nothing');
    assert.equal(first.pendingBytes, backlog, 'and says how much is not built yet');
    assert.ok(backlog > 0, 'the burst was read before it was built');
    const sizes: number[] = [];
    const timer = setInterval(() => sizes.push(collector.backlogBytes), 1);
    await drained(collector);
    clearInterval(timer);
    assert.ok(
      sizes.some((bytes) => bytes > 0 && bytes < backlog),
      'timers ran between slices while the burst was built',
    );
    assert.equal(collector.backlogBytes, 0);
    assert.equal(early + collector.takeDelta('built').waits.length, 100_000);
  } finally {
    await collector.close();
  }
});
