import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startRecording } from '../../src/recorder/record';
import type { Recording } from '../../src/recorder/record';
import { version } from '../../package.json';

const linux = process.platform === 'linux';

// Unbuffered, print() writes a line and its newline apart, so the lines of concurrent children
// interleave and the tests below could not parse them (test/runtime/record-run.ts does the same).
delete process.env.PYTHONUNBUFFERED;

const scriptDirs: string[] = [];
after(() => {
  for (const dir of scriptDirs) fs.rmSync(dir, { recursive: true, force: true });
});

function script(name: string, code: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-rec-'));
  scriptDirs.push(dir);
  const file = path.join(dir, name);
  fs.writeFileSync(file, code);
  return file;
}

/** A process that exists and has not exited (a zombie has exited). */
function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    return !/^\S+ \(.*\) [ZX] /s.test(stat);
  } catch {
    return false;
  }
}

async function stdoutOf(recording: Recording): Promise<string> {
  let out = '';
  recording.child.stdout!.on('data', (chunk) => (out += chunk));
  await new Promise((resolve) => recording.child.stdout!.once('close', resolve));
  return out;
}

const POOL_AND_QUEUE = `
import multiprocessing as mp, sys

def square(n):
    return n * n

def produce(q, n):
    for i in range(n):
        q.put(i)

if __name__ == '__main__':
    q = mp.Queue()
    producers = [mp.Process(target=produce, args=(q, 5)) for _ in range(2)]
    for p in producers:
        p.start()
    got = sorted(q.get() for _ in range(10))
    for p in producers:
        p.join()
    with mp.Pool(2) as pool:
        squares = pool.map(square, range(8), chunksize=2)
    print(sum(got), sum(squares), sys.stdin.readline().strip())
    sys.exit(3)
`;

for (const ingest of ['live', 'deferred'] as const) {
  test(
    `records a real run end to end, ${ingest}: processes, messages, tasks, cores, meta`,
    { skip: !linux },
    async () => {
      const file = script('pool_queue.py', POOL_AND_QUEUE);
      const recording = await startRecording({
        python: 'python3',
        script: file,
        args: ['--flag'],
        cwd: path.dirname(file),
        stdio: 'pipe',
        ingest,
      });
      const socketPath = recording.collector.address!;
      assert.ok(fs.existsSync(socketPath));
      recording.child.stdin!.end('typed input\n');
      const [out, trace] = await Promise.all([stdoutOf(recording), recording.done]);
      assert.equal(out.trim(), '20 140 typed input');

      assert.equal(trace.meta.exitCode, 3);
      assert.equal(trace.meta.endReason, 'exited');
      assert.deepEqual(trace.meta.command, ['python3', file, '--flag']);
      assert.equal(trace.meta.cwd, path.dirname(file));
      assert.equal(trace.meta.script, file);
      assert.equal(trace.meta.profilerVersion, version);
      assert.equal(trace.meta.clock, 'shared');
      assert.ok(trace.meta.wallNs > 0);
      assert.match(trace.meta.python!.version, /^3\./);

      const main = trace.processes.find((p) => p.pid === recording.pid)!;
      assert.equal(main.role, 'main');
      assert.equal(main.exitCode, 3);
      const producers = trace.processes.filter((p) => p.target?.name === 'produce');
      assert.equal(producers.length, 2);
      assert.ok(producers.every((p) => p.parentPid === recording.pid && p.exitCode === 0));
      assert.ok(producers.every((p) => p.connection === 'bye'));
      assert.equal(trace.processes.filter((p) => p.role === 'pool-worker').length, 2);

      // The ten queue items: sent by the producers, each received by the main process.
      const queueMessages = trace.messages.filter((m) =>
        producers.some((p) => p.pid === m.sendPid),
      );
      assert.equal(queueMessages.length, 10);
      assert.ok(queueMessages.every((m) => m.recvPid === recording.pid && m.recvNs! >= m.sendNs));

      const squares = trace.tasks.filter((t) => t.fn.name === 'square');
      assert.equal(squares.length, 4);
      assert.ok(squares.every((t) => t.submitPid === recording.pid && t.items === 2 && t.ok));

      assert.equal(trace.cores.available, true);
      assert.ok(trace.cores.samples.some((s) => s.pid === recording.pid));
      assert.equal(trace.counts.rejected, 0);
      assert.equal(
        fs.existsSync(path.dirname(socketPath)),
        false,
        'no socket directory left behind',
      );
    },
  );
}

const TREE = `
import multiprocessing as mp, os, subprocess, sys, time

def sleeper(spawn_grandchild):
    if spawn_grandchild:
        child = subprocess.Popen(['sleep', '600'])
        print('grandchild', child.pid, flush=True)
    time.sleep(600)

def orphan_maker():
    orphan = mp.Process(target=sleeper, args=(False,))
    orphan.start()
    print('orphan', orphan.pid, flush=True)
    os._exit(0)

if __name__ == '__main__':
    children = [mp.Process(target=sleeper, args=(i == 0,), daemon=(i == 1)) for i in range(3)]
    children.append(mp.Process(target=orphan_maker))
    for c in children:
        c.start()
        print('child', c.pid, flush=True)
    time.sleep(600)
`;

test('stop() ends the whole tree: untraced grandchildren, orphans', { skip: !linux }, async () => {
  const file = script('tree.py', TREE);
  const recording = await startRecording({ python: 'python3', script: file, stdio: 'pipe' });
  const socketDir = path.dirname(recording.collector.address!);
  const pids = [recording.pid];
  let out = '';
  await new Promise<void>((resolve) => {
    recording.child.stdout!.on('data', (chunk) => {
      out += chunk;
      if ((out.match(/\n/g) ?? []).length === 6) resolve();
    });
  });
  for (const [, pid] of out.matchAll(/(\d+)\n/g)) pids.push(Number(pid));
  const orphan = Number(/orphan (\d+)/.exec(out)![1]);
  const middle = Number(
    out
      .split('\n')
      .filter((l) => l.startsWith('child '))[3]
      .split(' ')[1],
  );
  // The orphan was re-parented when its parent exited: only its connection links it to the run.
  while (alive(middle) || !recording.collector.connectedPids().includes(orphan)) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.ok(pids.filter((pid) => pid !== middle).every(alive), 'the tree is running');

  await recording.stop();
  const trace = await recording.done;
  assert.deepEqual(pids.filter(alive), [], 'no process of the tree is left');
  assert.equal(trace.meta.endReason, 'stopped');
  assert.equal(trace.meta.signal, 'SIGTERM');
  assert.equal(fs.existsSync(socketDir), false);
});

test(
  'a missing script: the run fails with Python’s message and exit code',
  { skip: !linux },
  async () => {
    const recording = await startRecording({
      python: 'python3',
      script: path.join(os.tmpdir(), 'does-not-exist-pp.py'),
      stdio: 'pipe',
    });
    let err = '';
    recording.child.stderr!.on('data', (chunk) => (err += chunk));
    const trace = await recording.done;
    assert.equal(trace.meta.exitCode, 2);
    assert.match(err, /No such file or directory/);
  },
);

test('bad options are refused before anything starts', async () => {
  await assert.rejects(startRecording({ python: 'python3' }), /either a script or a module/);
  await assert.rejects(startRecording({ python: '/no/such/python', script: 'x.py' }), /not found/);
});
