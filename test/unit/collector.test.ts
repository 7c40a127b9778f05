import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { Collector } from '../../src/collector/collector';
import { encodeFrame } from '../../src/collector/framing';
import type { Trace } from '../../src/model/trace';
import { PROTOCOL_VERSION } from '../../src/collector/schema';
import { connectClient, helloFrame } from '../../src/collector/wireClient';
import { startRawWriter } from './raw-writer';

const SECRET = '0123456789abcdef0123456789abcdef';
const now = () => Number(process.hrtime.bigint());

async function withCollector(
  run: (collector: Collector, socketPath: string) => Promise<void>,
  options: { maxFrameBytes?: number; helloTimeoutMs?: number } = {},
): Promise<void> {
  const collector = new Collector({ secret: SECRET, ...options });
  const socketPath = await collector.listen();
  try {
    await run(collector, socketPath);
  } finally {
    await collector.close();
  }
  assert.equal(fs.existsSync(socketPath), false, 'the socket is removed on close');
}

/** Resolves once the collector's trace satisfies `done` (checked now and after each change). */
function waitFor(collector: Collector, done: (trace: Trace) => boolean): Promise<void> {
  return new Promise((resolve) => {
    if (done(collector.trace())) return resolve();
    const unsubscribe = collector.onDidChange(() => {
      if (!done(collector.trace())) return;
      unsubscribe();
      resolve();
    });
  });
}

/** Connects as `pid`, says hello, sends `batches`, says goodbye and closes. */
async function runProcess(socketPath: string, pid: number, batches: unknown[][], main = false) {
  const client = await connectClient(socketPath);
  await client.send(helloFrame(SECRET, pid, { main }));
  for (const batch of batches) await client.send(batch);
  await client.send({ t: 'bye', ts: now() });
  await client.end();
}

test('a well-behaved process: hello, lifecycle, threads, waits, goodbye', async () => {
  await withCollector(async (collector, socketPath) => {
    const t0 = now();
    await runProcess(
      socketPath,
      100,
      [
        [
          ['thread', t0, 100, 'MainThread'],
          [
            'spawn',
            t0 + 10,
            100,
            t0 + 20,
            101,
            'Worker-1',
            'fork',
            true,
            'work',
            'app',
            '/a.py',
            7,
          ],
          ['thread', t0 + 30, 102, 'QueueFeederThread'],
        ],
        [
          ['exit', t0 + 200, 100, 101, -9],
          ['join', t0 + 100, 100, t0 + 210, 101, true],
          ['wait', t0 + 50, 100, t0 + 60, 'lock', 'L1', null, true],
          ['mcall', t0 + 70, 100, t0 + 80, 'dict', '__setitem__', true],
          ['lost', t0 + 90, 100, 5],
        ],
      ],
      true,
    );
    const trace = collector.trace();
    const main = trace.processes.find((p) => p.pid === 100)!;
    const worker = trace.processes.find((p) => p.pid === 101)!;
    assert.equal(main.role, 'main');
    assert.equal(main.connection, 'bye');
    assert.deepEqual(
      main.threads.map((t) => t.name),
      ['MainThread', 'QueueFeederThread'],
    );
    assert.equal(worker.parentPid, 100);
    assert.equal(worker.name, 'Worker-1');
    assert.equal(worker.daemon, true);
    assert.deepEqual(worker.target, { name: 'work', module: 'app', file: '/a.py', line: 7 });
    assert.equal(worker.exitCode, -9);
    assert.equal(worker.connection, 'never');
    const base = Number(trace.meta.clockBaseNs);
    assert.equal(worker.createdNs, t0 + 10 - base);
    assert.equal(worker.exitNs, t0 + 200 - base);
    assert.deepEqual(
      trace.waits.map((w) => [w.kind, w.targetPid, w.objectId, w.endNs - w.startNs]),
      [
        ['join', 101, null, 110],
        ['lock', null, 'L1', 10],
      ],
    );
    assert.equal(trace.managerCalls[0].method, '__setitem__');
    assert.equal(trace.counts.total, 8);
    assert.equal(trace.counts.lost, 5);
    assert.equal(trace.counts.rejected, 0);
    assert.equal(trace.meta.python?.version, '3.11.7');
  });
});

test('connections without the secret are refused and counted; the trace stays intact', async () => {
  await withCollector(
    async (collector, socketPath) => {
      await runProcess(socketPath, 200, [[['run', now(), 200]]]);
      const attempts: [unknown, string][] = [
        [helloFrame('f'.repeat(32), 201), 'bad-secret'],
        [{ ...helloFrame(SECRET, 202), secret: undefined }, 'no-hello'],
        [[['run', now(), 203]], 'no-hello'],
        [helloFrame(SECRET, 204, { v: PROTOCOL_VERSION + 1 }), 'bad-version'],
        [helloFrame(SECRET, 205, { pid: 'x' }), 'bad-schema'],
      ];
      for (const [first, _reason] of attempts) {
        const client = await connectClient(socketPath);
        await client.send(first);
        await client.send([['run', now(), 1]]);
        await client.closed;
      }
      const garbage = await connectClient(socketPath);
      await garbage.sendRaw(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
      await garbage.closed;
      const silent = await connectClient(socketPath);
      await silent.closed;

      const trace = collector.trace();
      assert.deepEqual(
        trace.processes.map((p) => p.pid),
        [200],
      );
      assert.deepEqual(trace.counts.rejectedReasons, {
        'bad-secret': 1,
        'no-hello': 3,
        'bad-version': 1,
        'bad-schema': 1,
        'oversize-frame': 1,
      });
      assert.equal(trace.counts.rejected, 7);
      assert.equal(trace.counts.total, 1);
      assert.ok(trace.meta.warnings.some((w) => w.includes(`version ${PROTOCOL_VERSION + 1}`)));
    },
    { helloTimeoutMs: 300 },
  );
});

test('bad frames after the hello: each rejected alone, the rest kept', async () => {
  await withCollector(
    async (collector, socketPath) => {
      const t0 = now();
      const client = await connectClient(socketPath);
      await client.send(helloFrame(SECRET, 300));
      await client.send([
        ['run', t0, 300],
        ['wait', t0, 300, t0 + 5, 'no-such-kind', null, null, true],
        ['thread', t0, 'not a tid', 'x'],
        ['frobnicate', t0, 300],
        [['run'], t0, 300],
        ['thread', t0 + 1, 301, 'Helper'],
      ]);
      const badJson = Buffer.from('[["run", 1, ');
      const header = Buffer.alloc(4);
      header.writeUInt32BE(badJson.length);
      await client.sendRaw(Buffer.concat([header, badJson]));
      await client.sendRaw(Buffer.alloc(4)); // an empty frame
      await client.send({ t: 'nonsense' });
      await client.send([['runend', t0 + 10, 300, 0, null, null]]);
      // Over the limit: the stream cannot be trusted after this, the connection is closed.
      const oversize = Buffer.alloc(4);
      oversize.writeUInt32BE(2048);
      await client.sendRaw(oversize);
      await client.closed;

      const trace = collector.trace();
      const p = trace.processes.find((x) => x.pid === 300)!;
      assert.deepEqual(trace.counts.rejectedReasons, {
        'bad-event': 4,
        'malformed-json': 2,
        'bad-schema': 1,
        'oversize-frame': 1,
      });
      assert.equal(trace.counts.total, 3);
      assert.equal(p.runEndNs! - p.runBeginNs!, 10);
      assert.equal(p.exitCode, 0);
      assert.deepEqual(
        p.threads.map((t) => t.tid),
        [300, 301],
      );
      assert.equal(p.connection, 'closed');
    },
    { maxFrameBytes: 1024 },
  );
});

test('a process killed in the middle of a frame: truncated-frame, connection closed', async () => {
  await withCollector(async (collector, socketPath) => {
    const t0 = now();
    const hello = encodeFrame(helloFrame(SECRET, 400));
    const whole = encodeFrame([['run', t0, 400]]);
    const partial = encodeFrame([['runend', t0 + 5, 400, 0, null, null]]).subarray(0, 9);
    // A real process that writes one and a half frames, then waits to be killed.
    const { writer, sent } = startRawWriter(socketPath, Buffer.concat([hello, whole, partial]));
    await sent;
    await waitFor(collector, (trace) => trace.processes.some((p) => p.runBeginNs !== null));
    writer.kill('SIGKILL');
    await collector.whenIdle(10_000);

    const trace = collector.trace();
    const p = trace.processes[0];
    assert.equal(p.pid, 400);
    assert.equal(p.connection, 'closed');
    assert.notEqual(p.runBeginNs, null);
    assert.equal(p.runEndNs, null);
    assert.notEqual(p.exitNs, null);
    assert.deepEqual(trace.counts.rejectedReasons, { 'truncated-frame': 1 });
    assert.ok(trace.meta.warnings.some((w) => w.includes('1 process disconnected')));
  });
});

test('frames split across many writes and many frames in one write decode alike', async () => {
  await withCollector(async (collector, socketPath) => {
    const t0 = now();
    const events = Array.from({ length: 2000 }, (_, i) => ['thread', t0 + i, 1000 + i, `T${i}`]);
    const bytes = Buffer.concat([
      encodeFrame(helloFrame(SECRET, 500)),
      encodeFrame(events.slice(0, 1000)),
      encodeFrame(events.slice(1000)),
      encodeFrame({ t: 'bye', ts: t0 + 3000 }),
    ]);
    const client = await connectClient(socketPath);
    for (let offset = 0; offset < bytes.length; offset += 7) {
      await client.sendRaw(bytes.subarray(offset, offset + 7));
    }
    await client.end();
    const trace = collector.trace();
    assert.equal(trace.counts.total, 2000);
    assert.equal(trace.processes[0].threads.length, 2001);
    assert.equal(trace.processes[0].connection, 'bye');
  });
});

test('a process on another clock: times shifted by the offset estimated at its hello', async () => {
  await withCollector(async (collector, socketPath) => {
    // This process's clock reads 5 s; an event 1 ms later must land ~1 ms after its connection.
    const client = await connectClient(socketPath);
    const before = collector.nowNs();
    await client.send(helloFrame(SECRET, 600, { platform: 'darwin', clockNs: 5e9 }));
    await client.send([['run', 5e9 + 1e6, 600]]);
    await client.end();
    const after = collector.nowNs();
    const trace = collector.trace();
    assert.equal(trace.meta.clock, 'estimated');
    const p = trace.processes[0];
    assert.ok(p.startNs! >= before && p.startNs! <= after, `${before} <= ${p.startNs} <= ${after}`);
    assert.equal(p.runBeginNs! - p.startNs!, 1e6);
  });
});

test('the recorder gives the main process its role and exit code, even one stopped before its hello', async () => {
  await withCollector(async (collector, socketPath) => {
    const t0 = now();
    // A main process (pid 500) stopped before its first flush; its child (501) had connected.
    await runProcess(socketPath, 501, [[['run', t0, 501]]]);
    await collector.whenIdle(5000);
    collector.setMainExit(500, -15);
    // A main process that said hello and its own exit code keeps them.
    await runProcess(socketPath, 600, [[['runend', t0, 600, 3, null, null]]], true);
    await collector.whenIdle(5000);
    collector.setMainExit(600, -15);
    const byPid = new Map(collector.trace().processes.map((p) => [p.pid, p]));
    assert.deepEqual(
      [500, 501, 600].map((pid) => [byPid.get(pid)?.role, byPid.get(pid)?.exitCode]),
      [
        ['main', -15],
        ['process', null],
        ['main', 3],
      ],
    );
  });
});
