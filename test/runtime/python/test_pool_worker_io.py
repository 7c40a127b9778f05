"""A Pool worker's get / put (pool_hooks._WorkerTasks) read and write the pool's pipes themselves
and time them: in this process, against a socket pair as the collector, with and without a task
page (a page that could not be made leaves the worker buffering its events as any process)."""
import mmap
import os
import socket
import sys
import unittest
from multiprocessing import connection, get_context, pool as mp_pool
from multiprocessing.reduction import ForkingPickler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sink  # noqa: E402

sys.path.insert(0, sink.INJECT)
from parallel_profiler_runtime import channel_hooks, core, pool_hooks, task_page  # noqa: E402


def square(x):
    return x * x


class WorkerTasksCase(unittest.TestCase):
    def setUp(self):
        conn_cls = connection.Connection
        self.saved = (core.S.on, core.S.main, core.S.sock, core.S.hello_sent, core.spill,
                      task_page._page, task_page._spill, task_page._pid, task_page._constants,
                      conn_cls._send_bytes, conn_cls._recv_bytes, connection.Pipe)
        channel_hooks.patch_connection(connection)  # a failed task's write emits its own send
        self.sock, self.peer = socket.socketpair()
        core.S.on, core.S.main, core.S.sock, core.S.hello_sent = True, False, self.sock, True
        task_page._pid, task_page._constants = core.S.pid, None
        del core.buf[:]
        ctx = get_context('fork')
        self.inqueue, self.outqueue = ctx.SimpleQueue(), ctx.SimpleQueue()
        self.templates = {}

    def tearDown(self):
        conn_cls = connection.Connection
        (core.S.on, core.S.main, core.S.sock, core.S.hello_sent, core.spill, task_page._page,
         task_page._spill, task_page._pid, task_page._constants, conn_cls._send_bytes,
         conn_cls._recv_bytes, connection.Pipe) = self.saved
        del core.buf[:]
        for end in (self.sock, self.peer, self.inqueue._reader, self.inqueue._writer,
                    self.outqueue._reader, self.outqueue._writer):
            end.close()

    def use_page(self, page):
        task_page._page = page
        core.spill = task_page._spill = task_page.Spill(page) if page is not None else None

    def run_task(self, result):
        """One task through the worker's get and put; returns the result the pool reads."""
        tasks = pool_hooks._WorkerTasks(self.inqueue, self.outqueue, mp_pool.mapstar,
                                        mp_pool.starmapstar,
                                        (ForkingPickler.loads, ForkingPickler.dumps))
        # The pool's side, untraced: the Connection's own write and read.
        write, read = self.saved[-3:-1]
        write(self.inqueue._writer, ForkingPickler.dumps((7, 3, square, (4,), {})))
        task = tasks.get()
        self.assertEqual(task[:2], (7, 3))
        tasks.put((7, 3, result))
        return ForkingPickler.loads(read(self.outqueue._reader).getbuffer())

    def sent_events(self):
        """Every event this process has sent or buffered, in one flush, decoded."""
        core.flush()
        return sink.receive_batch(self.peer, self.templates)[1]

    def check_task(self, task, ok):
        self.assertEqual(task[6:9], [7, 3, 1])  # job, index, items
        self.assertEqual(task[9], 'square')
        self.assertIs(task[15], ok)
        get_ts, recv_ts, recv_end, recv_ino = task[18:22]
        self.assertTrue(get_ts <= recv_ts <= recv_end <= task[1] <= task[3], task)
        self.assertEqual(recv_ino, channel_hooks.inode(self.inqueue._reader))
        self.assertGreater(task[13], 0)  # the task message's bytes

    def check_send_half(self, task):
        send_ts, send_end, send_ino = task[22:25]
        self.assertTrue(task[3] <= send_ts <= send_end, task)
        self.assertEqual(send_ino, channel_hooks.inode(self.outqueue._writer))

    def test_a_task_with_a_page_is_spilled_with_its_send_times_written_in(self):
        page = mmap.mmap(-1, task_page.PAGE_BYTES + task_page.SPILL_BYTES)
        self.use_page(page)
        self.assertEqual(self.run_task((True, 16)), (7, 3, (True, 16)))
        self.assertEqual(core.buf, [])
        self.assertGreater(core.spill.size, 0)  # in the page until the next flush
        [task] = [e for e in self.sent_events() if e[0] == 'task']
        self.check_task(task, True)
        self.check_send_half(task)

    def test_a_task_without_a_page_carries_its_send(self):
        self.use_page(None)
        self.assertEqual(self.run_task((True, 16)), (7, 3, (True, 16)))
        events = self.sent_events()
        [task] = [e for e in events if e[0] == 'task']
        self.check_task(task, True)
        self.check_send_half(task)
        self.assertEqual([e for e in events if e[0] == 'send'], [])

    def test_a_failed_task_and_its_result_are_two_events(self):
        for page in (mmap.mmap(-1, task_page.PAGE_BYTES + task_page.SPILL_BYTES), None):
            with self.subTest(page=page is not None):
                self.use_page(page)
                error = ValueError('no square')
                result = self.run_task((False, error))
                self.assertIsInstance(result[2][1], ValueError)
                events = self.sent_events()
                [task] = [e for e in events if e[0] == 'task']
                self.check_task(task, False)
                self.assertEqual(task[16:18], ['ValueError', 'no square'])
                self.assertEqual(task[22:25], [None, None, None])
                [send] = [e for e in events if e[0] == 'send']
                self.assertEqual(send[4], channel_hooks.inode(self.outqueue._writer))
                self.assertEqual(send[5], task[14])  # the result's bytes


if __name__ == '__main__':
    unittest.main()
