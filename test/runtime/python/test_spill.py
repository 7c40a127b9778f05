"""A Pool worker keeps its unsent events in its task page's spill region from the end of each
task on, so one terminated right after writing a result loses none (docs/wire-protocol.md, "Task
page")."""
import os
import sys
import unittest
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sink  # noqa: E402

METHODS = ('fork', 'spawn', 'forkserver')
STOPPED = os.path.join(sink.REPO, 'test', 'runtime', 'fixtures', 'pool_worker_stopped.py')
runs = {}


def setUpModule():
    with ThreadPoolExecutor(3) as pool:
        jobs = {m: pool.submit(sink.traced, [STOPPED], m) for m in METHODS}
        runs.update({m: job.result() for m, job in jobs.items()})


class SpillCase(unittest.TestCase):
    def test_a_worker_killed_after_its_write_keeps_its_task(self):
        for method in METHODS:
            with self.subTest(method=method):
                result, trace = runs[method]
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertEqual(result.stdout, b'1 stopped, exit [-15] [1, 4, 9, 16, 25]\n')
                self.assertEqual(trace.errors, [])
                tasks = sorted(e[7] for _, e in trace.events('task'))
                self.assertEqual(tasks, [0, 1, 2, 3, 4, 5])
                workers = [c for c in trace.connections if c.hello['role'] == 'pool-worker']
                killed = [c for c in workers if c.bye is None and c.spilled]
                self.assertEqual(len(killed), 1, [(c.pid, c.bye, c.spilled) for c in workers])
                # Its task, from the spill, with its result's send in it.
                [task] = [e for e in killed[0].spilled if e[0] == 'task']
                self.assertEqual(task[6:8], [0, 0])  # job, index
                send_ts, send_end = task[22:24]
                self.assertTrue(task[3] <= send_ts <= send_end, task)


if __name__ == '__main__':
    unittest.main()
