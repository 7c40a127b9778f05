/**
 * The spill region of a Pool worker's task page (docs/wire-protocol.md, "Spill region"): the
 * events the worker moved there and had not sent are built in once, as a binary batch of its
 * connection ahead of its unfinished task, in live and deferred ingest alike.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { Collector } from '../../src/collector/collector';
import type { IngestMode } from '../../src/collector/collector';
import { prefixFrame } from '../../src/collector/framing';
import {
  BinaryBatch,
  RUNTIME_TEMPLATE_SLOTS,
  binaryBatchOf,
  connectClient,
  helloFrame,
  templateOf,
} from '../../src/collector/wireClient';
import type { TemplateDefinition, WireClient } from '../../src/collector/wireClient';
import type { Trace } from '../../src/model/trace';
import { UNFINISHED_TASK } from '../../src/model/trace';
import { constants, page, writePage } from './task-page-file';

const SECRET = 'abad1deaabad1deaabad1deaabad1dea';
const PID = 31;

interface Worker {
  client: WireClient;
  /** A runtime time `ns` after the collector's clock base (plus 1 ms). */
  t: (ns: number) => number;
  /** The connection's templates so far, as binaryBatchOf keeps them. */
  defined: Map<string, TemplateDefinition>;
  /** The events' records as a binary batch holds them after its 0x01. */
  records: (events: unknown[][]) => Buffer;
  /** Writes the worker's page: running task `index` (or none), and `spill`. */
  writePage: (index: number | null, spill: Buffer) => void;
}

/** Runs `worker` as a Pool worker of a fresh collector, closes its connection, returns the trace. */
async function recordWorker(ingest: IngestMode, worker: (w: Worker) => Promise<void>) {
  const collector = new Collector({ secret: SECRET, ingest });
  const socketPath = await collector.listen();
  const t = (ns: number) => Number(collector.clockBaseNs) + 1e6 + ns;
  const defined = new Map<string, TemplateDefinition>();
  try {
    const client = await connectClient(socketPath);
    await client.send(helloFrame(SECRET, PID, { clockNs: t(0), role: 'pool-worker' }));
    await worker({
      client,
      t,
      defined,
      records: (events) =>
        binaryBatchOf(events, RUNTIME_TEMPLATE_SLOTS, defined).payload().subarray(1),
      writePage: (index, spill) => {
        const values = [t(500), PID, 4, index ?? -1, 1, 64, null, null, null, null];
        const file = path.join(path.dirname(socketPath), `t${PID}`);
        writePage(file, page(index !== null, values, constants), spill);
      },
    });
    await client.end();
    await collector.whenIdle(5000);
    return collector.trace();
  } finally {
    await collector.close();
  }
}

/** A binary batch of these records. */
const batchOf = (...records: Buffer[]) => prefixFrame(Buffer.concat([Buffer.of(1), ...records]));

/** The task event of Pool chunk `index` of job 4, run from ts to ts + 5, both its messages known. */
function taskEvent(t: (ns: number) => number, index: number, ts: number): unknown[] {
  const fn = ['slow', 'app', '/app.py', 12];
  const received = [t(ts - 3), t(ts - 2), t(ts - 1), 7];
  const resultSent = [t(ts + 6), t(ts + 7), 8, '7:2'];
  return [
    'task',
    t(ts),
    PID,
    t(ts + 5),
    'pool',
    '7:1',
    4,
    index,
    1,
    ...fn,
    64,
    20,
    true,
    null,
    null,
    ...received,
    ...resultSent,
  ];
}

const lost = (t: (ns: number) => number, ts: number, count: number) => ['lost', t(ts), PID, count];

const tasksOf = (trace: Trace) =>
  trace.tasks.map((task) => [task.index, task.ok, task.error?.type ?? null]);

for (const ingest of ['live', 'deferred'] as const) {
  test(`${ingest}: a spill not sent yet is built in once, ahead of the unfinished task`, async () => {
    const trace = await recordWorker(ingest, async (w) => {
      await w.client.sendRaw(batchOf(w.records([lost(w.t, 1, 1), taskEvent(w.t, 0, 10)])));
      // Moved to the spill as task 1's result was written, then killed while running task 2.
      w.writePage(2, w.records([lost(w.t, 20, 10), taskEvent(w.t, 1, 30)]));
    });
    assert.equal(trace.counts.lost, 11);
    assert.deepEqual(tasksOf(trace), [
      [0, true, null],
      [1, true, null],
      [2, false, UNFINISHED_TASK],
    ]);
    assert.deepEqual(trace.counts.rejectedReasons, {});
  });

  test(`${ingest}: a spill the last binary batch began with was sent already: not built in twice`, async () => {
    const trace = await recordWorker(ingest, async (w) => {
      await w.client.sendRaw(batchOf(w.records([lost(w.t, 1, 1)])));
      const spill = w.records([lost(w.t, 20, 10), taskEvent(w.t, 0, 30)]);
      // A flush sent the spill and the buffer's records, and the worker was killed before it
      // reset `spilled`.
      await w.client.sendRaw(batchOf(spill, w.records([lost(w.t, 40, 100)])));
      w.writePage(null, spill);
    });
    assert.equal(trace.counts.lost, 111);
    assert.deepEqual(tasksOf(trace), [[0, true, null]]);
    // A spill that is the whole of the last batch, too.
    const whole = await recordWorker(ingest, async (w) => {
      const spill = w.records([lost(w.t, 20, 10), taskEvent(w.t, 0, 30)]);
      await w.client.sendRaw(batchOf(spill));
      w.writePage(1, spill);
    });
    assert.equal(whole.counts.lost, 10);
    assert.deepEqual(tasksOf(whole), [
      [0, true, null],
      [1, false, UNFINISHED_TASK],
    ]);
  });

  test(`${ingest}: a spill is read with the templates its connection defined before`, async () => {
    const trace = await recordWorker(ingest, async (w) => {
      await w.client.sendRaw(batchOf(w.records([taskEvent(w.t, 0, 10)])));
      const spill = w.records([taskEvent(w.t, 1, 30)]);
      assert.equal(spill.readUInt32LE(0), 1, 'a record of the template defined before');
      w.writePage(null, spill);
    });
    assert.deepEqual(tasksOf(trace), [
      [0, true, null],
      [1, true, null],
    ]);
    assert.equal(trace.tasks[1].endNs, 1e6 + 35);
    assert.deepEqual(trace.counts.rejectedReasons, {});
  });

  test(`${ingest}: a bad record in a spill is a bad-record; the events before it and the unfinished task are kept`, async () => {
    const lostTemplate = templateOf(1, ['lost', 0, 0, 0], [1, 2, 3]);
    const trace = await recordWorker(ingest, async (w) => {
      await w.client.sendBatch(new BinaryBatch().define(lostTemplate).record(1, [w.t(1), PID, 1]));
      const spill = new BinaryBatch()
        .record(1, [w.t(2), PID, 10])
        .record(9, [w.t(3), PID, 100])
        .record(1, [w.t(4), PID, 1000]);
      w.writePage(0, spill.payload().subarray(1));
    });
    assert.equal(trace.counts.lost, 11);
    assert.deepEqual(trace.counts.rejectedReasons, { 'bad-record': 1 });
    assert.deepEqual(tasksOf(trace), [[0, false, UNFINISHED_TASK]]);
  });
}
