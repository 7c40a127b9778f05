import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import * as os from 'node:os';
import { CoreSampler, coreAvailability } from '../../src/collector/sampler';
import { coreSlices } from '../../src/model/cores';
import type { CoreSample } from '../../src/model/trace';

const linux = process.platform === 'linux';

/** Starts Python running `code`; resolves once it printed its first line (it is up). */
async function python(code: string): Promise<ChildProcess> {
  const child = spawn('python3', ['-c', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve) => child.stdout!.once('data', resolve));
  return child;
}

function collect(intervalMs = 5) {
  const samples: CoreSample[] = [];
  const sampler = new CoreSampler({
    intervalMs,
    clockBaseNs: process.hrtime.bigint(),
    onSamples: (batch) => samples.push(...batch),
  });
  return { sampler, samples };
}

/** Samples by hand until `enough` holds (no timing assumptions: a busy machine just takes longer). */
async function sampleUntil(sampler: CoreSampler, enough: () => boolean): Promise<void> {
  while (!enough()) {
    sampler.sampleOnce();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test('core availability: Linux with /proc, reason otherwise', () => {
  const here = coreAvailability();
  assert.equal(here.available, linux);
  assert.equal(here.cpuCount, os.cpus().length);
  const missing = coreAvailability('/nonexistent-proc');
  assert.equal(missing.available, false);
  assert.match(missing.reason!, /\/proc/);
});

test(
  'a busy child is seen running on a core, with growing run time',
  { skip: !linux },
  async () => {
    const busy = await python('import sys\nprint(1, flush=True)\nwhile True: pass');
    const { sampler, samples } = collect();
    try {
      sampler.track(busy.pid!);
      let onCpu = 0;
      await sampleUntil(sampler, () => {
        onCpu = coreSlices({
          available: true,
          reason: null,
          cpuCount: os.cpus().length,
          intervalMs: 5,
          samples,
        }).reduce((sum, slice) => sum + slice.onCpuNs, 0);
        return onCpu > 20e6;
      });
    } finally {
      busy.kill('SIGKILL');
      sampler.stop();
    }
    const mine = samples.filter((s) => s.pid === busy.pid);
    assert.ok(mine.length >= 2);
    assert.ok(mine.some((s) => s.state === 'R'));
    assert.ok(mine.every((s) => s.cpu >= 0 && s.cpu < os.cpus().length && s.tid === busy.pid));
    for (let i = 1; i < mine.length; i++) {
      assert.ok(mine[i].ts > mine[i - 1].ts);
      assert.ok(mine[i].runNs! >= mine[i - 1].runNs!);
    }
  },
);

test(
  'threads are found, idle readings are not stored, a vanished process is dropped',
  { skip: !linux },
  async () => {
    // Two threads: the main one sleeps, the second spins.
    const child = await python(
      'import threading, time\n' +
        'def spin():\n    while True: pass\n' +
        'threading.Thread(target=spin, daemon=True).start()\n' +
        'print(threading.get_native_id(), flush=True)\n' +
        'time.sleep(600)',
    );
    const { sampler, samples } = collect();
    const tids = () => new Set(samples.filter((s) => s.pid === child.pid).map((s) => s.tid));
    try {
      sampler.track(child.pid!);
      await sampleUntil(sampler, () => tids().size === 2 && samples.length > 40);
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      sampler.sampleOnce();
      const before = samples.length;
      sampler.sampleOnce();
      assert.equal(samples.length, before, 'nothing more is read from a process that is gone');
    } finally {
      child.kill('SIGKILL');
      sampler.stop();
    }
    const mainThread = samples.filter((s) => s.tid === child.pid);
    const spinner = samples.filter((s) => s.tid !== child.pid);
    // The sleeping main thread changes (almost) never: far fewer stored readings than the spinner.
    assert.ok(mainThread.length < spinner.length / 2, `${mainThread.length} vs ${spinner.length}`);
    assert.ok(spinner.some((s) => s.state === 'R'));
  },
);

test(
  'a thread started after tracking is found by its thread count, and one that replaces another too',
  { skip: !linux, timeout: 30_000 },
  async () => {
    // The main thread waits for a line on stdin before each new thread: first one spinner, then a
    // second spinner that starts as the first one ends (the count stays the same).
    const child = spawn(
      'python3',
      [
        '-c',
        'import sys, threading, time\n' +
          'def spin(stop):\n    while not stop.is_set(): pass\n' +
          'print(1, flush=True)\n' +
          'sys.stdin.readline()\n' +
          'first = threading.Event(); a = threading.Thread(target=spin, args=(first,)); a.start()\n' +
          'print(a.native_id, flush=True)\n' +
          'sys.stdin.readline()\n' +
          'first.set(); a.join()\n' +
          'b = threading.Thread(target=spin, args=(threading.Event(),), daemon=True); b.start()\n' +
          'print(b.native_id, flush=True)\n' +
          'time.sleep(600)',
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    // Printed tids, from complete lines only (a line may arrive in two chunks).
    let out = '';
    let lines: number[] = [];
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      lines = out.split('\n').slice(0, -1).map(Number);
    });
    const { sampler, samples } = collect();
    const seen = (tid: number) => samples.some((s) => s.pid === child.pid && s.tid === tid);
    try {
      await sampleUntil(sampler, () => lines.length >= 1);
      sampler.track(child.pid!);
      child.stdin!.write('\n');
      await sampleUntil(sampler, () => lines.length >= 2 && seen(lines[1]));
      child.stdin!.write('\n');
      await sampleUntil(sampler, () => lines.length >= 3 && seen(lines[2]));
    } finally {
      child.kill('SIGKILL');
      sampler.stop();
    }
    assert.ok(seen(lines[1]) && seen(lines[2]));
  },
);

test('the stat of a thread that slept since its last reading is not read again', () => {
  // A /proc of regular files: re-read at offset 0 like the real one, and written by the test.
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-proc-'));
  const dir = path.join(root, '7', 'task', '7');
  fs.mkdirSync(dir, { recursive: true });
  const stat = (state: string, cpu: number) =>
    fs.writeFileSync(
      path.join(dir, 'stat'),
      `7 (a (b) c) ${state} ${Array.from({ length: 35 }, () => '0').join(' ')} ${cpu} 0 0\n`,
    );
  const schedstat = (runNs: number, waitNs: number) =>
    fs.writeFileSync(path.join(dir, 'schedstat'), `${runNs} ${waitNs} 1\n`);
  const samples: CoreSample[] = [];
  const sampler = new CoreSampler({
    intervalMs: 5,
    clockBaseNs: process.hrtime.bigint(),
    onSamples: (batch) => samples.push(...batch),
    procRoot: root,
  });
  const last = () => samples[samples.length - 1];
  try {
    stat('S', 1);
    schedstat(100, 10);
    sampler.track(7);
    sampler.sampleOnce();
    assert.deepEqual([last().state, last().cpu], ['S', 1]);
    stat('D', 0); // schedstat unchanged: slept all along, stat not read
    sampler.sampleOnce();
    schedstat(200, 10); // it ran: stat read
    sampler.sampleOnce();
    assert.deepEqual([last().state, last().cpu, last().runNs], ['D', 0, 200]);
    stat('R', 1);
    schedstat(300, 10);
    sampler.sampleOnce();
    stat('S', 0); // was running at the last reading: stat read even though schedstat is unchanged
    sampler.sampleOnce();
    assert.deepEqual([last().state, last().cpu, last().runNs], ['S', 0, 300]);
    // The second reading, unchanged (S on core 1, not the D on core 0 its stat said), was held
    // back and stored before the third.
    assert.equal(samples.map((s) => s.state).join(''), 'SSDRS');
  } finally {
    sampler.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
});
