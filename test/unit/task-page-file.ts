import * as fs from 'node:fs';
import { SPILL_BYTES, TASK_PAGE_BYTES } from '../../src/collector/taskPage';

/**
 * A page's header as the runtime's task_page.py writes it (state, spilled, 10 int64s, constants'
 * length, JSON), nothing spilled.
 */
export function page(running: boolean, values: (number | null)[], constants: string): Buffer {
  const buffer = Buffer.alloc(TASK_PAGE_BYTES);
  buffer.writeUInt32LE(running ? 1 : 0, 0);
  values.forEach((v, i) => buffer.writeBigInt64LE(BigInt(v ?? -1), 8 + 8 * i));
  const json = Buffer.from(constants);
  buffer.writeUInt32LE(json.length, 88);
  json.copy(buffer, 96);
  return buffer;
}

/**
 * Writes a page as the runtime maps it: `header`, then `spill` in its spill region (the header's
 * `spilled` set to its length), the file as long as the whole region.
 */
export function writePage(file: string, header: Buffer, spill: Buffer = Buffer.alloc(0)): void {
  const copy = Buffer.from(header);
  copy.writeUInt32LE(spill.length, 4);
  fs.writeFileSync(file, Buffer.concat([copy, spill]));
  fs.truncateSync(file, TASK_PAGE_BYTES + SPILL_BYTES);
}

export const constants = JSON.stringify(['pool', '7:1', 'slow', 'app', '/app.py', 12]);
export const values = [1000, 7, 3, 0, 1, 45, 900, 950, 990, 555];
