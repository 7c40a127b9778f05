"""Channels: Pipe, Queue, JoinableQueue, SimpleQueue, and every message through them.

Bytes and times on the pipe come from `Connection._send_bytes` / `_recv_bytes` (one `send` / `recv`
event each, keyed by the inode of the pipe end). A Queue's feeder thread writes later than `put()`:
the k-th write of a queue in a process takes the time of the k-th put in that process.

Channel ids: the name of the queue's reader lock semaphore (shared by spawn/forkserver children),
or an id of ours kept on the object when there is no name (fork children inherit it).
"""
import os
from collections import deque

from . import core, task_page
from .core import (VAR, EventTemplate, S, emit, emit_wait, flush, flush_before_read,
                   flush_pending, next_id, now, tid)
from .patching import user_frame, wraps
from .sync_hooks import lock_id, tag_lock

# A get() that took longer than this blocked on an empty queue (or on other readers).
QUEUE_WAIT_NS = 100_000

_LABELS = {
    'queue': 'Queue',
    'joinable-queue': 'JoinableQueue',
    'simple-queue': 'SimpleQueue',
    'pipe': 'Pipe',
    'pool-tasks': 'Pool tasks',
    'pool-results': 'Pool results',
    'executor-calls': 'Executor calls',
    'executor-results': 'Executor results',
}


def inode(conn):
    """The inode of a connection's fd, cached on the object (its pickled form never includes it)."""
    d = conn.__dict__
    ino = d.get('_pp_ino')
    if ino is None:
        try:
            ino = d['_pp_ino'] = os.fstat(conn.fileno()).st_ino
        except (OSError, ValueError):
            return None
    return ino


def channel_id(queue):
    """The id every process computes alike for a queue (see module docstring)."""
    return lock_id(queue._rlock)


def emit_chan(chan_id, kind, ino_a, ino_b, where):
    label = _LABELS[kind]
    if where[2]:
        label = '%s %s:%s' % (label, os.path.basename(where[2]), where[3])
    emit(('chan', now(), tid(), chan_id, kind, label, ino_a, ino_b) + where)


def patch_connection(connection):
    conn_cls = connection.Connection
    conn_cls._send_bytes = _wrap_send_bytes(conn_cls._send_bytes)
    conn_cls._recv_bytes = _wrap_recv_bytes(conn_cls._recv_bytes)
    connection.Pipe = _wrap_pipe(connection.Pipe)


def _wrap_send_bytes(original):
    @wraps(original)
    def _send_bytes(self, buf):
        if not S.on:
            return original(self, buf)
        d = self.__dict__
        size = S.last_send = len(buf)
        # A child's own write (a Pipe's, a SimpleQueue's; a Queue's feeder: see _wrap_feed): its
        # parent may read it and end the child (terminate(), or at exit for a daemon).
        if not S.main and _spilled_write(self, original, buf):
            return None
        ts = now()
        result = original(self, buf)
        end = now()
        emit_send(ts, tid(), end, d.get('_pp_ino') or inode(self), size, ts, d.get('_pp_chan'))
        return result

    return _send_bytes


def send_before_write(conn, size):
    """A write of `size` bytes on `conn` (ts, endTs, ino, bytes, chanId) as it stands before the
    write: begun and ended now."""
    d = conn.__dict__
    ts = now()
    return (ts, ts, d.get('_pp_ino') or inode(conn), size, d.get('_pp_chan'))


def _spilled_write(conn, write, data):
    """write(conn, data) by a child process whose parent may end it once it has read this: the
    buffer and the write's `send`, as it stands before the write (send_before_write), go into the
    task page's spill first (core.spill_events), and the write's times are written in once it has
    returned. False, writing nothing, when this process has no page. The record is built only to
    be spilled: building it marks its template defined on this connection. (A tuple, if a value
    does not pack, keeps its provisional times.)"""
    task_page.open_page(spill=True)
    if core.spill is None:
        return False
    ts, end, ino, size, chan = send_before_write(conn, len(data))
    thread = tid()
    parts = _send_template(chan).records((ts, thread, end, ino, size, _put_time(conn.__dict__, ts)))
    mark = core.spill_events(parts, ts)
    ts = now()
    write(conn, data)
    if mark is not None:  # ts, tid, end, ino, size, putTs
        task_page.patch(mark, -48, ts, thread, now())
    return True


def keep_buffered(ts):
    """Before a Connection's read that may block, in a child process: its parent may end it
    (terminate(), or at exit for a daemon) while it waits, so its buffered events go into its task
    page's spill (core.spill_events), there until its next flush: a write to shared memory, not a
    send. (A Queue's reader spills at its feeder's writes instead, see _wrap_feed: in a pipeline
    of queues a spill per get cost ~20 %.)"""
    task_page.open_page(spill=True)
    if core.spill is not None:
        core.spill_events([], ts)


def _put_time(d, ts):
    """When the put() whose message a connection (its __dict__ `d`) writes at `ts` was called: a
    Queue's k-th write in a process is its k-th put there."""
    puts = d.get('_pp_puts')
    if puts is not None and puts[0] == S.pid and puts[1]:
        return puts[1].popleft()
    return ts


def _wrap_recv_bytes(original):
    @wraps(original)
    def _recv_bytes(self, maxsize=None):
        if not S.on:
            return original(self, maxsize)
        ts = now()
        d = self.__dict__
        if core.buf and not S.main and not d.get('_pp_get'):  # a Queue's: see _wrap_feed
            keep_buffered(ts)
        result = original(self, maxsize)
        end = now()
        ino = d.get('_pp_ino') or inode(self)
        size = S.last_recv = result.tell() if result is not None else None
        emit_recv(ts, tid(), end, ino, size, d.get('_pp_get') or ts, d.get('_pp_chan'))
        return result

    return _recv_bytes


def emit_folded(facts, thread):
    """The send / recv event of a message a Pool's hooks read or wrote themselves (pool_hooks), when
    no submit or task event carries it: facts are (ts, endTs, ino, bytes, chanId) of a send or
    (getTs, ts, endTs, ino, bytes, chanId) of a receive."""
    if facts is None:
        return
    if len(facts) == 5:
        ts, end, ino, size, chan = facts
        emit_send(ts, thread, end, ino, size, ts, chan)
    else:
        get_ts, ts, end, ino, size, chan = facts
        emit_recv(ts, thread, end, ino, size, get_ts, chan)


def unwrapped_io(conn):
    """`conn`'s own (_send_bytes, _recv_bytes), under our wrappers: for a caller that times the
    write or read itself and carries it on an event of its own (a Pool's handlers and workers,
    where each layer of calls per message costs ~1 us per task)."""
    cls = type(conn)
    return tuple(getattr(m, '__wrapped__', m) for m in (cls._send_bytes, cls._recv_bytes))


_sends = {}
_recvs = {}


def emit_send(ts, thread, end, ino, size, put_ts, chan):
    _send_template(chan).emit((ts, thread, end, ino, size, put_ts))


def _send_template(chan):
    return _sends.get(chan) or EventTemplate.cached(_sends, chan, _message_fields, 'send', chan)


def emit_recv(ts, thread, end, ino, size, get_ts, chan):
    template = _recvs.get(chan) or EventTemplate.cached(_recvs, chan, _message_fields, 'recv', chan)
    template.emit((ts, thread, end, ino, size, get_ts))


def _message_fields(kind, chan):
    return (kind,) + (VAR,) * 6 + (chan,)


def _wrap_pipe(original):
    @wraps(original)
    def Pipe(duplex=True):
        a, b = original(duplex)
        if S.on and not S.in_chan:
            try:
                chan = next_id()
                a._pp_chan = b._pp_chan = chan
                emit_chan(chan, 'pipe', inode(a), inode(b), user_frame())
            except Exception:
                pass
        return a, b

    return Pipe


def _tag(queue):
    """Labels a queue's connections and locks in this process; returns its channel id."""
    chan = channel_id(queue)
    queue._reader._pp_chan = queue._writer._pp_chan = chan
    tag_lock(queue._rlock, None, chan)  # contention on it is part of the get() wait
    sem = getattr(queue, '_sem', None)
    if sem is not None:
        tag_lock(sem, 'queue-put', chan)
    return chan


def _wrap_init(original, default_kind):
    @wraps(original)
    def __init__(self, *args, **kwargs):
        if not S.on:
            return original(self, *args, **kwargs)
        kind = S.pending_kinds.pop(0) if S.pending_kinds else default_kind(self)
        S.in_chan += 1
        try:
            original(self, *args, **kwargs)
        finally:
            S.in_chan -= 1
        try:
            chan = _tag(self)
            if kind is not None:  # None: machinery of no interest (the Pool's change notifier)
                emit_chan(chan, kind, inode(self._reader), inode(self._writer), user_frame())
        except Exception:  # never let tracing break the user's queue
            pass

    return __init__


def _wrap_setstate(original):
    @wraps(original)
    def __setstate__(self, state):
        original(self, state)
        if S.on:
            try:
                _tag(self)
            except Exception:
                pass

    return __setstate__


def _wrap_put(original):
    @wraps(original)
    def put(self, obj, block=True, timeout=None):
        if not S.on:
            return original(self, obj, block, timeout)
        ts = now()
        d = self._writer.__dict__
        puts = d.get('_pp_puts')
        if puts is None or puts[0] != S.pid:
            puts = d['_pp_puts'] = (S.pid, deque())
        puts[1].append(ts)
        try:
            return original(self, obj, block, timeout)
        except BaseException:
            try:
                puts[1].remove(ts)
            except ValueError:
                pass
            raise

    return put


def _wrap_feed(original):
    """A Queue's feeder thread writes what put() buffered, later, when it gets the GIL: in a worker
    often after the main thread flushed and blocked in its next get(), and the parent, which may
    be reading these very messages, may then end it (SIGTERM: terminate(), or at exit for a
    daemon). So in a child process the last write of each burst goes as a Pool worker's result
    does (pool_hooks): the events and this write's `send` into the task page's spill first, then
    the write. A daemon then flushes (it idles until it is ended); another process sends the spill
    at its next flush, saving a send per burst in pipelines of plain processes."""
    @wraps(original)
    def _feed(buffer, notempty, send_bytes, *args):
        if S.on:
            send_bytes = _feeder_send(send_bytes, buffer)
        return original(buffer, notempty, send_bytes, *args)

    return staticmethod(_feed)


def _feeder_send(send_bytes, buffer):
    """The feeder's send_bytes(obj), timing the Connection's own write inline: it runs once per
    message of every Queue (a layer of calls costs ~0.3 us a message)."""
    conn = send_bytes.__self__
    write = unwrapped_io(conn)[0]
    d = conn.__dict__
    thread = tid()  # this runs in the feeder thread
    child = not S.main

    def send(obj):
        if not S.on:
            return send_bytes(obj)
        if conn._handle is None or not conn._writable:  # Connection.send_bytes's checks
            conn._check_closed()
            conn._check_writable()
        last = child and not buffer  # a child's last write of a burst: the feeder waits next
        if not (last and _spilled_write(conn, write, obj)):
            ts = now()
            write(conn, obj)
            end = now()
            ino = d.get('_pp_ino') or inode(conn)
            emit_send(ts, thread, end, ino, len(obj), _put_time(d, ts), d.get('_pp_chan'))
        if last and S.daemon:
            flush(wait=True)

    return send


def _wrap_get(original):
    """Queue.get / SimpleQueue.get: records its start for the recv event and, if it blocked, a
    wait (one layer for both: it runs once per message)."""
    @wraps(original)
    def get(self, *args, **kwargs):
        if not S.on:
            return original(self, *args, **kwargs)
        ts = now()
        reader = self._reader
        flush_before_read(reader, ts)
        reader._pp_get = ts
        ok = False
        try:
            result = original(self, *args, **kwargs)
            ok = True
            return result
        finally:
            reader._pp_get = None
            end = now()
            if end - ts > QUEUE_WAIT_NS and S.on:
                chan = reader.__dict__.get('_pp_chan')
                emit_wait(ts, tid(), end, 'queue-get', chan, ok)

    return get


def _wrap_task_done(original):
    @wraps(original)
    def task_done(self):
        if S.on:
            unfinished = _unfinished(self)
            if unfinished != 0:  # 0: the call raises ValueError and marks nothing done
                emit(('taskdone', now(), tid(), self._reader.__dict__.get('_pp_chan')))
            if S.daemon or unfinished is None or unfinished <= 1:
                # A task_done may release a join() after which the parent ends its daemon workers
                # (SIGTERM), maybe before they block again: send the events before that can happen.
                flush_pending()
        return original(self)

    return task_done


def _unfinished(queue):
    try:
        return queue._unfinished_tasks.get_value()
    except Exception:  # NotImplementedError where sem_getvalue is missing (macOS)
        return None


def _wrap_queue_join(original):
    @wraps(original)
    def join(self):
        if not S.on:
            return original(self)
        ts = now()
        flush_pending()
        self._cond._pp_kind = None  # its condition wait is this queue-join wait
        original(self)
        chan = self._reader.__dict__.get('_pp_chan')
        emit_wait(ts, tid(), now(), 'queue-join', chan, True)

    return join


def patch_queues(queues):
    def queue_kind(queue):
        return 'joinable-queue' if isinstance(queue, queues.JoinableQueue) else 'queue'

    q = queues.Queue
    q.__init__ = _wrap_init(q.__init__, queue_kind)
    q.__setstate__ = _wrap_setstate(q.__setstate__)
    q.put = _wrap_put(q.put)
    q.get = _wrap_get(q.get)
    q._feed = _wrap_feed(q._feed)
    jq = queues.JoinableQueue
    jq.task_done = _wrap_task_done(jq.task_done)
    jq.join = _wrap_queue_join(jq.join)
    sq = queues.SimpleQueue
    sq.__init__ = _wrap_init(sq.__init__, lambda queue: 'simple-queue')
    sq.__setstate__ = _wrap_setstate(sq.__setstate__)
    sq.get = _wrap_get(sq.get)
