"""Runs examples/*.py under fork, spawn and forkserver with the runtime injected into a validating
sink, and checks the events each one must produce. All runs start at once (setUpModule) so the
suite stays short on a loaded machine."""
import os
import re
import sys
import unittest
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sink  # noqa: E402

METHODS = ('fork', 'spawn', 'forkserver')
EXAMPLES = (
    'process_example', 'queue_example', 'pool_example', 'executor_example', 'manager_example',
    'pipe_example', 'value_array_example', 'joinable_queue_example', 'barrier_event_example',
)
# Examples whose output does not depend on pids or scheduling.
DETERMINISTIC = (
    'queue_example', 'pool_example', 'executor_example', 'manager_example', 'pipe_example',
    'value_array_example', 'joinable_queue_example',
)
# Under spawn/forkserver a daemon worker may still be unpickling its arguments when the main
# process exits and unlinks the queue's semaphores: it dies with this traceback (exit 1), or is
# terminated as a daemon while printing it (its frames only, at the end), plain or profiled, so the
# comparison leaves it out.
STDERR_NOISE = {
    'joinable_queue_example': re.compile(
        rb'Traceback \(most recent call last\):\n(?:.*?spawn_main.*?FileNotFoundError: [^\n]*\n'
        rb'|(?:  [^\n]*\n)*(?:  [^\n]*)?\Z)', re.S),
}
runs = {}
plain = {}


def quiet(name, stderr):
    noise = STDERR_NOISE.get(name)
    return noise.sub(b'', stderr) if noise else stderr


def setUpModule():
    with ThreadPoolExecutor(4) as pool:
        jobs = {
            (name, method): pool.submit(sink.traced, [os.path.join(sink.EXAMPLES, name + '.py')], method)
            for name in EXAMPLES
            for method in METHODS
        }
        plain_jobs = {
            name: pool.submit(sink.run, [os.path.join(sink.EXAMPLES, name + '.py')], sink.plain_env())
            for name in DETERMINISTIC
        }
        runs.update({key: job.result() for key, job in jobs.items()})
        plain.update({key: job.result() for key, job in plain_jobs.items()})


class ExampleCase(unittest.TestCase):
    def each(self, name):
        """(method, sink, main connection) per start method, after the checks every run must pass."""
        checked = []
        for method in METHODS:
            result, trace = runs[(name, method)]
            self.assertEqual(result.returncode, 0, result.stderr.decode())
            self.assertEqual(trace.errors, [])
            main = [c for c in trace.connections if c.hello and c.hello['main']]
            self.assertEqual(len(main), 1)
            self.assertEqual(main[0].hello['role'], 'main')
            self.assertEqual(main[0].hello['startMethod'], method)
            self.assertTrue(main[0].bye)
            checked.append((method, trace, main[0]))
        return checked

    def children(self, trace, main, role):
        spawned = {e[4] for e in main.of('spawn')}
        by_pid = trace.by_pid()
        return [by_pid[pid] for pid in spawned if pid in by_pid and by_pid[pid].hello['role'] == role]

    def test_output_is_unchanged(self):
        for name in DETERMINISTIC:
            for method in METHODS:
                result, _ = runs[(name, method)]
                with self.subTest(example=name, method=method):
                    self.assertEqual(result.stdout, plain[name].stdout)
                    self.assertEqual(quiet(name, result.stderr), quiet(name, plain[name].stderr))

    def test_process_lifecycle(self):
        for method, trace, main in self.each('process_example'):
            spawns = main.of('spawn')
            self.assertEqual(len(spawns), 2)
            for spawn in spawns:
                self.assertEqual(spawn[6], method)
                self.assertEqual(spawn[8], 'worker')
                self.assertTrue(spawn[10].endswith('process_example.py'))
            children = self.children(trace, main, 'process')
            self.assertEqual(len(children), 2)
            for child in children:
                self.assertEqual(child.hello['mpParentPid'], main.pid)
                self.assertEqual(child.hello['startMethod'], method)
                self.assertEqual(len(child.of('run')), 1)
                self.assertEqual([e[3:] for e in child.of('runend')], [[0, None, None]])
                self.assertTrue(child.bye)
            exits = {e[3]: e[4] for e in main.of('exit')}
            self.assertEqual(exits, {child.pid: 0 for child in children})
            self.assertEqual({e[4] for e in main.of('join') if e[5]}, set(exits))

    def test_queue_messages_match(self):
        for _, trace, main in self.each('queue_example'):
            (chan,) = main.of('chan')
            self.assertEqual(chan[4], 'queue')
            self.assertEqual(chan[6], chan[7])
            sends = trace.events('send')
            recvs = trace.events('recv')
            self.assertEqual(len(sends), 5)
            self.assertEqual(len(recvs), 5)
            self.assertEqual(len({pid for pid, _ in sends}), 1)
            self.assertEqual(len({pid for pid, _ in recvs}), 1)
            for _, e in sends + recvs:
                self.assertEqual((e[4], e[7]), (chan[6], chan[3]))
            for _, e in sends:
                self.assertLessEqual(e[6], e[1])  # the put came before the feeder's write
            self.assertEqual([e[5] for _, e in sends], [e[5] for _, e in recvs])

    def test_pool_tasks(self):
        items = [1, 2, 3, 4, 5]
        chunksize, extra = divmod(len(items), 4 * 4)  # Pool.map's default for 4 workers
        chunksize += 1 if extra else 0
        chunks = -(-len(items) // chunksize)
        for _, trace, main in self.each('pool_example'):
            kinds = [e[4] for e in main.of('chan')]
            self.assertEqual(sorted(kinds), ['pool-results', 'pool-tasks'])
            spawns = main.of('spawn')
            self.assertEqual(len(spawns), 4)
            self.assertTrue(all(s[7] is True for s in spawns))
            submits = main.of('submit')
            self.assertEqual(sorted(e[6] for e in submits), list(range(chunks)))
            tasks = trace.events('task')
            self.assertEqual(sorted(e[7] for _, e in tasks), list(range(chunks)))
            self.assertEqual(sum(e[8] for _, e in tasks), len(items))
            for pid, e in tasks:
                self.assertEqual(trace.by_pid()[pid].hello['role'], 'pool-worker')
                self.assertEqual((e[4], e[9], e[15]), ('pool', 'square', True))
                self.assertEqual(e[5], submits[0][4])
                self.assertGreater(e[13], 0)
                self.assertGreater(e[14], 0)
            self.assertEqual({e[3] for e in main.of('exit')}, {s[4] for s in spawns})
            self.check_pool_messages_folded(trace, main, submits, tasks, len(spawns))

    def check_pool_messages_folded(self, trace, main, submits, tasks, workers):
        """The Pool's task and result messages ride on submit and task events (not send / recv)."""
        chans = {e[4]: e for e in main.of('chan')}
        tasks_ino, results_ino = chans['pool-tasks'][6], chans['pool-results'][6]
        by_key = {(e[5], e[6]): e for e in submits}
        for _, e in tasks:
            submit = by_key[(e[6], e[7])]
            self.assertEqual(e[21], tasks_ino)  # the task message received
            self.assertLessEqual(submit[12], e[20])  # sent before its receive ended
            self.assertEqual(submit[15], e[13])  # the same bytes both ends
            if e[24] is not None:  # else its result's send is a send event (no task was waiting)
                self.assertEqual((e[24], e[25]), (results_ino, chans['pool-results'][3]))
                self.assertEqual(submit[20], results_ino)
                self.assertEqual(submit[21], e[14])
                self.assertLessEqual(e[22], submit[19])
        for submit in submits:
            self.assertEqual(submit[14], tasks_ino)
        # Plain events on these channels: the sentinels (None) that end the workers and the result
        # handler, and results whose task was sent first because the worker may be terminated.
        plain = [e for _, e in trace.events('send') + trace.events('recv') if e[4] == tasks_ino]
        self.assertLessEqual(len(plain), 2 * workers)
        unfolded = sum(1 for _, e in tasks if e[24] is None)
        results = [e for pid, e in trace.events('send') if e[4] == results_ino and pid != main.pid]
        # A worker terminated right after writing its last result may not have sent that send
        # event yet (the known gap in src/runtime/README.md): at most one per worker.
        self.assertLessEqual(len(results), unfolded)
        self.assertGreaterEqual(len(results), unfolded - workers)

    def test_executor_tasks(self):
        for _, trace, main in self.each('executor_example'):
            kinds = {e[4] for e in main.of('chan')}
            self.assertTrue({'executor-calls', 'executor-results'} <= kinds)
            self.assertNotIn('pipe', kinds)
            submits = main.of('submit')
            self.assertEqual(len(submits), 8)
            tasks = trace.events('task')
            self.assertEqual(sorted(e[6] for _, e in tasks), sorted(e[5] for e in submits))
            for pid, e in tasks:
                self.assertEqual(trace.by_pid()[pid].hello['role'], 'executor-worker')
                self.assertEqual((e[4], e[8], e[9], e[15]), ('executor', 1, 'cube', True))

    def test_manager_calls(self):
        for _, trace, main in self.each('manager_example'):
            self.assertEqual(len(self.children(trace, main, 'manager')), 1)
            calls = [(e[4], e[5]) for _, e in trace.events('mcall') if e[6]]
            self.assertEqual(calls.count(('list', 'append')), 3)
            self.assertEqual(calls.count(('dict', '__setitem__')), 3)

    def test_duplex_pipe(self):
        for _, trace, main in self.each('pipe_example'):
            (chan,) = main.of('chan')
            self.assertEqual(chan[4], 'pipe')
            ino_a, ino_b = chan[6], chan[7]
            self.assertNotEqual(ino_a, ino_b)
            (child,) = self.children(trace, main, 'process')
            sent = [e[4] for e in main.of('send')]
            self.assertEqual(sent, [ino_a] * 4)
            self.assertEqual([e[4] for e in child.of('recv')], [ino_b] * 4)
            self.assertEqual([e[4] for e in child.of('send')], [ino_b] * 3)
            self.assertEqual([e[4] for e in main.of('recv')], [ino_a] * 3)

    def test_joinable_queue(self):
        for _, trace, main in self.each('joinable_queue_example'):
            (chan,) = [e for e in main.of('chan') if e[4] == 'joinable-queue']
            done = trace.events('taskdone')
            self.assertEqual(len(done), 10)
            self.assertTrue(all(e[3] == chan[3] for _, e in done))
            joins = [e for e in main.of('wait') if e[4] == 'queue-join']
            self.assertEqual([e[5] for e in joins], [chan[3]])
            daemons = [s[4] for s in main.of('spawn') if s[7]]
            self.assertEqual(len(daemons), 2)
            # Terminated at exit, or died starting (STDERR_NOISE).
            exits = {e[3]: e[4] for e in main.of('exit')}
            self.assertEqual(set(exits), set(daemons))
            self.assertTrue(set(exits.values()) <= {-15, 1}, exits)

    def test_barrier_and_event_waits(self):
        for _, trace, main in self.each('barrier_event_example'):
            waits = [e for _, e in trace.events('wait')]
            self.assertEqual(sum(1 for e in waits if e[4] == 'barrier' and e[7]), 3)
            self.assertEqual(sum(1 for e in waits if e[4] == 'event' and e[7]), 3)
            self.assertFalse([e for e in waits if e[4] == 'condition'])

    def test_value_array_and_threads(self):
        for _, trace, main in self.each('value_array_example'):
            self.assertEqual(len(self.children(trace, main, 'process')), 4)
            for conn in trace.connections:
                if conn.hello and conn.hello['role'] != 'helper':
                    # A fork child's only thread (tid == pid) is named by the collector at its hello.
                    hello = conn.hello
                    forked = not hello['main'] and hello['startMethod'] in ('fork', 'forkserver')
                    names = {e[3] for e in conn.of('thread') if e[2] == conn.pid}
                    self.assertEqual(names, set() if forked else {'MainThread'})
            for _, e in trace.events('wait'):
                self.assertEqual(e[4], 'lock')


if __name__ == '__main__':
    unittest.main()
