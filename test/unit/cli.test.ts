import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs, UsageError } from '../../src/cli/options';
import { shellExitCode } from '../../src/cli/record';
import { writeTraceFile } from '../../src/tracefile/tracefile';
import { sampleTrace } from './tracefile-sample';
import { validateChromeTrace } from './chrome-validate';

const CLI = path.join(__dirname, '../../../dist/cli.js');

function cli(...args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function sampleFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-cli-'));
  const file = path.join(dir, 'run.pptrace');
  writeTraceFile(file, sampleTrace());
  return file;
}

const RECORD_SPEC = {
  '-o': { key: 'output', takesValue: true },
  '-m': { key: 'module', takesValue: true },
  '--json': { key: 'json', takesValue: false },
};

test('option parsing stops at the script: its own options are passed through untouched', () => {
  const parsed = parseArgs(['-o', 'a.pptrace', 's.py', '-o', 'x', '--json', '--'], RECORD_SPEC, {
    stopAtPositional: true,
  });
  assert.deepEqual(parsed.options, { output: 'a.pptrace' });
  assert.deepEqual(parsed.rest, ['s.py', '-o', 'x', '--json', '--']);
  const module = parseArgs(['-m', 'pkg.mod', '-o', 'x'], RECORD_SPEC, {
    stopAtPositional: true,
    stopAfter: ['-m'],
  });
  assert.deepEqual([module.options.module, module.rest], ['pkg.mod', ['-o', 'x']]);
  const dashed = parseArgs(['--', '-weird.py', 'a'], RECORD_SPEC, { stopAtPositional: true });
  assert.deepEqual(dashed.rest, ['-weird.py', 'a']);
});

test('option parsing rejects unknown options, missing values and values on flags', () => {
  assert.throws(
    () => parseArgs(['--nope'], RECORD_SPEC),
    new UsageError("unknown option '--nope'"),
  );
  assert.throws(() => parseArgs(['-o'], RECORD_SPEC), /option '-o' needs a value/);
  assert.throws(() => parseArgs(['--json=1'], RECORD_SPEC), /takes no value/);
  const both = parseArgs(['f', '--json', 'g'], RECORD_SPEC);
  assert.deepEqual([both.positionals, both.options.json], [['f', 'g'], true]);
});

test('exit codes follow the shell: the code, or 128 + the signal number', () => {
  const withExit = (exitCode: number | null, signal: string | null) => {
    const trace = sampleTrace();
    trace.meta.exitCode = exitCode;
    trace.meta.signal = signal;
    return shellExitCode(trace);
  };
  assert.equal(withExit(3, null), 3);
  assert.equal(withExit(null, 'SIGKILL'), 137);
  assert.equal(withExit(null, 'SIGTERM'), 143);
  assert.equal(withExit(-2, null), 130);
  assert.equal(withExit(null, null), 1);
});

test('summary prints the text table, or JSON with --json', () => {
  const file = sampleFile();
  const text = cli('summary', file);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^Tasks: 3 \(1 failed\)$/m);
  const json = cli('summary', '--json', file);
  assert.equal(json.code, 0, json.stderr);
  const summary = JSON.parse(json.stdout);
  assert.deepEqual(summary.tasks.byFunction, { square: 5, cube: 1 });
  assert.equal(summary.wallNs, 100e6);
  assert.equal(json.stderr, '');
});

test('export writes valid Chrome trace JSON to a file or stdout, and an HTML report', () => {
  const file = sampleFile();
  const out = path.join(path.dirname(file), 'run.json');
  const written = cli('export', file, '--format', 'chrome', '-o', out);
  assert.equal(written.code, 0, written.stderr);
  const chrome = JSON.parse(fs.readFileSync(out, 'utf8'));
  assert.deepEqual(validateChromeTrace(chrome), []);
  const piped = cli('export', file, '--format=chrome');
  assert.deepEqual(JSON.parse(piped.stdout), chrome);
  const html = path.join(path.dirname(file), 'run.html');
  assert.equal(cli('export', file, '--format', 'html', '-o', html).code, 0);
  assert.match(fs.readFileSync(html, 'utf8'), /^<!DOCTYPE html>/i);
});

test('mistakes are one line on stderr with a non-zero exit', () => {
  const file = sampleFile();
  const cases: [string[], number, RegExp][] = [
    [['frobnicate'], 2, /^parallel-profiler: unknown command 'frobnicate'/],
    [['summary', file, '--color'], 2, /^parallel-profiler: summary: unknown option '--color'/],
    [['summary'], 2, /summary needs a trace FILE/],
    [['summary', '/nonexistent/x.pptrace'], 1, /x\.pptrace: no such file\n$/],
    [['summary', CLI], 1, /not a trace file \(not JSON/],
    [['export', file], 2, /export needs --format chrome\|html/],
    [['export', file, '--format', 'svg'], 2, /export needs --format/],
    [['export', file, '--format', 'chrome', '-o', '/nonexistent/o.json'], 1, /cannot write/],
    [['record', 'x.py'], 2, /record needs -o FILE/],
    [['record', '-o', 'x.pptrace'], 2, /record needs a script to run/],
    [['record', '-o', 'x.pptrace', '--start-method', 'vfork', 'x.py'], 2, /--start-method must/],
    [['record', '-o', 'x.pptrace', '--sample-interval', 'fast', 'x.py'], 2, /--sample-interval/],
    [['record', '-o', os.tmpdir(), CLI], 2, /cannot write the trace: .* is a directory$/m],
    [
      ['record', '-o', 'x.pptrace', '/nonexistent/s.py'],
      2,
      /script not found: \/nonexistent\/s\.py$/m,
    ],
  ];
  for (const [args, code, pattern] of cases) {
    const result = cli(...args);
    assert.equal(result.code, code, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, pattern);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.equal(result.stdout, '');
  }
});

test('--help is available for the CLI and every command', () => {
  for (const args of [
    ['--help'],
    ['record', '--help'],
    ['summary', '-h'],
    ['export', '--help'],
    ['check', '-h'],
  ]) {
    const result = cli(...args);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^usage: parallel-profiler/i);
  }
  assert.equal(cli().code, 2);
});
