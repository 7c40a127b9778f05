"""EventTemplate (core.py) writes exactly the JSON the encoder writes for the same event tuple."""
import json
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
        self.sent = []
        self.emit, core.emit = core.emit, lambda ev, ts=None: self.sent.append((ev, ts))

    def tearDown(self):
        core.emit = self.emit

    def event(self, values):
        """The buffered event as the collector will read it, and its time."""
        template = core.EventTemplate(FIELDS)
        template.emit(values)
        (ev, ts), = self.sent
        return json.loads(core._batch_text([ev]))[0], ts

    def test_ints_are_formatted_into_the_encoded_constants(self):
        values = (2**62, 7, -3, 0, 12345678901234567890)
        event, ts = self.event(values)
        self.assertIsInstance(self.sent[0][0], str)
        expected = list(FIELDS)
        for i, value in zip([1, 2, 5, 6, 11], values):
            expected[i] = value
        self.assertEqual(event, expected)
        self.assertEqual(ts, 2**62)

    def test_a_value_that_is_no_int_falls_back_to_the_tuple(self):
        event, ts = self.event((10, None, 'x', 0, 1))
        self.assertIsInstance(self.sent[0][0], tuple)
        self.assertEqual(event[:7], ['task', 10, None, 'pool', '100% "done"\n', 'x', 0])
        self.assertEqual(ts, None)  # a tuple's time is its field 1


if __name__ == '__main__':
    unittest.main()
