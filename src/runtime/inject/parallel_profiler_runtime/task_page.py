"""The task a Pool or executor worker is running, kept in a page of shared memory: a file named
`t<pid>` in the collector's private directory, mapped by the worker. A task's event is sent when the
task ends, so a worker killed while running one (Pool.terminate(), a crash, the OOM killer) would
take it along; the collector reads the page once the worker's connection has closed and reports the
task as unfinished (docs/wire-protocol.md, "Task page"). Writing it costs one struct.pack_into when
a task starts and one when it ends; the task's constant fields are written when they change.

Every child process (a Pool worker at its start, others at their first write or read of a
Connection) also keeps its unsent events in the page's spill region (Spill, core.spill_events):
its parent may end it as soon as it has read what it wrote, and what is in the page is not lost.
"""
import os
import struct

from . import core
from .core import S

PAGE_BYTES = 4096
SPILL_AT = PAGE_BYTES
SPILL_BYTES = 1 << 20  # a sparse file: only the pages written take memory
# state (1 while a task runs), bytes in the spill region, ts, tid, job, index, items, argBytes,
# getTs, recvTs, recvEndTs, recvIno (-1 for null), then the length of the constants' JSON, which
# starts at CONSTANTS_AT.
_HEADER = struct.Struct('<II10qI')
_pack_header = _HEADER.pack_into
_pack_u32 = struct.Struct('<I').pack_into  # the state at 0, the bytes spilled at 4
_pack_state_spilled = struct.Struct('<II').pack_into
CONSTANTS_AT = 96
NULL = -1

_page = None  # this process's mapped page, or None (no task yet, or it could not be made)
_pid = 0  # the pid _page is for: a fork child has its parent's until it opens its own
_inherited = None  # a fork parent's page, kept mapped: freeing it would write the child's memory
_constants = None  # the key of the constants in the page
_constants_bytes = 0
_prefix = None  # the page's path but the pid, made by a pool's owner: its fork workers inherit it
_spill = None  # this process's Spill, when it has one


def preload():
    """In a pool's owner, before it forks its workers: importing mmap costs each fork child that
    would import it itself about 0.8 ms (its pages are copied as it loads), building the page's
    path ~50 us (posixpath's first run there copied ~11 pages)."""
    global _prefix
    try:
        import mmap  # noqa: F401

        _prefix = _path_prefix()
    except Exception:  # the workers do it themselves
        pass


def _path_prefix():
    return os.path.join(os.path.dirname(core.socket_path()), 't')


def open_page(spill=False):
    """Maps this worker's page as it starts, before its first task, so that neither the mapping nor
    the connection made first (so that the collector knows whose page it is) is timed as part of a
    task. With `spill`, its unsent events are kept in the page (core.spill_events). Once per
    process: a later call only adds the spill."""
    global _page, _pid, _inherited, _constants, _spill
    if _pid == S.pid:
        if spill and _page is not None and _spill is None:
            _spill = core.spill = Spill(_page)
        return
    _inherited, _page, _pid, _constants, _spill = _page, None, S.pid, None, None
    try:
        import mmap

        core.flush()
        if not (S.on and S.hello_sent):
            return
        path = '%s%d' % (_prefix or _path_prefix(), S.pid)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        try:
            os.ftruncate(fd, PAGE_BYTES + SPILL_BYTES)
            _page = mmap.mmap(fd, PAGE_BYTES + SPILL_BYTES)
        finally:
            os.close(fd)
        if spill:
            _spill = core.spill = Spill(_page)
    except Exception:
        _page = None  # no page in this process; the run goes on


def begin(key, constants, values):
    """A task starts: `values` are ts, tid, job, index, items, argBytes, getTs, recvTs, recvEndTs,
    recvIno (None for null); `constants(key)` gives [kind, poolId, fnName, fnModule, fnFile,
    fnLine], written when `key` differs from the last task's."""
    global _constants, _constants_bytes
    if _pid != S.pid:
        open_page()  # not opened as the worker started
    page = _page
    if page is None:
        return
    try:
        if None in values:
            values = [NULL if v is None else v for v in values]
        if key is not _constants:
            data = core.encode(constants(key)).encode()
            if CONSTANTS_AT + len(data) > PAGE_BYTES:
                _constants = None
                return
            page[CONSTANTS_AT:CONSTANTS_AT + len(data)] = data
            _constants, _constants_bytes = key, len(data)
        _pack_header(page, 0, 1, _spill.size if _spill else 0, *values, _constants_bytes)
    except Exception:
        pass


def end():
    """The task ended: its event tells of it from now on."""
    if _page is not None and _pid == S.pid:
        _pack_u32(_page, 0, 0)


def patch(mark, offset, *values):
    """Writes consecutive int64 `values` at `offset` from the end of the parts core.spill_events
    spilled and marked with `mark`: the times of a send, known once its write returned. Nothing if
    another thread sent the region (and maybe filled it again) meanwhile: the record then went with
    its provisional times."""
    region = _spill
    if region is None or _pid != S.pid:
        return
    sent, end = mark
    pack = _int64_packers.get(len(values)) or _int64_packer(len(values))
    with core._lock:
        if region.sent == sent:
            pack(region.page, end + offset, *values)


_int64_packers = {}


def _int64_packer(count):
    pack = _int64_packers[count] = struct.Struct('<%dq' % count).pack_into
    return pack


class Spill:
    """The spill region of a page: records (as in a binary batch) not sent yet, and their count in
    the header. core.spill_events moves the buffer in before a write after which the process may be
    terminated; core's flush sends them first in its batch and then empties the region, so
    a worker killed after that send but before the reset leaves the collector a copy of the start
    of its last batch, which it recognizes (docs/wire-protocol.md, "Task page")."""

    __slots__ = ('page', 'room', 'size', 'events', 'since', 'sent')

    def __init__(self, page):
        self.page = page
        self.room = SPILL_BYTES
        self.size = 0  # bytes in the region
        self.events = 0  # events among them (definitions are not events)
        self.since = 0  # time of the oldest
        self.sent = 0  # times it was sent and emptied

    def add(self, data, events, since, task_ended):
        """Appends `data` (it fits), in one write of the header marking the running task ended if
        `task_ended`; returns the page offset just past `data`."""
        start = SPILL_AT + self.size
        end = start + len(data)
        if not self.events:
            self.since = since
        self.page[start:end] = data
        self.size += len(data)
        self.events += events
        if task_ended:
            _pack_state_spilled(self.page, 0, 0, self.size)
        else:
            _pack_u32(self.page, 4, self.size)
        return end

    def take(self):
        return self.page[SPILL_AT:SPILL_AT + self.size]

    def clear(self):
        """Its contents were sent (or counted lost)."""
        self.size = self.events = 0
        self.sent += 1
        _pack_u32(self.page, 4, 0)
