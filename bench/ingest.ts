/**
 * Ingest speed of the collector: a separate writer process streams batches of realistic events
 * (queue sends/receives, waits, tasks and their submits, manager calls) over 4 real connections,
 * as the runtime sends them (since wire protocol 3): binary batches holding the frequent events as
 * template records, the others as JSON records. This process runs the collector and measures its
 * own CPU time until every connection closed and a final trace (with message matching) is built.
 *
 * Printed next to floors measured on the same events: JSON.parse of them as JSON frames (what a
 * collector of protocol 2 paid for parsing alone), decoding them as binary batches (what this
 * collector pays for it), and either of these plus allocating the model objects the final trace
 * must hold (no validation, no matching): the floor of any collector that builds this Trace shape
 * from such frames, which on a loaded machine is set by garbage collection.
 *
 * Usage: npm run bench:ingest [-- <events, default 2000000>]
 */
import { spawn } from 'child_process';
import type { ManagerCall, Message, TaskSpan, WaitSpan } from '../src/model/trace';
import { decodeBinaryBatch, TemplateTable } from '../src/collector/binaryBatch';
import { Collector } from '../src/collector/collector';
import { encodeFrame } from '../src/collector/framing';
import type { TemplateDefinition } from '../src/collector/wireClient';
import {
  binaryBatchOf,
  connectClient,
  helloFrame,
  RUNTIME_TEMPLATE_SLOTS,
} from '../src/collector/wireClient';

const SECRET = 'be9c4ba1be9c4ba1be9c4ba1be9c4ba1';
const CONNECTIONS = 4;
const BATCH = 512;

/** Batch `b` of connection `c`: what a busy worker process sends. Timestamps increase. */
function batch(c: number, b: number): unknown[][] {
  const pid = 1000 + c;
  const events: unknown[][] = [];
  let ts = 1e12 + b * BATCH * 1000;
  for (let i = 0; i < BATCH; i++, ts += 1000) {
    const n = b * BATCH + i;
    switch (i % 10) {
      case 0:
      case 1:
      case 2:
        events.push(['send', ts, pid, ts + 400, 10 + c, 120, ts - 300, `q${c}`]);
        break;
      case 3:
      case 4:
      case 5:
        events.push(['recv', ts, pid, ts + 500, 10 + ((c + 1) % CONNECTIONS), 120, ts - 200, null]);
        break;
      case 6:
        events.push(['wait', ts, pid, ts + 900, 'queue-get', `q${c}`, null, true]);
        break;
      case 7:
        // A Pool submit carries its task message's send and its result's receive (since protocol 2).
        events.push([
          'submit',
          ts,
          pid,
          'pool',
          'p1',
          n,
          c,
          4,
          'work',
          'app',
          '/app.py',
          12,
          ts + 10,
          ts + 60,
          100 + c,
          64,
          pid + 2,
          ts + 700,
          ts + 710,
          ts + 760,
          200 + c,
          32,
          'r1',
        ]);
        break;
      case 8:
        events.push([
          'task',
          ts,
          pid + 1,
          ts + 800,
          'pool',
          'p1',
          n - 1,
          c,
          4,
          'work',
          'app',
          '/app.py',
          12,
          64,
          32,
          true,
          null,
          null,
          // the task message's receive and its result's send
          ts - 300,
          ts - 200,
          ts - 100,
          100 + c,
          ts + 790,
          ts + 795,
          200 + c,
          'r1',
        ]);
        break;
      default:
        events.push(['mcall', ts, pid, ts + 700, 'dict', 'get', true]);
    }
  }
  return events;
}

async function writer(socketPath: string, events: number): Promise<void> {
  const batches = Math.ceil(events / BATCH / CONNECTIONS);
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, c) => {
      const client = await connectClient(socketPath);
      await client.send(helloFrame(SECRET, 1000 + c));
      const templates = new Map<string, TemplateDefinition>();
      for (let b = 0; b < batches; b++) {
        if (
          !client.socket.write(
            binaryBatchOf(batch(c, b), RUNTIME_TEMPLATE_SLOTS, templates).frame(),
          )
        ) {
          await new Promise((resolve) => client.socket.once('drain', resolve));
        }
      }
      await client.send({ t: 'bye', ts: 2e12 });
      await client.end();
    }),
  );
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

const BENCH_BATCHES = 200;

/** The same batches as the JSON payloads of protocol 2, and as binary batches of one connection. */
function benchFrames(): { json: Buffer[]; binary: Buffer[] } {
  const batches = Array.from({ length: BENCH_BATCHES }, (_, b) => batch(0, b));
  const templates = new Map<string, TemplateDefinition>();
  return {
    json: batches.map((events) => encodeFrame(events).subarray(4)),
    binary: batches.map((events) =>
      binaryBatchOf(events, RUNTIME_TEMPLATE_SLOTS, templates).payload(),
    ),
  };
}

/** Events of a frame, by one way of reading it. */
type Decode = (frame: Buffer) => unknown[][];

const parseJson: Decode = (frame) => JSON.parse(frame.toString('utf8')) as unknown[][];

/** Decodes binary batches in order, as one connection's (its first one defines the templates). */
function binaryDecoder(): Decode {
  const templates = new TemplateTable();
  const rejections = {
    reject(reason: string) {
      throw new Error(`bench frame rejected: ${reason}`);
    },
  };
  return (frame) => decodeBinaryBatch(frame, templates, rejections) as unknown[][];
}

function decodeOnlyRate(frames: Buffer[], decode: Decode): number {
  const start = process.cpuUsage();
  let events = 0;
  for (let round = 0; round < 5; round++) {
    for (const frame of frames) events += decode(frame).length;
  }
  return events / (cpuMs(start) / 1000);
}

function message(id: number, channel: string, bytes: number, tid: number, ts: number): Message {
  return {
    id,
    channel,
    bytes,
    sendPid: 1,
    sendTid: tid,
    putNs: ts - 5e12,
    sendNs: ts - 5e12,
    recvPid: 2,
    recvTid: 2,
    getNs: ts - 4e12,
    recvNs: ts - 4e12,
  };
}

/**
 * The model objects the trace keeps for an event: a Message per send (also the one a Pool submit
 * carries; a task's is added by the caller), a WaitSpan, a TaskSpan, a ManagerCall.
 */
function modelObject(e: unknown[], id: number): Message | WaitSpan | TaskSpan | ManagerCall | null {
  const [type, ts, tid, end] = e as [string, number, number, number];
  const [pid, startNs, endNs] = [1, ts - 5e12, end - 5e12];
  switch (type) {
    case 'send':
      return message(id, e[7] as string, e[5] as number, tid, ts);
    case 'submit':
      return message(id, e[4] as string, e[15] as number, tid, e[12] as number);
    case 'wait':
      return {
        pid,
        tid,
        kind: 'queue-get',
        startNs,
        endNs,
        objectId: e[5] as string,
        targetPid: null,
        ok: true,
      };
    case 'mcall':
      return { pid, tid, startNs, endNs, typeid: e[4] as string, method: e[5] as string, ok: true };
    case 'task':
      return {
        id,
        kind: 'pool',
        fn: { name: 'work', module: 'app', file: '/app.py', line: 12 },
        pid,
        tid,
        startNs,
        endNs,
        submitNs: ts - 6e12,
        submitPid: 1,
        job: e[6] as number,
        index: e[7] as number,
        items: 4,
        argBytes: 64,
        resultBytes: 32,
        ok: true,
        error: null,
      };
    default:
      return null;
  }
}

function decodeAndModelRate(frames: Buffer[], decode: Decode): number {
  const kept: unknown[] = [];
  const start = process.cpuUsage();
  let events = 0;
  for (let round = 0; round < 5; round++) {
    for (const frame of frames) {
      for (const event of decode(frame)) {
        const object = modelObject(event, events++);
        if (object) kept.push(object);
        if (event[0] === 'task') kept.push(message(events, 'r1', 32, 1, event[22] as number));
      }
    }
  }
  return events / (cpuMs(start) / 1000);
}

async function main(): Promise<void> {
  if (process.argv[2] === '--writer') {
    return writer(process.argv[3], Number(process.argv[4]));
  }
  const events = Number(process.argv[2] ?? 2_000_000);
  // Measured first, so that neither floor pays for marking the collector's trace.
  const frames = benchFrames();
  const parseRate = decodeOnlyRate(frames.json, parseJson);
  const decodeRate = decodeOnlyRate(frames.binary, binaryDecoder());
  const parseModelRate = decodeAndModelRate(frames.json, parseJson);
  const decodeModelRate = decodeAndModelRate(frames.binary, binaryDecoder());
  const collector = new Collector({ secret: SECRET });
  const socketPath = await collector.listen();
  const child = spawn(process.execPath, [__filename, '--writer', socketPath, String(events)], {
    stdio: 'inherit',
  });
  let started: { cpu: NodeJS.CpuUsage; wall: bigint } | null = null;
  const stopWatching = collector.onDidChange(() => {
    started ??= { cpu: process.cpuUsage(), wall: process.hrtime.bigint() };
  });
  await new Promise((resolve) => child.once('exit', resolve));
  await collector.whenIdle(60_000);
  stopWatching();
  const trace = collector.trace();
  const ingestCpuMs = cpuMs(started!.cpu);
  const wallMs = Number(process.hrtime.bigint() - started!.wall) / 1e6;
  await collector.close();

  const ingested = trace.counts.total;
  const rate = ingested / (ingestCpuMs / 1000);
  const matched = trace.messages.filter((m) => m.recvPid !== null).length;
  console.log(`events ingested:      ${ingested} (rejected ${trace.counts.rejected})`);
  console.log(`messages / matched:   ${trace.messages.length} / ${matched}`);
  console.log(`tasks with submit:    ${trace.tasks.filter((t) => t.submitNs !== null).length}`);
  console.log(`collector CPU:        ${ingestCpuMs.toFixed(0)} ms (wall ${wallMs.toFixed(0)} ms)`);
  console.log(`ingest:               ${(rate / 1e6).toFixed(2)} M events/s of collector CPU`);
  const floor = (name: string, floorRate: number) =>
    console.log(`${name.padEnd(40)} ${(floorRate / 1e6).toFixed(2)} M events/s`);
  floor('JSON.parse alone (protocol 2 frames):', parseRate);
  floor('binary decode alone (protocol 3 frames):', decodeRate);
  floor('JSON.parse + model objects alone:', parseModelRate);
  floor('binary decode + model objects alone:', decodeModelRate);
  console.log(`ingest / decode + model ratio: ${(rate / decodeModelRate).toFixed(2)}`);
  console.log(`target >= 1 M events/s: ${rate >= 1e6 ? 'met' : 'NOT met'}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
