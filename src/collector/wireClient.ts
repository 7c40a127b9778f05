/**
 * A minimal runtime-side client of the wire protocol, for tests and benchmarks that drive the
 * collector over a real socket without Python: connect, send frames (JSON, binary batches or raw
 * bytes), close.
 */
import * as net from 'net';
import { BINARY_BATCH, JSON_RECORD } from './binaryBatch';
import { encodeFrame, prefixFrame } from './framing';
import { PROTOCOL_VERSION } from './schema';

export interface WireClient {
  socket: net.Socket;
  /** Sends a JSON frame. */
  send(value: unknown): Promise<void>;
  sendBatch(batch: BinaryBatch): Promise<void>;
  sendRaw(bytes: Buffer): Promise<void>;
  /** Half-closes after everything is written and resolves when the collector has closed too. */
  end(): Promise<void>;
  /** Resolves when the socket is closed from either side. */
  closed: Promise<void>;
}

export async function connectClient(socketPath: string): Promise<WireClient> {
  const socket = net.createConnection(socketPath);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => socket.destroy());
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const sendRaw = (bytes: Buffer) =>
    new Promise<void>((resolve) => {
      if (socket.destroyed) return resolve();
      socket.write(bytes, () => resolve());
    });
  return {
    socket,
    send: (value) => sendRaw(encodeFrame(value)),
    sendBatch: (batch) => sendRaw(batch.frame()),
    sendRaw,
    end: () => {
      socket.end();
      return closed;
    },
    closed,
  };
}

/** A valid hello for `pid` (fields as the runtime sends them), with overrides. */
export function helloFrame(
  secret: string,
  pid: number,
  fields: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    t: 'hello',
    v: PROTOCOL_VERSION,
    secret,
    pid,
    ppid: 1,
    mpParentPid: null,
    name: fields.main ? 'MainProcess' : `Process-${pid}`,
    role: fields.main ? 'main' : 'process',
    startMethod: 'fork',
    python: '3.11.7',
    executable: '/usr/bin/python3',
    platform: process.platform,
    clockNs: Number(process.hrtime.bigint()),
    main: false,
    ...fields,
  };
}

/** A template definition, as a JSON record of a binary batch holds it. */
export interface TemplateDefinition {
  template: number;
  event: unknown[];
  slots: number[];
}

/** The template of events shaped like `example`: values at `slots`, its other fields constants. */
export function templateOf(
  id: number,
  example: readonly unknown[],
  slots: number[],
): TemplateDefinition {
  const event = example.slice();
  for (const slot of slots) event[slot] = null;
  return { template: id, event, slots };
}

const TWO_TO_32 = 2 ** 32;

/** The payload of a binary batch (docs/wire-protocol.md), written record by record. */
export class BinaryBatch {
  private bytes = Buffer.allocUnsafe(4096);
  private length = 0;

  constructor() {
    this.bytes[this.length++] = BINARY_BATCH;
  }

  /** A JSON record holding `value`: an event, a template definition or anything else. */
  json(value: unknown): this {
    return this.jsonText(JSON.stringify(value));
  }

  /** A JSON record holding `text` as it is (which may not parse). */
  jsonText(text: string): this {
    const body = Buffer.from(text, 'utf8');
    return this.u32(JSON_RECORD).u32(body.length).raw(body);
  }

  define(definition: TemplateDefinition): this {
    return this.json(definition);
  }

  /** A record of template `id` with these int64 values (as many as it has slots, or not). */
  record(id: number, values: readonly number[]): this {
    this.u32(id);
    for (const value of values) {
      const high = Math.floor(value / TWO_TO_32);
      this.u32(value - high * TWO_TO_32);
      this.reserve(4);
      this.bytes.writeInt32LE(high, this.length);
      this.length += 4;
    }
    return this;
  }

  /**
   * `event` as a record of `template` when its values are all integers, else as a JSON record (a
   * null value cannot be a record's), as the runtime sends it.
   */
  event(template: TemplateDefinition, event: readonly unknown[]): this {
    const values = template.slots.map((slot) => event[slot]);
    if (values.every((value) => Number.isSafeInteger(value))) {
      return this.record(template.template, values as number[]);
    }
    return this.json(event);
  }

  /** Bytes as they are: a record cut short, say. */
  raw(bytes: Buffer): this {
    this.reserve(bytes.length);
    bytes.copy(this.bytes, this.length);
    this.length += bytes.length;
    return this;
  }

  /** A u32 on its own: an id or a length without the rest of its record, say. */
  u32(value: number): this {
    this.reserve(4);
    this.bytes.writeUInt32LE(value, this.length);
    this.length += 4;
    return this;
  }

  /** The bytes so far (a view of them: valid until the next write). */
  payload(): Buffer {
    return this.bytes.subarray(0, this.length);
  }

  /** The length-prefixed frame. */
  frame(): Buffer {
    return prefixFrame(this.payload());
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.bytes.length) return;
    const larger = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.length + bytes));
    this.bytes.copy(larger, 0, 0, this.length);
    this.bytes = larger;
  }
}

/**
 * The positions of the values of the events the runtime sends as template records: the integers
 * (times, thread id, inodes, sizes, job and index); the strings, booleans and nulls are the
 * template's constants.
 */
export const RUNTIME_TEMPLATE_SLOTS: Readonly<Record<string, number[]>> = {
  send: [1, 2, 3, 4, 5, 6],
  recv: [1, 2, 3, 4, 5, 6],
  wait: [1, 2, 3],
  submit: [1, 2, 5, 6, 7, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21],
  task: [1, 2, 3, 6, 7, 8, 13, 14, 18, 19, 20, 21, 22, 23, 24],
};

/**
 * `events` as the runtime sends them in a binary batch: those of a type in `slotsByType` as records
 * of the template of their type and constants (defined ahead of its first record on the
 * connection, whose templates so far are `defined`, by type and constants), the others as JSON
 * records.
 */
export function binaryBatchOf(
  events: readonly (readonly unknown[])[],
  slotsByType: Readonly<Record<string, number[]>>,
  defined: Map<string, TemplateDefinition>,
): BinaryBatch {
  const batch = new BinaryBatch();
  for (const event of events) {
    const type = event[0] as string;
    if (!Object.hasOwn(slotsByType, type)) {
      batch.json(event);
      continue;
    }
    const shape = templateOf(defined.size + 1, event, slotsByType[type]);
    const constants = JSON.stringify(shape.event);
    let template = defined.get(constants);
    if (!template) {
      template = shape;
      defined.set(constants, template);
      batch.define(template);
    }
    batch.event(template, event);
  }
  return batch;
}
