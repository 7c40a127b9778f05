/**
 * Binary batches of wire protocol 3 (docs/wire-protocol.md, "Binary batches and templates"): the
 * byte 0x01, then records, each a little-endian u32 id and its body. Id 0 is a JSON record (an
 * event or a template definition), any other id a record of that template: its int64 values, put
 * into a copy of the template's event. Decoding yields the same event arrays as a JSON batch would,
 * and the builder validates them alike; no JSON is parsed for a template record.
 */

/** The first byte of a binary batch frame (JSON never begins with it). */
export const BINARY_BATCH = 0x01;
/** The id of a JSON record. */
export const JSON_RECORD = 0;
export const MAX_TEMPLATES_PER_CONNECTION = 65_536;
/** The longest event a template may describe. */
export const MAX_TEMPLATE_FIELDS = 64;
const MAX_TEMPLATE_ID = 0xffff_ffff;
const TWO_TO_32 = 2 ** 32;

interface Template {
  /** The event with null where a value goes, copied for each record. */
  event: unknown[];
  /** The positions of the record's values in `event`, increasing. */
  slots: number[];
}

/** The templates one connection defined, by id: they apply to its later records only. */
export class TemplateTable {
  private readonly byId = new Map<number, Template>();

  get(id: number): Template | undefined {
    return this.byId.get(id);
  }

  /** Adds (or replaces) the template a JSON record defines; false if it breaks the rules. */
  define(definition: unknown): boolean {
    if (typeof definition !== 'object' || definition === null) return false;
    const { template: id, event, slots } = definition as Record<string, unknown>;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 1 || id > MAX_TEMPLATE_ID) {
      return false;
    }
    if (!Array.isArray(event) || event.length > MAX_TEMPLATE_FIELDS) return false;
    if (!Array.isArray(slots) || !slotsFit(slots, event)) return false;
    if (!this.byId.has(id) && this.byId.size >= MAX_TEMPLATES_PER_CONNECTION) return false;
    this.byId.set(id, { event, slots: slots as number[] });
    return true;
  }
}

/** Whether `slots` are increasing integers, each naming a null of `event` after its type. */
function slotsFit(slots: unknown[], event: unknown[]): boolean {
  let previous = 0;
  for (const slot of slots) {
    if (typeof slot !== 'number' || !Number.isInteger(slot)) return false;
    if (slot <= previous || slot >= event.length || event[slot] !== null) return false;
    previous = slot;
  }
  return true;
}

/** Where rejected records are counted (the trace builder). */
export interface Rejections {
  reject(reason: string): void;
}

/**
 * The events of a binary batch `frame`, in record order; definitions are applied to `templates` as
 * they come. A record that cannot be read ends the decoding: the events before it are returned.
 */
export function decodeBinaryBatch(
  frame: Buffer,
  templates: TemplateTable,
  rejections: Rejections,
): unknown[] {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const end = frame.byteLength;
  const events: unknown[] = [];
  let offset = 1;
  while (offset < end) {
    if (end - offset < 4) return badRecord(events, rejections);
    const id = view.getUint32(offset, true);
    offset += 4;
    if (id === JSON_RECORD) {
      offset = readJsonRecord(frame, view, offset, events, templates, rejections);
      if (offset < 0) return badRecord(events, rejections);
      continue;
    }
    const template = templates.get(id);
    if (template === undefined) return badRecord(events, rejections);
    const slots = template.slots;
    if (end - offset < slots.length * 8) return badRecord(events, rejections);
    const event = template.event.slice();
    for (let j = 0; j < slots.length; j++, offset += 8) {
      event[slots[j]] = readInt64(view, offset);
    }
    events.push(event);
  }
  return events;
}

/**
 * The int64 LE at `offset`, from its signed high half and unsigned low half: exact up to 2^53, as
 * JSON numbers. Small ones are computed without floating point: unoptimized code would make them
 * heap numbers, and one of those reaching an array or field of the model makes V8 box every
 * number stored there from then on (as JSON.parse never does).
 */
function readInt64(view: DataView, offset: number): number {
  const high = view.getInt32(offset + 4, true);
  const low = view.getUint32(offset, true);
  if (high === 0) return low;
  if (high === -1 && low >= 2 ** 31) return low | 0;
  return high * TWO_TO_32 + low;
}

function badRecord(events: unknown[], rejections: Rejections): unknown[] {
  rejections.reject('bad-record');
  return events;
}

/**
 * Reads the JSON record whose length is at `offset`: an event goes to `events`, a definition to
 * `templates`. Returns the offset after it, or -1 if it runs past the end of the frame.
 */
function readJsonRecord(
  frame: Buffer,
  view: DataView,
  offset: number,
  events: unknown[],
  templates: TemplateTable,
  rejections: Rejections,
): number {
  if (frame.byteLength - offset < 4) return -1;
  const length = view.getUint32(offset, true);
  const start = offset + 4;
  if (frame.byteLength - start < length) return -1;
  let value: unknown;
  try {
    value = JSON.parse(frame.toString('utf8', start, start + length));
  } catch {
    rejections.reject('malformed-json');
    return start + length;
  }
  if (Array.isArray(value)) events.push(value);
  else if (!templates.define(value)) rejections.reject('bad-template');
  return start + length;
}
