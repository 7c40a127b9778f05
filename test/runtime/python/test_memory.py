"""The runtime keeps nothing of a task alive once it ended: a worker unpickles a new bound method
or partial for every task, and a cache keyed by it kept every task's arguments (a leak that grew
with the number of tasks)."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sink  # noqa: E402

SCRIPT = os.path.join(sink.SCRIPTS, 'per_task_callables.py')


class PerTaskCallablesCase(unittest.TestCase):
    def test_workers_keep_no_task_arguments(self):
        for method in ('fork', 'spawn'):
            with self.subTest(method=method):
                result, trace = sink.traced([SCRIPT, method], method)
                self.assertEqual(result.returncode, 0, result.stderr.decode())
                self.assertEqual(trace.errors, [])
                lines = result.stdout.decode().splitlines()
                self.assertEqual(len(lines), 2, lines)
                for line in lines:
                    self.assertLessEqual(int(line.split()[-1]), 2, line)
                self.assertEqual(len(trace.events('task')), 4000 + 4 + 500 + 4)


if __name__ == '__main__':
    unittest.main()
