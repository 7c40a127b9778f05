/**
 * The trace file (`.pptrace`): the `Trace` object as JSON, optionally gzip-compressed (a name ending in
 * `.gz` is written compressed; reading detects gzip by its magic bytes). Format and versioning rules:
 * docs/trace-format.md.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { TRACE_FORMAT, TRACE_VERSION, type Trace } from '../model/trace';
import { assertTraceShape, TraceShapeError } from './validate';

export const TRACE_FILE_EXTENSION = '.pptrace';

/** Why a trace file could not be read or written; the message names the file and says what is wrong. */
export class TraceFileError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'TraceFileError';
  }
}

function encode(file: string, trace: Trace): Buffer {
  const json = Buffer.from(JSON.stringify(trace), 'utf8');
  return file.endsWith('.gz') ? zlib.gzipSync(json) : json;
}

/**
 * Writes `trace` to `file` atomically: into a temporary file in the same directory, flushed to disk,
 * then renamed over `file`. A crash at any point leaves either the old file or the new one, never half.
 */
export function writeTraceFile(file: string, trace: Trace): void {
  const target = path.resolve(file);
  const dir = path.dirname(target);
  const temp = path.join(
    dir,
    `.${path.basename(target)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`,
  );
  let fd: number | null = null;
  try {
    const data = encode(file, trace);
    fd = fs.openSync(temp, 'wx', 0o644);
    for (let offset = 0; offset < data.length;) {
      offset += fs.writeSync(fd, data, offset);
    }
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    fs.renameSync(temp, target);
  } catch (error) {
    if (fd !== null) fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw new TraceFileError(file, `cannot write: ${(error as Error).message}`);
  }
  syncDirectory(dir);
}

/** Makes the rename itself durable; not possible everywhere (some filesystems refuse), so best effort. */
function syncDirectory(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // The file itself is complete and renamed; only durability across a power cut is weaker.
  }
}

function isGzip(data: Buffer): boolean {
  return data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b;
}

function decode(file: string, data: Buffer): string {
  if (!isGzip(data)) return data.toString('utf8');
  try {
    return zlib.gunzipSync(data).toString('utf8');
  } catch (error) {
    const truncated = (error as NodeJS.ErrnoException).code === 'Z_BUF_ERROR';
    throw new TraceFileError(
      file,
      truncated ? 'truncated (the compressed data ends early)' : 'corrupt gzip data',
    );
  }
}

/** JSON that stops early reports an error at (or past) its last character. */
function looksTruncated(text: string, error: Error): boolean {
  if (/end of JSON input|Unterminated/.test(error.message)) return true;
  const position = /position (\d+)/.exec(error.message);
  return position !== null && Number(position[1]) >= text.trimEnd().length;
}

function parse(file: string, text: string): unknown {
  if (text.trim() === '') throw new TraceFileError(file, 'empty file, not a trace');
  try {
    return JSON.parse(text);
  } catch (error) {
    if (text.trimStart().startsWith('{') && looksTruncated(text, error as Error)) {
      throw new TraceFileError(file, 'truncated (the JSON ends early); the file is incomplete');
    }
    throw new TraceFileError(file, `not a trace file (not JSON: ${(error as Error).message})`);
  }
}

/** Reads and validates a trace file; every problem is a `TraceFileError` saying what is wrong. */
export function readTraceFile(file: string): Trace {
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new TraceFileError(file, 'no such file');
    if (code === 'EISDIR') throw new TraceFileError(file, 'is a directory, not a trace file');
    throw new TraceFileError(file, `cannot read: ${(error as Error).message}`);
  }
  const value = parse(file, decode(file, data));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TraceFileError(file, 'not a parallel-profiler trace (not a JSON object)');
  }
  const { format, version } = value as { format?: unknown; version?: unknown };
  if (format !== TRACE_FORMAT) {
    throw new TraceFileError(
      file,
      `not a parallel-profiler trace (format is ${JSON.stringify(format) ?? 'missing'}, expected "${TRACE_FORMAT}")`,
    );
  }
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new TraceFileError(file, `invalid trace version ${JSON.stringify(version) ?? 'missing'}`);
  }
  if (version > TRACE_VERSION) {
    throw new TraceFileError(
      file,
      `trace format version ${version} is newer than this parallel-profiler supports ` +
        `(up to version ${TRACE_VERSION}); update parallel-profiler to read it`,
    );
  }
  try {
    assertTraceShape(value);
  } catch (error) {
    if (error instanceof TraceShapeError) {
      throw new TraceFileError(file, `invalid trace: ${error.message}`);
    }
    throw error;
  }
  return value;
}
