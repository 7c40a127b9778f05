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
                self.assertEqual(result.stdout, b'1 stopped [1, 4, 9, 16, 25]\n')
                self.assertEqual(trace.errors, [])
                tasks = sorted(e[7] for _, e in trace.events('task'))
                self.assertEqual(tasks, [0, 1, 2, 3, 4, 5])
                # Task 0's worker was killed: its event came from its page's spill (or from a
                # flush that sent the spill before the write, if the write lock was contended),
                # with its result's send in it.
                [(stopped, task)] = [(c, e) for c in trace.connections for e in c.of('task')
                                     if e[6:8] == [0, 0]]  # job, index
                self.assertIsNone(stopped.bye)
                send_ts, send_end = task[22:24]
                self.assertTrue(task[3] <= send_ts <= send_end, task)


if __name__ == '__main__':
    unittest.main()


sys.path.insert(0, sink.INJECT)
from parallel_profiler_runtime import core, task_page  # noqa: E402

V = core.VAR
FIELDS = ('send', V, V, V, V, V, V, 'chan')


class SpillRegionCase(unittest.TestCase):
    """core.spill_events and the flush, in this process, against a socket pair and an anonymous
    page."""

    def setUp(self):
        import mmap
        import socket

        self.saved = (core.S.on, core.S.sock, core.S.hello_sent, core.spill,
                      task_page._spill, task_page._pid)
        self.sock, self.peer = socket.socketpair()
        core.S.on, core.S.sock, core.S.hello_sent = True, self.sock, True
        self.page = mmap.mmap(-1, task_page.PAGE_BYTES + task_page.SPILL_BYTES)
        core.spill = task_page._spill = task_page.Spill(self.page)
        task_page._pid = core.S.pid
        del core.buf[:]
        self.template = core.EventTemplate(FIELDS)
        self.templates = {}

    def tearDown(self):
        (core.S.on, core.S.sock, core.S.hello_sent, core.spill,
         task_page._spill, task_page._pid) = self.saved
        del core.buf[:]
        self.sock.close()
        self.peer.close()

    def header(self):
        return sink.struct.unpack_from('<II', self.page, 0)

    def region(self):
        return self.page[task_page.SPILL_AT:task_page.SPILL_AT + self.header()[1]]

    def received(self):
        """The one frame sent so far, decoded."""
        return sink.receive_batch(self.peer, self.templates)

    def test_the_buffer_and_the_task_go_in_and_the_next_flush_sends_them_once(self):
        self.page[0:4] = (1).to_bytes(4, 'little')  # a task is running
        core.emit(('run', 1, 2))
        mark = core.spill_events(self.template.records((3, 2, 3, 4, 5, 6)), 3, task_ended=True)
        at = mark[1]
        self.assertEqual(core.buf, [])
        self.assertEqual(self.header(), (0, len(self.region())))  # ended, its bytes counted
        self.assertEqual(at, task_page.SPILL_AT + len(self.region()))
        self.assertEqual(core.spill.events, 2)
        # The result's send: its times written into the record in place.
        task_page.patch(mark, -24, 30, 40)
        core.emit(('thread', 50, 2, 'T'))
        region = self.region()
        core.flush()
        frame, events = self.received()
        self.assertEqual(frame, core.BINARY_BATCH + region + frame[1 + len(region):])
        self.assertEqual(events, [['run', 1, 2], ['send', 3, 2, 3, 30, 40, 6, 'chan'],
                                  ['thread', 50, 2, 'T']])
        self.assertEqual((self.header(), core.spill.size, core.spill.events), ((0, 0), 0, 0))

    def test_a_record_sent_meanwhile_is_not_patched(self):
        mark = core.spill_events(self.template.records((3, 2, 3, 4, 5, 6)), 3)
        core.flush()  # another thread's, say: the region is sent and emptied
        core.spill_events(self.template.records((7, 2, 3, 4, 5, 6)), 7)
        region = self.region()
        task_page.patch(mark, -24, 30, 40)
        self.assertEqual(self.region(), region)

    def test_a_full_count_is_sent_before_the_task_goes_in(self):
        for i in range(core.FLUSH_EVENTS - 1):
            core.buf.append(('run', i, 2))
        core.spill_events(self.template.records((3, 2, 3, 4, 5, 6)), 3)
        _, events = self.received()
        self.assertEqual(len(events), core.FLUSH_EVENTS - 1)
        self.assertEqual(core.spill.events, 1)  # the task, waiting in the page

    def test_events_larger_than_the_region_are_sent_at_once(self):
        big = ('mcall', 1, 2, 3, 'x' * task_page.SPILL_BYTES, 'y', True)
        with ThreadPoolExecutor(1) as sender:  # the frame is larger than the socket's buffer
            offset = sender.submit(core.spill_events, [big], 1)
            _, events = self.received()
        self.assertIsNone(offset.result())
        self.assertEqual(events, [list(big)])
        self.assertEqual(self.header(), (0, 0))

    def test_a_spill_that_ends_no_task_leaves_the_running_task(self):
        self.page[0:4] = (1).to_bytes(4, 'little')  # a task is running (a daemon Pool worker's
        core.spill_events(self.template.records((3, 2, 3, 4, 5, 6)), 3)  # queue feeder spills)
        self.assertEqual(self.header(), (1, len(self.region())))

    def test_a_task_that_is_a_tuple_goes_in_without_an_offset(self):
        self.assertIsNone(core.spill_events([('run', 1, 2)], 1))
        self.assertEqual(core.spill.events, 1)
