"""Failures, identity of the user's program, transport failure and venvs."""
import os
import subprocess
import sys
import tempfile
import unittest
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sink  # noqa: E402

METHODS = ('fork', 'spawn', 'forkserver')
FAULTS = os.path.join(sink.SCRIPTS, 'faults.py')
IDENTITY = os.path.join(sink.SCRIPTS, 'identity.py')
CHAINED = os.path.join(sink.SCRIPTS, 'chained')
QUEUE_EXAMPLE = os.path.join(sink.EXAMPLES, 'queue_example.py')
QUEUE_WORKERS = os.path.join(sink.REPO, 'test', 'runtime', 'fixtures', 'queue_workers.py')
PIPE_WORKER = os.path.join(sink.REPO, 'test', 'runtime', 'fixtures', 'pipe_worker.py')
runs = {}


def identity(env, cwd):
    return subprocess.run(
        [sys.executable, IDENTITY, 'x', '--flag'], env=env, input=b'some input',
        capture_output=True, timeout=120, cwd=cwd,
    )


def traced_identity(cwd):
    trace = sink.Sink()
    try:
        result = identity(sink.environment(trace.path, trace.secret, extra_path=CHAINED), cwd)
        sink.settle(trace)  # its children may still be closing their connections
        return result, trace
    finally:
        trace.close()


def venv_run(directory):
    venv = os.path.join(directory, 'venv')
    subprocess.run([sys.executable, '-m', 'venv', '--without-pip', venv], check=True, timeout=120)
    python = os.path.join(venv, 'bin', 'python')
    return python, sink.traced([os.path.join(sink.EXAMPLES, 'pool_example.py')], python=python)


def setUpModule():
    cwd = tempfile.mkdtemp(prefix='pp-cwd-')
    runs['tmp'] = tempfile.mkdtemp(prefix='pp-venv-')
    with ThreadPoolExecutor(4) as pool:
        jobs = {('faults', m): pool.submit(sink.traced, [FAULTS], m) for m in METHODS}
        for m in METHODS:
            jobs[('daemons', m)] = pool.submit(sink.traced, [QUEUE_WORKERS], m)
            jobs[('terminated', m)] = pool.submit(sink.traced, [QUEUE_WORKERS, 'terminate'], m)
            jobs[('pipe', m)] = pool.submit(sink.traced, [PIPE_WORKER], m)
        jobs['faults-plain'] = pool.submit(sink.run, [FAULTS], sink.plain_env())
        jobs['identity'] = pool.submit(traced_identity, cwd)
        jobs['identity-plain'] = pool.submit(identity, sink.plain_env(CHAINED), cwd)
        jobs['broken'] = pool.submit(
            sink.traced, [QUEUE_EXAMPLE], sink_path=os.path.join(cwd, 'missing', 'socket')
        )
        jobs['queue-plain'] = pool.submit(sink.run, [QUEUE_EXAMPLE], sink.plain_env())
        jobs['venv'] = pool.submit(venv_run, runs['tmp'])
        runs.update({key: job.result() for key, job in jobs.items()})


def tearDownModule():
    import shutil

    shutil.rmtree(runs['tmp'], ignore_errors=True)


class FaultCase(unittest.TestCase):
    def test_child_failures_are_reported(self):
        plain = runs['faults-plain']
        for method in METHODS:
            result, trace = runs[('faults', method)]
            with self.subTest(method=method):
                self.assertEqual(trace.errors, [])
                self.assertEqual((result.returncode, result.stdout), (0, plain.stdout))
                by_pid = trace.by_pid()
                (main,) = [c for c in trace.connections if c.hello and c.hello['main']]
                names = {e[5]: e[4] for e in main.of('spawn')}
                exits = {e[3]: e[4] for e in main.of('exit')}
                self.assertEqual(exits[names['raises']], 1)
                self.assertEqual(exits[names['killed']], -9)
                self.assertEqual(exits[names['exits_early']], 3)
                self.assertEqual(exits[names['sleeper']], -15)
                raised = by_pid[names['raises']]
                self.assertEqual(raised.of('runend')[0][3:], [1, 'ValueError', 'boom'])
                self.assertTrue(raised.bye)
                killed = by_pid[names['killed']]
                self.assertEqual((killed.of('runend'), killed.bye, killed.closed), ([], None, True))
                early = by_pid[names['exits_early']]
                self.assertEqual((early.of('runend'), bool(early.bye)), ([], True))
                tasks = sorted(e[7:9] + e[15:18] for _, e in trace.events('task'))
                self.assertEqual(
                    tasks,
                    [[0, 2, True, None, None], [1, 2, False, 'ZeroDivisionError', 'division by zero']],
                )
                # The worker terminated mid-task sent no task event; its task page tells the task.
                pages = {c.pid: c.page for c in trace.connections if c.page}
                running = {pid: page for pid, page in pages.items() if page[0]}
                self.assertEqual(len(running), 1, pages)
                ((pid, (_, values, constants)),) = running.items()
                self.assertEqual(exits[pid], -15)
                self.assertEqual(constants[0], 'pool')
                self.assertEqual(constants[2], 'reports_then_sleeps')
                self.assertIn(constants[3], ('__main__', '__mp_main__'))  # spawned: __mp_main__
                ts, tid, job, index, items, arg_bytes, get_ts, recv_ts, recv_end, ino = values
                self.assertEqual((tid, index, items), (pid, 0, 1))
                self.assertTrue(get_ts <= recv_ts <= recv_end <= ts, values)
                self.assertGreater(arg_bytes, 0)

    def test_queue_workers_terminated_sent_every_message(self):
        """Daemons ended at exit, or plain processes terminated by the main process."""
        for (how, method) in [(how, m) for how in ('daemons', 'terminated') for m in METHODS]:
            result, trace = runs[(how, method)]
            with self.subTest(how=how, method=method):
                self.assertEqual(trace.errors, [])
                self.assertEqual((result.returncode, result.stdout), (0, b'40425\n'))
                # A worker may end before it ever ran (the other took every item): they are
                # counted together. Their sends are written by their feeder threads, often after
                # they had blocked in get() again.
                workers = [c for c in trace.connections if c.hello and c.hello['role'] == 'process']
                counts = [(c.hello and c.hello['role'], len(c.of('send')), len(c.of('recv')))
                          for c in trace.connections]
                self.assertEqual(sum(len(w.of('send')) for w in workers), 50, counts)
                self.assertEqual(sum(len(w.of('recv')) for w in workers), 50, counts)

    def test_a_pipe_worker_terminated_while_it_waits_sent_every_message(self):
        for method in METHODS:
            result, trace = runs[('pipe', method)]
            with self.subTest(method=method):
                self.assertEqual(trace.errors, [])
                self.assertEqual((result.returncode, result.stdout), (0, b'380\n'))
                (worker,) = [c for c in trace.connections if c.hello['role'] == 'process']
                self.assertEqual((len(worker.of('recv')), len(worker.of('send'))), (20, 20))

    def test_program_sees_a_plain_run(self):
        plain = runs['identity-plain']
        result, trace = runs['identity']
        self.assertEqual(trace.errors, [])
        self.assertIn(b'"chained": true', plain.stdout)
        self.assertIn(b'child {', plain.stdout)
        self.assertIn(b'RuntimeError: identity done, exit 0', plain.stderr)
        self.assertEqual(result.stdout, plain.stdout)
        self.assertEqual(result.stderr, plain.stderr)
        self.assertEqual(result.returncode, plain.returncode)
        self.assertEqual(len([c for c in trace.connections if c.hello]), 3)  # main, child, tracker

    def test_transport_failure_leaves_the_program_alone(self):
        result, trace = runs['broken']
        plain = runs['queue-plain']
        self.assertEqual(trace.connections, [])
        self.assertEqual((result.returncode, result.stdout, result.stderr), (0, plain.stdout, b''))

    def test_runtime_bytecode_is_written_but_not_the_users(self):
        """Under PYTHONDONTWRITEBYTECODE the runtime's own modules and sitecustomize get their
        bytecode (else every process compiles them); the user's modules still do not, and the
        program sees the flag."""
        import shutil

        root = tempfile.mkdtemp(prefix='pp-bytecode-')
        try:
            inject = os.path.join(root, 'inject')
            shutil.copytree(sink.INJECT, inject, ignore=shutil.ignore_patterns('__pycache__'))
            user = os.path.join(root, 'user')
            os.mkdir(user)
            with open(os.path.join(user, 'helper.py'), 'w') as f:
                f.write('VALUE = 42\n')
            with open(os.path.join(user, 'main.py'), 'w') as f:
                f.write('import multiprocessing, sys, helper\n'
                        'q = multiprocessing.Queue()\n'
                        'q.put(helper.VALUE)\n'
                        'print(q.get(), sys.dont_write_bytecode)\n')
            trace = sink.Sink()
            try:
                env = sink.environment(trace.path, trace.secret)
                env['PYTHONPATH'] = inject
                env['PYTHONDONTWRITEBYTECODE'] = '1'
                result = sink.run([os.path.join(user, 'main.py')], env, cwd=user)
            finally:
                trace.close()
            self.assertEqual((result.returncode, result.stdout), (0, b'42 True\n'))
            self.assertEqual(trace.errors, [])
            self.assertEqual(len([c for c in trace.connections if c.hello]), 1)
            package = os.path.join(inject, 'parallel_profiler_runtime')
            modules = {n[:-3] for n in os.listdir(package) if n.endswith('.py')}
            cached = {n.split('.')[0] for n in os.listdir(os.path.join(package, '__pycache__'))}
            self.assertEqual(cached, modules)
            ours = os.listdir(os.path.join(inject, '__pycache__'))
            self.assertEqual([n.split('.')[0] for n in ours], ['sitecustomize'])
            self.assertFalse(os.path.exists(os.path.join(user, '__pycache__')))
        finally:
            shutil.rmtree(root, ignore_errors=True)

    def test_venv_interpreter(self):
        python, (result, trace) = runs['venv']
        self.assertEqual((result.returncode, trace.errors), (0, []))
        self.assertEqual(result.stdout, b'[1, 4, 9, 16, 25]\n')
        (main,) = [c for c in trace.connections if c.hello and c.hello['main']]
        self.assertEqual(main.hello['executable'], python)
        self.assertEqual(len(trace.events('task')), 5)


if __name__ == '__main__':
    unittest.main()
