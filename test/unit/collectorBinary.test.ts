/**
 * Binary batches (wire protocol 3): template records and JSON records decode to the events a JSON
 * batch holds, templates belong to their connection and apply from their definition on, and every
 * broken definition or record is rejected with its reason, the rest kept.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBinaryBatch, TemplateTable } from '../../src/collector/binaryBatch';
import { Collector } from '../../src/collector/collector';
import {
  BinaryBatch,
  binaryBatchOf,
  RUNTIME_TEMPLATE_SLOTS,
  connectClient,
  helloFrame,
} from '../../src/collector/wireClient';
import type { TemplateDefinition, WireClient } from '../../src/collector/wireClient';
import type { Trace } from '../../src/model/trace';

const SECRET = 'feedfacefeedfacefeedfacefeedface';

/**
 * Runs `traffic` against a fresh collector; `t(ns)` is a runtime time `ns` after the collector's
 * clock base (plus 1 ms), so that traces of different collectors compare equal.
 */
async function recordTrace(
  traffic: (
    connect: (pid: number) => Promise<WireClient>,
    t: (ns: number) => number,
  ) => Promise<void>,
): Promise<Trace> {
  const collector = new Collector({ secret: SECRET });
  const socketPath = await collector.listen();
  const t = (ns: number) => Number(collector.clockBaseNs) + 1e6 + ns;
  const connect = async (pid: number) => {
    const client = await connectClient(socketPath);
    await client.send(helloFrame(SECRET, pid, { clockNs: t(0) }));
    return client;
  };
  try {
    await traffic(connect, t);
    await collector.whenIdle(5000);
    return collector.trace();
  } finally {
    await collector.close();
  }
}

/** The trace without what depends on when it was recorded. */
function comparable(trace: Trace): unknown {
  const { startedAtIso: _, clockBaseNs: __, wallNs: ___, ...meta } = trace.meta;
  return JSON.parse(JSON.stringify({ ...trace, meta })) as unknown;
}

const fn = ['square', 'app', '/app.py', 4];

/** A process's events of every kind, including a receive of unknown size (a null value). */
function events(t: (ns: number) => number): unknown[][] {
  const poolTask = ['pool', '100:1', 0, 0, 1, ...fn];
  // The halves of the task's messages that its submit carries (the task sent, the result
  // received) and that its task event carries (the task received, the result sent).
  const submitHalves = [t(41), t(42), 7, 5, 102, t(60), t(61), t(62), 8, 20, '100:2'];
  const taskHalves = [t(43), t(44), t(45), 7, t(56), t(57), 8, '100:2'];
  return [
    ['chan', t(1), 100, 'q', 'queue', 'q', 9, 9, '<module>', 'app', '/app.py', 3],
    ['chan', t(2), 100, '100:1', 'pool-tasks', 'tasks', 7, 7, null, null, null, null],
    ['chan', t(3), 100, '100:2', 'pool-results', 'results', 8, 8, null, null, null, null],
    ['send', t(10), 100, t(11), 9, 12, t(9), 'q'],
    ['send', t(12), 100, t(13), 9, 14, t(12), 'q'],
    ['recv', t(20), 101, t(21), 9, 12, t(19), null],
    ['recv', t(22), 101, t(23), 9, null, t(22), null],
    ['wait', t(30), 100, t(31), 'queue-get', 'q', null, true],
    ['mcall', t(32), 100, t(33), 'dict', 'get', true],
    ['submit', t(40), 100, ...poolTask, ...submitHalves],
    ['task', t(50), 101, t(55), ...poolTask, 5, 20, true, null, null, ...taskHalves],
    // A child pid above 2^32 and a negative exit code, both template values.
    ['exit', t(70), 100, 2 ** 32 + 7, -9],
  ];
}

/** Template slots per event type: the runtime's, and an exit event's integers. */
const SLOTS = { ...RUNTIME_TEMPLATE_SLOTS, exit: [1, 2, 3, 4] };

/** `events` as binary batches of `size` events, templates defined at their first use. */
function binaryBatches(all: unknown[][], size: number): BinaryBatch[] {
  const defined = new Map<string, TemplateDefinition>();
  const batches: BinaryBatch[] = [];
  for (let first = 0; first < all.length; first += size) {
    batches.push(binaryBatchOf(all.slice(first, first + size), SLOTS, defined));
  }
  return batches;
}

test('binary batches build the same trace as the equivalent JSON batches', async () => {
  const viaJson = await recordTrace(async (connect, t) => {
    const client = await connect(100);
    await client.send(events(t));
    await client.send({ t: 'bye', ts: t(80) });
    await client.end();
  });
  // Templates defined in the first frame are used in the later ones.
  const viaBinary = await recordTrace(async (connect, t) => {
    const client = await connect(100);
    for (const batch of binaryBatches(events(t), 5)) await client.sendBatch(batch);
    await client.send({ t: 'bye', ts: t(80) });
    await client.end();
  });
  assert.equal(viaBinary.counts.total, events((ns) => ns).length);
  assert.deepEqual(viaBinary.counts.rejectedReasons, {});
  assert.deepEqual(
    viaBinary.messages.map((m) => [m.channel, m.bytes, m.recvTid]),
    [
      ['q', 12, 101],
      ['q', 14, 101],
      ['100:1', 5, 101],
      ['100:2', 20, 102],
    ],
  );
  assert.equal(viaBinary.tasks[0].submitPid, 100);
  assert.equal(viaBinary.processes.find((p) => p.pid === 2 ** 32 + 7)?.exitCode, -9);
  assert.deepEqual(comparable(viaBinary), comparable(viaJson));
});

test('JSON records and template records keep their order; a definition replaces one of its id', async () => {
  const trace = await recordTrace(async (connect, t) => {
    const client = await connect(100);
    const lockWait = (objectId: string) => ['wait', null, null, null, 'lock', objectId, null, true];
    await client.sendBatch(
      new BinaryBatch()
        .define({ template: 1, event: lockWait('A'), slots: [1, 2, 3] })
        .record(1, [t(1), 100, t(2)])
        .json(['join', t(3), 100, t(4), 101, true])
        .record(1, [t(5), 100, t(6)])
        .define({ template: 1, event: lockWait('B'), slots: [1, 2, 3] })
        .json(['wait', t(7), 100, t(8), 'lock', 'C', null, false])
        .record(1, [t(9), 100, t(10)]),
    );
    await client.sendBatch(new BinaryBatch().record(1, [t(11), 100, t(12)]));
    await client.end();
  });
  assert.deepEqual(
    trace.waits.map((w) => [w.kind, w.objectId, w.endNs - w.startNs]),
    [
      ['lock', 'A', 1],
      ['join', null, 1],
      ['lock', 'A', 1],
      ['lock', 'C', 1],
      ['lock', 'B', 1],
      ['lock', 'B', 1],
    ],
  );
  assert.equal(trace.counts.rejected, 0);
});

const lostTemplate = (id: number) => ({
  template: id,
  event: ['lost', null, null, null],
  slots: [1, 2, 3],
});

test("a template belongs to its connection: another connection's record of it is a bad-record", async () => {
  const trace = await recordTrace(async (connect, t) => {
    const first = await connect(100);
    await first.sendBatch(new BinaryBatch().define(lostTemplate(1)).record(1, [t(1), 100, 1]));
    const second = await connect(200);
    await second.sendBatch(new BinaryBatch().record(1, [t(2), 200, 10]));
    await second.sendBatch(new BinaryBatch().define(lostTemplate(1)).record(1, [t(3), 200, 100]));
    await first.sendBatch(new BinaryBatch().record(1, [t(4), 100, 1000]));
    await first.end();
    await second.end();
  });
  assert.equal(trace.counts.lost, 1101);
  assert.deepEqual(trace.counts.rejectedReasons, { 'bad-record': 1 });
});

test('a record of an unknown template ends its frame: the events before it kept, later frames read', async () => {
  const trace = await recordTrace(async (connect, t) => {
    const client = await connect(100);
    await client.sendBatch(
      new BinaryBatch()
        .define(lostTemplate(1))
        .record(1, [t(1), 100, 1])
        .json(['lost', t(2), 100, 10])
        .record(2, [t(3), 100, 100])
        .record(1, [t(4), 100, 1000]),
    );
    await client.sendBatch(new BinaryBatch().record(1, [t(5), 100, 10_000]));
    await client.end();
  });
  assert.equal(trace.counts.lost, 10_011);
  assert.equal(trace.counts.total, 3);
  assert.deepEqual(trace.counts.rejectedReasons, { 'bad-record': 1 });
});

test('a record running past the end of its frame is a bad-record, the events before it kept', async () => {
  const cutShort = [
    // Fewer values than the template has slots.
    (batch: BinaryBatch) => batch.record(1, [0, 100]),
    // Half an id.
    (batch: BinaryBatch) => batch.raw(Buffer.of(1, 0)),
    // A JSON record without its length, and one longer than what follows.
    (batch: BinaryBatch) => batch.u32(0),
    (batch: BinaryBatch) => batch.u32(0).u32(100).raw(Buffer.from('["lost"')),
  ];
  const trace = await recordTrace(async (connect, t) => {
    const client = await connect(100);
    await client.sendBatch(new BinaryBatch().define(lostTemplate(1)));
    for (const cut of cutShort) {
      await client.sendBatch(cut(new BinaryBatch().record(1, [t(1), 100, 1])));
    }
    await client.sendBatch(new BinaryBatch().record(1, [t(2), 100, 100]));
    await client.end();
  });
  assert.equal(trace.counts.lost, 104);
  assert.deepEqual(trace.counts.rejectedReasons, { 'bad-record': 4 });
});

test('every definition that breaks the rules is a bad-template; the template it would replace stays', async () => {
  const valid = lostTemplate(1);
  const broken: unknown[] = [
    5,
    'template',
    null,
    {},
    { ...valid, template: 0 },
    { ...valid, template: -1 },
    { ...valid, template: 1.5 },
    { ...valid, template: '1' },
    { ...valid, template: 2 ** 32 },
    { ...valid, template: undefined },
    { ...valid, event: 'lost' },
    { ...valid, event: undefined },
    { ...valid, event: ['lost', ...Array<null>(64).fill(null)] },
    { ...valid, slots: undefined },
    { ...valid, slots: '1,2,3' },
    { ...valid, slots: [0, 1, 2] },
    { ...valid, slots: [1, 2, 4] },
    { ...valid, slots: [1, 3, 2] },
    { ...valid, slots: [1, 2, 2] },
    { ...valid, slots: [1, 2, 2.5] },
    { ...valid, slots: [1, 2, '3'] },
    { ...valid, event: ['lost', null, null, 7] },
  ];
  const trace = await recordTrace(async (connect, t) => {
    const client = await connect(100);
    const batch = new BinaryBatch().define(valid);
    for (const definition of broken) batch.json(definition);
    await client.sendBatch(batch.record(1, [t(1), 100, 1]));
    // A template of 64 fields is fine, and one without values.
    const longest = ['lost', null, null, null, ...Array<string>(60).fill('x')];
    await client.sendBatch(
      new BinaryBatch()
        .define({ template: 2 ** 32 - 1, event: longest, slots: [1, 2, 3] })
        .record(2 ** 32 - 1, [t(2), 100, 10])
        .define({ template: 3, event: ['lost', t(3), 100, 100], slots: [] })
        .record(3, []),
    );
    await client.end();
  });
  assert.deepEqual(trace.counts.rejectedReasons, { 'bad-template': broken.length });
  assert.equal(trace.counts.lost, 111);
});

test('a JSON record that does not parse is a malformed-json, skipped alone', async () => {
  const trace = await recordTrace(async (connect, t) => {
    const client = await connect(100);
    await client.sendBatch(
      new BinaryBatch()
        .json(['lost', t(1), 100, 1])
        .jsonText('["lost", 2, ')
        .jsonText('')
        .json(['lost', t(2), 100, 10])
        .json(['lost', t(3), 'not a tid', 100]),
    );
    await client.end();
  });
  assert.deepEqual(trace.counts.rejectedReasons, { 'malformed-json': 2, 'bad-event': 1 });
  assert.equal(trace.counts.lost, 11);
});

test('int64 values: negative, above 2^32, up to 2^53 exactly', () => {
  const values = [0, 1, -1, 2 ** 31, -(2 ** 31) - 1, 2 ** 32, 2 ** 32 + 1, -(2 ** 32) - 1].concat([
    Number.MAX_SAFE_INTEGER,
    Number.MIN_SAFE_INTEGER,
    1.7e12 + 123,
  ]);
  const event = ['x', ...values.map(() => null), 'end'];
  const slots = values.map((_, i) => i + 1);
  const negated = values.map((v) => 0 - v); // (not -0)
  const payload = new BinaryBatch()
    .define({ template: 9, event, slots })
    .record(9, values)
    .record(9, negated)
    .payload();
  const rejected: string[] = [];
  const decoded = decodeBinaryBatch(payload, new TemplateTable(), {
    reject: (reason) => rejected.push(reason),
  });
  assert.deepEqual(rejected, []);
  assert.deepEqual(decoded, [
    ['x', ...values, 'end'],
    ['x', ...negated, 'end'],
  ]);
  // Past 2^53, a value reads as the nearest double, as JSON.parse would: the builder rejects it.
  const big = new BinaryBatch().define({ template: 1, event: ['x', null], slots: [1] }).payload();
  const bytes = Buffer.concat([big, Buffer.of(1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0x20, 0)]);
  assert.deepEqual(decodeBinaryBatch(bytes, new TemplateTable(), { reject: () => {} }), [
    ['x', JSON.parse('9007199254740993')],
  ]);
});

test('a connection holds at most 65,536 templates; redefining one of them is still fine', async () => {
  const trace = await recordTrace(async (connect, t) => {
    const client = await connect(100);
    // Two frames: all the definitions are over the 4 MiB a frame may hold.
    for (let first = 1; first <= 65_536; first += 32_768) {
      const batch = new BinaryBatch();
      for (let id = first; id < first + 32_768; id++) batch.define(lostTemplate(id));
      await client.sendBatch(batch);
    }
    await client.sendBatch(
      new BinaryBatch()
        .define(lostTemplate(65_537))
        .define(lostTemplate(7))
        .record(65_536, [t(1), 100, 1])
        .record(7, [t(2), 100, 10])
        .record(65_537, [t(3), 100, 100]),
    );
    const other = await connect(200);
    await other.sendBatch(
      new BinaryBatch().define(lostTemplate(65_537)).record(65_537, [t(4), 200, 1000]),
    );
    await other.end();
    await client.end();
  });
  assert.deepEqual(trace.counts.rejectedReasons, { 'bad-template': 1, 'bad-record': 1 });
  assert.equal(trace.counts.lost, 1011);
});
