/**
 * What browser tests read from a timeline page: the JSON part of `window.__timeline` (see
 * media/src/describe.ts), fixtures recorded by the real CLI, and pixels of screenshots.
 */
import * as fs from 'fs';
import * as path from 'path';
import { inflateSync } from 'zlib';
import type { Page } from 'playwright-core';
import type { Trace } from '../../src/model/trace';

export interface LaneView {
  kind: 'process' | 'core' | 'channel' | 'parallelism' | 'section';
  label: string;
  pid: number | null;
  cpu: number | null;
  channel: string | null;
  total: number;
  visible: boolean;
  bars: number;
  mergedMarks: number;
  mergedEvents: number;
  waitBars: number;
  clientY: number;
}

export interface RangeRowView {
  pid: number;
  label: string;
  busyNs: number;
  percent: number;
  tasks: number;
  bytesOut: number;
  bytesIn: number;
}

export interface TimelineView {
  loaded: boolean;
  live: boolean;
  following: boolean;
  visibleRange: { startNs: number; endNs: number } | null;
  lanes: LaneView[];
  arrowsDrawn: number;
  arrowsHidden: number;
  status: string;
  header: Record<string, string>;
  notices: string[];
  selection: { kind: string; title: string; fields: Record<string, string> } | null;
  range: { startNs: number; endNs: number; rows: RangeRowView[] } | null;
  filter: string;
  filterMatches: number;
}

export function timeline(page: Page): Promise<TimelineView> {
  return page.evaluate('JSON.parse(JSON.stringify(window.__timeline))') as Promise<TimelineView>;
}

export async function taskPoint(page: Page, id: number): Promise<{ x: number; y: number }> {
  const point = (await page.evaluate(`window.__timeline.taskPoint(${id})`)) as {
    x: number;
    y: number;
  } | null;
  if (!point) throw new Error(`task ${id} is not on screen`);
  return point;
}

export function clientX(page: Page, ns: number): Promise<number> {
  return page.evaluate(`window.__timeline.clientX(${ns})`) as Promise<number>;
}

const fixtures = path.join(__dirname, '..', '..', '..', 'test', 'browser', 'fixtures');

/** A trace recorded by `node dist/cli.js record` from one of the examples. */
export function recordedTrace(name: 'pool_example' | 'queue_example' | 'load_imbalance'): Trace {
  return JSON.parse(fs.readFileSync(path.join(fixtures, `${name}.trace`), 'utf8')) as Trace;
}

export const screenshotDir = path.join(__dirname, '..', '..', '..', 'test-results', 'screenshots');

/** Decodes an 8-bit RGB or RGBA, non-interlaced PNG (what Chromium's screenshots are). */
export function decodePng(png: Buffer): {
  width: number;
  height: number;
  pixel(x: number, y: number): [number, number, number];
} {
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  const [depth, colourType, , , interlace] = png.subarray(24, 29);
  if (depth !== 8 || (colourType !== 2 && colourType !== 6) || interlace !== 0) {
    throw new Error(`unsupported PNG: depth ${depth}, colour type ${colourType}`);
  }
  const channels = colourType === 6 ? 4 : 3;
  const chunks: Buffer[] = [];
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    if (png.toString('latin1', at + 4, at + 8) === 'IDAT')
      chunks.push(png.subarray(at + 8, at + 8 + length));
    at += length + 12;
  }
  const raw = inflateSync(Buffer.concat(chunks));
  const stride = width * channels;
  const out = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const value = raw[y * (stride + 1) + 1 + x];
      const a = x >= channels ? out[y * stride + x - channels] : 0;
      const b = y > 0 ? out[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? out[(y - 1) * stride + x - channels] : 0;
      const p = a + b - c;
      const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
      const paeth = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      const predictor = [0, a, b, (a + b) >> 1, paeth][filter];
      out[y * stride + x] = (value + predictor) & 0xff;
    }
  }
  return {
    width,
    height,
    pixel: (x, y) => {
      const at = Math.round(y) * stride + Math.round(x) * channels;
      return [out[at], out[at + 1], out[at + 2]];
    },
  };
}

/** Relative luminance 0..1 of an sRGB pixel (good enough to tell light from dark). */
export function luminance([r, g, b]: [number, number, number]): number {
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}
