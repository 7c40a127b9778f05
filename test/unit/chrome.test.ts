import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toChromeTrace, type ChromeEvent } from '../../src/export/chrome';
import { sampleTrace } from './tracefile-sample';
import { validateChromeTrace } from './chrome-validate';

const exported = () => toChromeTrace(sampleTrace()).traceEvents;
const named = (events: ChromeEvent[], ph: string, name: string) =>
  events.filter((e) => e.ph === ph && e.name === name);

test('the export of the sample trace passes the format validator', () => {
  const chrome = toChromeTrace(sampleTrace());
  assert.deepEqual(validateChromeTrace(JSON.parse(JSON.stringify(chrome))), []);
  assert.equal(chrome.displayTimeUnit, 'ns');
});

test('the validator catches broken nesting, unpaired flows, bad counters and missing metadata', () => {
  const x = (ts: number, dur: number, extra = {}) => ({
    name: 's',
    ph: 'X',
    pid: 1,
    tid: 1,
    ts,
    dur,
    ...extra,
  });
  const names = [
    { name: 'process_name', ph: 'M', pid: 1, args: { name: 'p' } },
    { name: 'thread_name', ph: 'M', pid: 1, tid: 1, args: { name: 't' } },
  ];
  const problems = validateChromeTrace({
    traceEvents: [
      ...names,
      x(0, 10),
      x(5, 10),
      x(20, 1, { bind_id: 7, flow_out: true }),
      x(30, 1, { bind_id: 8, flow_in: true }),
      { name: 'depth', ph: 'C', pid: 1, ts: 1, args: { depth: 'two' } },
      { name: 'exit', ph: 'i', pid: 2, tid: 2, ts: 3, s: 'p' },
    ],
  });
  assert.deepEqual(problems, [
    'traceEvents[6]: counter value not numeric',
    'track 1:1: "s" overlaps "s" without nesting',
    'flow id 7 has no finish',
    'flow id 8 has no start',
    'pid 2 has no process_name',
    'track 2:2 has no thread_name',
  ]);
});

test('tasks, waits and manager calls are slices in microseconds on their thread', () => {
  const events = exported();
  const squares = named(events, 'X', 'square');
  assert.deepEqual(
    squares.map((e) => [e.pid, e.tid, e.ts, e.dur]),
    [
      [101, 101, 10_000, 20_000],
      [102, 102, 12_000, 28_000],
    ],
  );
  const [cube] = named(events, 'X', 'cube');
  assert.deepEqual(cube.args?.error, { type: 'ValueError', message: 'bad <input> "x"' });
  assert.equal(named(events, 'X', 'list.append')[0].pid, 101);
  assert.equal(named(events, 'X', 'wait queue-get')[0].dur, 3000);
});

test('a partially overlapping slice moves to an overlap track of the same process', () => {
  const events = exported();
  const [result] = named(events, 'X', 'wait result');
  const [join] = named(events, 'X', 'wait join');
  assert.equal(result.tid, 100);
  assert.equal(join.pid, 100);
  assert.notEqual(join.tid, 100);
  const laneName = named(events, 'M', 'thread_name').find((e) => e.tid === join.tid);
  assert.equal(laneName?.args?.name, 'MainThread (overlap 1)');
});

test('received messages are flows from the put slice to the get slice; depth counters follow', () => {
  const events = exported();
  const flows = events.filter((e) => e.bind_id !== undefined);
  const pairs = new Map<number, ChromeEvent[]>();
  for (const e of flows) pairs.set(e.bind_id!, [...(pairs.get(e.bind_id!) ?? []), e]);
  assert.equal(pairs.size, 3); // message 2 was never received
  const [put, get] = pairs.get(1)!.sort((a) => (a.flow_out ? -1 : 1));
  assert.deepEqual([put.name, put.pid, put.tid, put.ts], ['put Queue', 100, 150, 50_000]);
  assert.deepEqual(
    [get.name, get.pid, get.tid, get.ts, get.dur],
    ['get Queue', 101, 101, 52_000, 3000],
  );
  assert.equal(named(events, 'X', 'put Queue').length, 2);
  const depth = named(events, 'C', 'Queue q1 depth').map((e) => [e.ts, e.args?.depth]);
  assert.deepEqual(depth, [
    [50_000, 1],
    [55_000, 0],
    [56_000, 1],
  ]);
});

test('cores are tracks of a CPUs process holding the thread mostly on each core', () => {
  const events = exported();
  const [cpus] = named(events, 'M', 'process_name').filter((e) => e.args?.name === 'CPUs');
  assert.equal(cpus.pid, 103);
  const coreSlices = events
    .filter((e) => e.ph === 'X' && e.pid === cpus.pid)
    .map((e) => [e.tid, e.name, e.ts, e.dur, e.args?.onCpuPercent]);
  assert.deepEqual(coreSlices, [
    [0, 'Worker-101 101', 10_000, 20_000, 100],
    [1, 'Worker-102 102', 10_000, 20_000, 100],
  ]);
  const cpuNames = named(events, 'M', 'thread_name').filter((e) => e.pid === cpus.pid);
  assert.deepEqual(
    cpuNames.map((e) => e.args?.name),
    ['CPU 0', 'CPU 1'],
  );
});

test('spawns are instants in the parent, exits instants in the process', () => {
  const events = exported().filter((e) => e.ph === 'i');
  assert.deepEqual(
    events.map((e) => [e.name, e.pid, e.ts]),
    [
      ['exit 0', 100, 100_000],
      ['spawn Worker-101', 100, 1000],
      ['exit 0', 101, 91_000],
      ['spawn Worker-102', 100, 1000],
      ['exit -9', 102, 80_000],
    ],
  );
  const main = named(exported(), 'M', 'process_sort_index').find((e) => e.pid === 100);
  assert.equal(main?.args?.sort_index, 0);
});

test('threads sharing a core: each stretch goes to the thread with the larger on-CPU share', () => {
  const trace = sampleTrace();
  const MS = 1e6;
  const sample = (ts: number, tid: number, runNs: number) => ({
    ts,
    pid: tid,
    tid,
    cpu: 0,
    state: 'R',
    runNs,
    waitNs: 0,
  });
  // 101 runs flat out over [0, 10] ms; 102 half of [5, 15] ms; 100 a quarter of [12, 20] ms.
  trace.cores.samples = [
    sample(0, 101, 0),
    sample(10 * MS, 101, 10 * MS),
    sample(5 * MS, 102, 0),
    sample(15 * MS, 102, 5 * MS),
    sample(12 * MS, 100, 0),
    sample(20 * MS, 100, 2 * MS),
  ];
  const chrome = toChromeTrace(trace);
  assert.deepEqual(validateChromeTrace(JSON.parse(JSON.stringify(chrome))), []);
  const core = chrome.traceEvents
    .filter((e) => e.ph === 'X' && e.cat === 'cpu')
    .map((e) => [e.args?.tid, e.ts, e.dur, e.args?.onCpuPercent]);
  assert.deepEqual(core, [
    [101, 0, 10_000, 100],
    [102, 10_000, 5000, 50],
    [100, 15_000, 5000, 25],
  ]);
});
