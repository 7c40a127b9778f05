import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { readTraceFile, TraceFileError, writeTraceFile } from '../../src/tracefile/tracefile';
import { sampleTrace } from './tracefile-sample';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'pp-tracefile-'));
}

function expectError(file: string, pattern: RegExp): void {
  assert.throws(
    () => readTraceFile(file),
    (error: unknown) => {
      assert.ok(error instanceof TraceFileError, `not a TraceFileError: ${String(error)}`);
      assert.match(error.message, pattern);
      assert.ok(error.message.startsWith(file), error.message);
      return true;
    },
  );
}

test('a trace survives a write/read round trip unchanged, plain and gzip', () => {
  const dir = tempDir();
  for (const name of ['run.pptrace', 'run.pptrace.gz']) {
    const file = path.join(dir, name);
    writeTraceFile(file, sampleTrace());
    assert.deepEqual(readTraceFile(file), sampleTrace());
  }
  const raw = fs.readFileSync(path.join(dir, 'run.pptrace.gz'));
  assert.deepEqual([raw[0], raw[1]], [0x1f, 0x8b]);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['run.pptrace', 'run.pptrace.gz']);
});

test('a failed write keeps the previous file and leaves no temporary file', () => {
  const dir = tempDir();
  const file = path.join(dir, 'run.pptrace');
  writeTraceFile(file, sampleTrace());
  const before = fs.readFileSync(file);
  const broken = sampleTrace() as unknown as { meta: Record<string, unknown> };
  broken.meta.wallNs = 10n; // JSON.stringify throws on a BigInt, midway through the trace.
  assert.throws(() => writeTraceFile(file, broken as never), TraceFileError);
  assert.deepEqual(fs.readFileSync(file), before);
  assert.deepEqual(fs.readdirSync(dir), ['run.pptrace']);
  assert.throws(
    () => writeTraceFile(path.join(dir, 'missing-dir', 'x.pptrace'), sampleTrace()),
    /cannot write/,
  );
});

test('a writer killed mid-write leaves the old file or the new one, never half of one', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'big.pptrace');
  const big = sampleTrace();
  const sample = big.cores.samples[0];
  big.cores.samples = Array.from({ length: 200_000 }, (_, i) => ({ ...sample, ts: i }));
  fs.writeFileSync(path.join(dir, 'trace.json'), JSON.stringify(big));
  const module = path.join(__dirname, '../../src/tracefile/tracefile.js');
  const script =
    `const { writeTraceFile } = require(${JSON.stringify(module)});` +
    `const trace = JSON.parse(require('fs').readFileSync(${JSON.stringify(path.join(dir, 'trace.json'))}));` +
    `process.stdout.write('ready\\n');` +
    `for (;;) writeTraceFile(${JSON.stringify(file)}, trace);`;
  for (const delayMs of [5, 40, 120]) {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    if (fs.existsSync(file)) {
      assert.equal(readTraceFile(file).cores.samples.length, 200_000);
    }
  }
  const leftovers = fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'));
  // A killed writer may leave its temporary file, but the trace itself is always whole.
  for (const temp of leftovers) assert.match(temp, /^\.big\.pptrace\.\d+\.\w+\.tmp$/);
});

test('missing file, directory, empty file and non-JSON are clear errors', () => {
  const dir = tempDir();
  expectError(path.join(dir, 'nope.pptrace'), /no such file/);
  expectError(dir, /is a directory/);
  const empty = path.join(dir, 'empty.pptrace');
  fs.writeFileSync(empty, '');
  expectError(empty, /empty file/);
  const text = path.join(dir, 'text.pptrace');
  fs.writeFileSync(text, 'hello, world\n');
  expectError(text, /not a trace file \(not JSON/);
  const array = path.join(dir, 'array.pptrace');
  fs.writeFileSync(array, '[1, 2]');
  expectError(array, /not a parallel-profiler trace/);
});

test('truncated files, plain and gzip, are reported as truncated', () => {
  const dir = tempDir();
  const full = JSON.stringify(sampleTrace());
  for (const cut of [1, 10, Math.floor(full.length / 2), full.length - 1]) {
    const file = path.join(dir, `cut-${cut}.pptrace`);
    fs.writeFileSync(file, full.slice(0, cut));
    expectError(file, /truncated/);
  }
  const gz = zlib.gzipSync(Buffer.from(full));
  const file = path.join(dir, 'cut.pptrace.gz');
  fs.writeFileSync(file, gz.subarray(0, gz.length - 20));
  expectError(file, /truncated/);
});

test('another format, a newer version and a bad version are refused, naming both versions', () => {
  const dir = tempDir();
  const write = (name: string, value: unknown) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, JSON.stringify(value));
    return file;
  };
  expectError(write('other.pptrace', { traceEvents: [] }), /format is missing, expected/);
  expectError(
    write('newer.pptrace', { ...sampleTrace(), version: 7 }),
    /version 7 is newer than this parallel-profiler supports \(up to version 1\)/,
  );
  expectError(write('zero.pptrace', { ...sampleTrace(), version: 0 }), /invalid trace version 0/);
  expectError(write('text.pptrace', { ...sampleTrace(), version: '1' }), /invalid trace version/);
});

/** Sets (or, for `undefined`, deletes) the field at `keys` in a JSON copy of the sample trace. */
function damaged(keys: (string | number)[], value: unknown): unknown {
  const trace = JSON.parse(JSON.stringify(sampleTrace())) as Record<string | number, unknown>;
  let node = trace;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = keys[keys.length - 1];
  if (value === undefined) delete node[last];
  else node[last] = value;
  return trace;
}

test('optional fields may be absent', () => {
  const file = path.join(tempDir(), 'no-task-done.pptrace');
  fs.writeFileSync(file, JSON.stringify(damaged(['channels', 0, 'taskDone'], undefined)));
  assert.equal(readTraceFile(file).channels[0].taskDone, undefined);
});

test('missing or ill-typed fields are named by their path', () => {
  const dir = tempDir();
  const cases: [(string | number)[], unknown, RegExp][] = [
    [['meta'], undefined, /trace\.meta: missing/],
    [['processes', 1, 'pid'], '101', /trace\.processes\[1\]\.pid: expected a number/],
    [['processes', 0, 'role'], 'boss', /processes\[0\]\.role: expected one of main/],
    [['tasks'], {}, /trace\.tasks: expected an array, got an object/],
    [['tasks', 2, 'fn', 'line'], 'x', /tasks\[2\]\.fn\.line: expected a number/],
    [['meta', 'wallNs'], null, /meta\.wallNs: expected a number, got null/],
    [['counts', 'rejectedReasons', 'x'], 'y', /rejectedReasons\.x: expected a number/],
    [['cores', 'samples', 3, 'cpu'], undefined, /cores\.samples\[3\]\.cpu: missing/],
    [['channels', 0, 'taskDone'], 'x', /channels\[0\]\.taskDone: expected a number/],
  ];
  for (const [keys, value, pattern] of cases) {
    const file = path.join(dir, `${keys.join('-')}.pptrace`);
    fs.writeFileSync(file, JSON.stringify(damaged(keys, value)));
    expectError(file, pattern);
  }
});
