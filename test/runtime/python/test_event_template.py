"""EventTemplate (core.py): its records, decoded as the protocol says, are the event tuple the
JSON encoder would have sent; its definition goes ahead of its first record on each connection."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sink  # noqa: E402

sys.path.insert(0, sink.INJECT)
from parallel_profiler_runtime import core  # noqa: E402

V = core.VAR
FIELDS = ('task', V, V, 'pool', '100% "done"\n', V, V, True, None, 'na\u00efve', 1.5, V)


class EventTemplateCase(unittest.TestCase):
    def setUp(self):
        self.flush, core.flush = core.flush, lambda wait=False: None
        del core.buf[:]
        self.templates = {}  # the collector's side of one connection

    def tearDown(self):
        core.flush = self.flush
        del core.buf[:]

    def sent(self):
        """The events buffered so far as the collector reads them, and the buffer is emptied."""
        payload = core._batch_payload(list(core.buf))
        del core.buf[:]
        if payload[:1] != core.BINARY_BATCH:
            return [list(event) for event in sink.json.loads(payload.decode())]
        return sink.decode_binary_batch(payload, self.templates)

    def test_ints_are_packed_into_a_record_of_the_template(self):
        values = (2**62, 7, -3, 0, -(2**63))
        core.EventTemplate(FIELDS).emit(values)
        self.assertEqual(len(core.buf), 2)  # the definition, then the record
        self.assertEqual(core.oldest, 2**62)
        expected = list(FIELDS)
        for i, value in zip([1, 2, 5, 6, 11], values):
            expected[i] = value
        self.assertEqual(self.sent(), [expected])

    def test_a_value_that_is_no_int64_falls_back_to_the_tuple(self):
        template = core.EventTemplate(FIELDS)
        for values in [(10, None, 'x', 0, 1), (10, 1, 2, 3, 2**63), (10, 1, 2, 3, 1.5)]:
            template.emit(values)
            (event,) = self.sent()
            self.assertEqual(event, list(core.filled(FIELDS, values)))

    def test_it_is_defined_once_per_connection(self):
        template = core.EventTemplate(FIELDS)
        template.emit((1, 2, 3, 4, 5))
        template.emit((6, 7, 8, 9, 10))
        self.assertEqual(len(core.buf), 3)
        self.assertEqual([e[1] for e in self.sent()], [1, 6])
        template.emit((11, 2, 3, 4, 5))  # a later batch on the same connection
        self.assertEqual([e[1] for e in self.sent()], [11])
        core.S.epoch = object()  # as a fork child does: a new connection, nothing defined there
        self.templates = {}
        template.emit((12, 2, 3, 4, 5))
        self.assertEqual([e[1] for e in self.sent()], [12])

    def test_tuples_and_records_keep_their_order_in_a_binary_batch(self):
        template = core.EventTemplate(FIELDS)
        core.emit(('run', 1, 2))
        template.emit((3, 2, 3, 4, 5))
        core.emit(('thread', 4, 2, 'T\u00e9'))
        self.assertEqual(self.sent(), [['run', 1, 2], list(core.filled(FIELDS, (3, 2, 3, 4, 5))),
                                       ['thread', 4, 2, 'T\u00e9']])

    def test_a_batch_of_tuples_only_is_a_json_array(self):
        core.emit(('run', 1, 2))
        self.assertEqual(core._batch_payload(list(core.buf)), b'[["run",1,2]]')

    def test_a_dropped_batch_makes_its_templates_defined_again(self):
        template = core.EventTemplate(('mcall', V, V, V, 'x' * 3000))
        for i in range(1400):  # over 4 MiB of definitions and records: not sent
            core.EventTemplate(('mcall', V, V, V, 'y' * 3000)).emit((i, 1, 2))
        template.emit((1, 2, 3))
        epoch, lost = core.S.epoch, core.S.lost
        self.assertEqual(core._batch_frame(list(core.buf)), b'')
        del core.buf[:]
        self.assertIsNot(core.S.epoch, epoch)
        self.assertEqual(core.S.lost - lost, 1401)  # events, not definitions
        core.S.lost = lost
        template.emit((4, 2, 3))
        self.assertEqual(self.sent(), [['mcall', 4, 2, 3, 'x' * 3000]])

    def test_templates_past_the_limit_send_tuples(self):
        ids, core._template_ids = core._template_ids, core.count(core.MAX_TEMPLATES + 1)
        try:
            template = core.EventTemplate(FIELDS)
        finally:
            core._template_ids = ids
        template.emit((1, 2, 3, 4, 5))
        self.assertEqual(core.buf, [core.filled(FIELDS, (1, 2, 3, 4, 5))])

    def test_threads_making_templates_at_once_get_distinct_ids(self):
        # Fails with an id counter that is read back after `+= 1` (seen on 3.8, where threads may
        # switch between any two bytecodes; 3.10+ switches only at calls and jumps).
        import sys
        import threading

        interval = sys.getswitchinterval()
        sys.setswitchinterval(1e-6)  # switch threads as often as it can
        made = [[] for _ in range(4)]

        def make(into):
            for _ in range(500):
                into.append(core.EventTemplate(FIELDS).id)

        threads = [threading.Thread(target=make, args=(into,)) for into in made]
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        finally:
            sys.setswitchinterval(interval)
        ids = [i for into in made for i in into]
        self.assertEqual(len(set(ids)), len(ids))

    def test_a_full_cache_keeps_no_more_templates(self):
        cache = {}

        def fields(key):
            return ('send', V, V, V, V, V, V, key)

        for key in range(core.MAX_CACHED):
            self.assertIsInstance(core.EventTemplate.cached(cache, key, fields, key),
                                  core.EventTemplate)
        self.assertIs(core.EventTemplate.cached(cache, 0, fields, 0), cache[0])
        extra = core.EventTemplate.cached(cache, 'new', fields, 'new')
        self.assertEqual(len(cache), core.MAX_CACHED)
        extra.emit((1, 2, 3, 4, 5, 6))
        self.assertEqual(core.buf, [('send', 1, 2, 3, 4, 5, 6, 'new')])
        unhashable = core.EventTemplate.cached({}, ['k'], fields, 'k')
        self.assertIsInstance(unhashable, core.TupleEvents)


if __name__ == '__main__':
    unittest.main()
