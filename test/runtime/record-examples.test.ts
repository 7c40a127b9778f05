/**
 * Every example recorded through the built CLI: the program's output is unchanged and the summary
 * holds the exact facts of the run. Matrix (to keep the layer near 5 minutes on 2 cores): Python 3.11
 * (`python3`, the default interpreter) under fork, spawn and forkserver with every example; each other
 * interpreter 3.8-3.13 present under one start method (3.8 spawn, 3.9 forkserver, 3.10 fork, 3.12 spawn,
 * 3.13 forkserver) with every example but the CPU-heavy cpu_pool. Two recordings run at a time.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TraceSummary } from '../../src/analysis/summary';
import type { Trace } from '../../src/model/trace';
import { toChromeTrace } from '../../src/export/chrome';
import { readTraceFile } from '../../src/tracefile/tracefile';
import { validateChromeTrace } from '../unit/chrome-validate';
import {
  cli,
  EXAMPLES,
  profilerLines,
  pyenvPythons,
  run,
  summaryJson,
  tempDir,
  type RunResult,
} from './record-run';

type Method = 'fork' | 'spawn' | 'forkserver';

const byRole = (s: TraceSummary, role: string) => s.processes.filter((p) => p.role === role);
const mainPid = (s: TraceSummary) => byRole(s, 'main')[0].pid;
const channel = (s: TraceSummary, kind: string) => {
  const found = s.queues.filter((q) => q.kind === kind);
  assert.equal(found.length, 1, `one ${kind} channel`);
  return found[0];
};

/** The `count` children of `role`, started by the main process, each exiting with one of `exits`. */
function children(s: TraceSummary, role: string, count: number, exits = [0]) {
  const found = byRole(s, role);
  assert.equal(found.length, count, `${count} ${role} processes`);
  for (const p of found) {
    assert.ok(exits.includes(p.exitCode!), `${role} ${p.pid} exit ${p.exitCode}`);
    assert.equal(p.parentPid, mainPid(s));
  }
  return found;
}

/** `with Pool(...)` ends in terminate(): workers still alive then get SIGTERM. */
const POOL_EXITS = [0, -15];

const sortLines = (text: string) => text.split('\n').sort().join('\n');

interface Example {
  /** Output made comparable between two runs (racy order, pids). */
  normalize?: (stdout: string) => string;
  /** Script stderr that a run may or may not produce, removed before comparing. */
  stderrNoise?: RegExp;
  facts: (s: TraceSummary, stdout: string, trace: Trace) => void;
}

const EXAMPLE_FACTS: Record<string, Example> = {
  queue_example: {
    facts: (s) => {
      const q = channel(s, 'queue');
      assert.deepEqual([q.puts, q.gets, q.matched], [5, 5, 5]);
      const [producer, consumer] = children(s, 'process', 2);
      assert.deepEqual(q.byDirection, { [`${producer.pid}->${consumer.pid}`]: 5 });
      assert.equal(s.waits.join.count, 2);
    },
  },
  pool_example: {
    facts: (s) => {
      children(s, 'pool-worker', 4, POOL_EXITS);
      assert.deepEqual(s.tasks.byFunction, { square: 5 });
      assert.equal(s.tasks.failed, 0);
    },
  },
  process_example: {
    normalize: (stdout) => sortLines(stdout.replace(/\d+/g, 'N')),
    facts: (s, stdout) => {
      const workers = children(s, 'process', 2);
      assert.equal(s.waits.join.count, 2);
      const printed = [...stdout.matchAll(/ID: (\d+)/g)].map((m) => Number(m[1])).sort();
      assert.deepEqual(printed, workers.map((w) => w.pid).sort());
    },
  },
  pipe_example: {
    facts: (s) => {
      const [child] = children(s, 'process', 1);
      const pipe = channel(s, 'pipe');
      assert.deepEqual([pipe.puts, pipe.gets, pipe.matched], [7, 7, 7]);
      // Three words and the None that ends the child one way, three answers the other way.
      assert.deepEqual(pipe.byDirection, {
        [`${mainPid(s)}->${child.pid}`]: 4,
        [`${child.pid}->${mainPid(s)}`]: 3,
      });
    },
  },
  manager_example: {
    facts: (s) => {
      assert.equal(byRole(s, 'manager').length, 1);
      children(s, 'process', 3);
      assert.equal(s.managerCalls.byMethod['list.append'], 3);
      assert.equal(s.managerCalls.byMethod['dict.__setitem__'], 3);
    },
  },
  executor_example: {
    facts: (s) => {
      children(s, 'executor-worker', 2);
      assert.deepEqual(s.tasks, { count: 8, failed: 0, unfinished: 0, byFunction: { cube: 8 } });
    },
  },
  joinable_queue_example: {
    // Under spawn/forkserver a daemon worker may still be unpickling its arguments when the main
    // process exits and unlinks the queue's semaphores: it dies with this traceback, or is
    // terminated as a daemon while printing it (its frames only, at the end), plain or profiled.
    stderrNoise:
      /Traceback \(most recent call last\):\n(?:[^]*?spawn_main[^]*?FileNotFoundError: .*\n|(?: {2}.*\n)*(?: {2}.*)?$)/g,
    facts: (s) => {
      const q = channel(s, 'joinable-queue');
      assert.deepEqual([q.puts, q.gets, q.matched, q.taskDone], [10, 10, 10, 10]);
      const workers = byRole(s, 'process');
      assert.equal(workers.length, 2);
      // Daemon workers are terminated by multiprocessing at exit (or died starting, see above).
      for (const w of workers) {
        assert.equal(w.daemon, true);
        assert.ok([-15, 1].includes(w.exitCode!), `daemon exit ${w.exitCode}`);
      }
      assert.equal(s.waits['queue-join'].count, 1);
    },
  },
  value_array_example: {
    facts: (s, _stdout, trace) => {
      const workers = children(s, 'process', 4).map((w) => w.pid);
      assert.equal(s.waits.join.count, 4);
      // Only contended acquisitions are waits, so their number varies: all are on the one Value lock.
      const locks = trace.waits.filter((w) => w.kind === 'lock');
      assert.ok(
        locks.every((w) => workers.includes(w.pid) && w.ok),
        'lock waits in the workers',
      );
      assert.ok(new Set(locks.map((w) => w.objectId)).size <= 1, 'one lock');
    },
  },
  barrier_event_example: {
    // Children print at the same moment: their lines may even interleave mid-line.
    normalize: (stdout) => [...stdout.matchAll(/runner \d released/g)].sort().join('\n'),
    facts: (s) => {
      children(s, 'process', 3);
      assert.equal(s.waits.barrier.count, 3);
      assert.equal(s.waits.event.count, 3);
      assert.equal(s.waits.join.count, 3);
    },
  },
  cpu_pool_example: {
    facts: (s) => {
      children(s, 'pool-worker', os.cpus().length, POOL_EXITS);
      assert.deepEqual(s.tasks.byFunction, { count_primes: 16 });
    },
  },
};

const plainRuns = new Map<string, Promise<RunResult>>();

/** The example run without the profiler, once per interpreter. */
function plainRun(python: string, script: string): Promise<RunResult> {
  const key = `${python} ${script}`;
  if (!plainRuns.has(key)) plainRuns.set(key, run(python, [script], { cwd: EXAMPLES }));
  return plainRuns.get(key)!;
}

async function recordAndCheck(example: string, python: string | null, method: Method) {
  const script = path.join(EXAMPLES, `${example}.py`);
  const out = path.join(tempDir('example'), `${example}.pptrace`);
  const pythonArgs = python ? ['--python', python] : [];
  const recorded = await cli(
    ['record', '-o', out, ...pythonArgs, '--start-method', method, script],
    {
      cwd: EXAMPLES,
    },
  );
  const plain = await plainRun(python ?? 'python3', script);
  assert.equal(recorded.code, 0, recorded.stderr);
  assert.equal(plain.code, 0, plain.stderr);
  const { normalize = (text: string) => text, facts, stderrNoise } = EXAMPLE_FACTS[example];
  assert.equal(normalize(recorded.stdout), normalize(plain.stdout), recorded.stderr);
  const withoutNoise = (text: string) => (stderrNoise ? text.replace(stderrNoise, '') : text);
  const scriptStderr = recorded.stderr
    .split('\n')
    .filter((l) => !l.startsWith('parallel-profiler:'));
  assert.equal(
    withoutNoise(scriptStderr.join('\n')),
    withoutNoise(plain.stderr),
    'the script stderr is unchanged',
  );
  assert.match(profilerLines(recorded.stderr).at(-1) ?? '', /^parallel-profiler: wrote .*exit 0$/);

  const summary = await summaryJson(out);
  assert.equal(summary.exitCode, 0);
  assert.deepEqual([summary.events.lost, summary.events.rejected], [0, 0]);
  // Helpers (forkserver, resource tracker) may outlive the run; everything else has an exit code.
  for (const p of summary.processes.filter((p) => p.role !== 'helper')) {
    assert.notEqual(p.exitCode, null, `${p.role} ${p.pid} exit code`);
  }
  const processes = summary.processes.map((p) => `${p.pid} ${p.name} ${p.role} ${p.connection}`);
  assert.equal(byRole(summary, 'main').length, 1, `one main process in ${processes.join(', ')}`);
  const trace = readTraceFile(out);
  facts(summary, recorded.stdout, trace);

  assert.equal(trace.meta.startMethod, method);
  assert.deepEqual(validateChromeTrace(JSON.parse(JSON.stringify(toChromeTrace(trace)))), []);
}

const examples = Object.keys(EXAMPLE_FACTS);
const OTHER_INTERPRETERS: [number, Method][] = [
  [8, 'spawn'],
  [9, 'forkserver'],
  [10, 'fork'],
  [12, 'spawn'],
  [13, 'forkserver'],
];

describe('examples recorded through the CLI', { concurrency: 2 }, () => {
  for (const method of ['fork', 'spawn', 'forkserver'] as Method[]) {
    for (const example of examples) {
      it(`${example} on python3 (3.11), ${method}`, { timeout: 180_000 }, () =>
        recordAndCheck(example, null, method),
      );
    }
  }
  const pythons = pyenvPythons();
  for (const [minor, method] of OTHER_INTERPRETERS) {
    const python = pythons.get(minor);
    for (const example of examples.filter((e) => e !== 'cpu_pool_example')) {
      it(
        `${example} on 3.${minor}, ${method}`,
        { timeout: 180_000, skip: python ? false : `Python 3.${minor} not installed` },
        () => recordAndCheck(example, python!, method),
      );
    }
  }
});
