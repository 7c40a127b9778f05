"""multiprocessing.Pool (submit per chunk in the owner, task per chunk in the worker) and Manager
proxy calls. poolId = the channel id of the pool's task queue, which owner and workers share.

The messages on the Pool's own channels are not events of their own: the submit event carries the
task message's send and its result's receive (both in the owner), the task event the task
message's receive and its result's send (both in the worker), so a task costs two events, not six.
Sentinels (None) on these channels stay plain send / recv events.
"""
from multiprocessing import connection

from . import core, task_page
from .channel_hooks import (QUEUE_WAIT_NS, channel_id, emit_folded, emit_send, inode,
                            keep_buffered, send_before_write, unwrapped_io)
from .core import VAR, EventTemplate, S, emit, emit_wait, filled, now, tid
from .patching import exc_info, fn_info, wraps

# Unknown message fields: a submit's send (sendTs, sendEndTs, sendIno, sendBytes) and receive
# (recvTid, getTs, recvTs, recvEndTs, recvIno, recvBytes, recvChanId); a task's receive (getTs,
# recvTs, recvEndTs, recvIno) or send (sendTs, sendEndTs, sendIno, sendChanId).
NO_HALF = (None,) * 4
NO_RECEIVED = (None,) * 7
NO_VALUES = (None,) * 6  # the variable fields of a submit's unknown receive


class Delegate:
    """Stands for a queue inside a worker loop, overriding some methods (the loop binds
    `queue.get` / `queue.put` once and reaches `_reader` / `_writer` too)."""

    def __init__(self, target, **overrides):
        self._target = target
        self.__dict__.update(overrides)

    def __getattr__(self, name):
        return getattr(self._target, name)


def chunk_of(func, args, mapstar, starmapstar):
    """The user's function and item count of a Pool task `(job, i, func, args, kwds)`."""
    if func is mapstar or func is starmapstar:
        fn, chunk = args[0]
        return fn, len(chunk)
    return func, 1


def patch_pool(pool):
    cls = pool.Pool
    mapstar, starmapstar = pool.mapstar, pool.starmapstar
    init = cls.__init__
    thread_pool = getattr(pool, 'ThreadPool', ())

    @wraps(init)
    def __init__(self, *args, **kwargs):
        if S.on:
            # Pool.__init__ builds its task and result queues, then a change notifier that is
            # no user channel (a ThreadPool's task and result queues are not mp queues).
            internal = [] if isinstance(self, thread_pool) else ['pool-tasks', 'pool-results']
            S.pending_kinds = internal + [None]
            if internal:
                task_page.preload()
        try:
            init(self, *args, **kwargs)
        finally:
            S.pending_kinds = []

    handle_tasks = cls.__dict__['_handle_tasks'].__func__
    handle_results = cls.__dict__['_handle_results'].__func__

    # (taskqueue, put, outqueue, pool, cache) and (outqueue, get, cache) in 3.8-3.13
    @wraps(handle_tasks)
    def _handle_tasks(taskqueue, put, outqueue, *args):
        conn = getattr(put, '__self__', None)
        if not (S.on and hasattr(conn, '_send_bytes')):  # a ThreadPool has no pipes
            return handle_tasks(taskqueue, put, outqueue, *args)
        meeting = _meeting(outqueue)
        meeting.pool_id = conn.__dict__.get('_pp_chan')
        try:
            put = _submitting(put, conn, meeting, mapstar, starmapstar)
            return handle_tasks(taskqueue, put, outqueue, *args)
        finally:
            meeting.handler_done()

    @wraps(handle_results)
    def _handle_results(outqueue, get, *args):
        conn = getattr(get, '__self__', None)
        if not (S.on and hasattr(conn, '_recv_bytes')):
            return handle_results(outqueue, get, *args)
        meeting = _meeting(outqueue)
        try:
            return handle_results(outqueue, _receiving(get, conn, meeting), *args)
        finally:
            meeting.handler_done()

    cls.__init__ = __init__
    cls._handle_tasks = staticmethod(_handle_tasks)
    cls._handle_results = staticmethod(_handle_results)
    pool.worker = _wrap_worker(pool.worker, mapstar, starmapstar)


class _Meeting:
    """Where a Pool's task handler thread (a task message sent) and result handler thread (its
    result received) meet: the second to arrive emits the submit event carrying both. A task whose
    result never came is emitted when both handlers have ended (close / terminate). Entries:
    ('sent', fn_info, values) with the submit's values up to its send's, ('received', facts, tid).
    """

    def __init__(self):
        self.waiting = {}
        self.running = [1, 1]  # list.pop is atomic: the handler that empties it drains
        self.pool_id = None
        self.templates = {}  # (fn_info, recvChanId) -> EventTemplate of the submit event

    def meet(self, key, mine):
        """The other side's entry for `key` if it came first (then both are done), else None."""
        other = self.waiting.setdefault(key, mine)
        if other is mine:
            return None
        del self.waiting[key]
        return other

    def handler_done(self):
        self.running.pop()
        if self.running:
            return
        waiting, self.waiting = self.waiting, {}
        for entry in waiting.values():
            if entry[0] == 'sent':
                self.emit_submit(entry[1], entry[2] + NO_VALUES, None)
            else:
                emit_folded(entry[1], entry[2])

    def emit_submit(self, info, values, recv_chan):
        """values: ts, tid, job, index, items, the send's 4 fields, recvTid and the receive's fields
        but its channel (recv_chan)."""
        key = (info, recv_chan)
        template = self.templates.get(key) or EventTemplate.cached(
            self.templates, key, _submit_fields, self.pool_id, *key)
        template.emit(values)


def _submit_fields(pool_id, info, recv_chan):
    head = ('submit', VAR, VAR, 'pool', pool_id, VAR, VAR, VAR) + info
    return head + (VAR,) * 10 + (recv_chan,)


def _meeting(outqueue):
    d = outqueue.__dict__
    meeting = d.get('_pp_meeting')
    if meeting is None:
        meeting = d.setdefault('_pp_meeting', _Meeting())
    return meeting


def _submitting(put, conn, meeting, mapstar, starmapstar):
    """`put` (conn.send) for the task handler: a task's write is carried on its submit event. The
    send's steps are inline (Connection.send, timed as channel_hooks does): the owner's handler
    threads share one GIL, and a Pool's wall time waits on them."""
    send_bytes = unwrapped_io(conn)[0]
    dumps = connection._ForkingPickler.dumps  # as Connection.send
    ino, chan = inode(conn), conn.__dict__.get('_pp_chan')
    thread = tid()  # this runs in the task handler thread

    def put_task(task):
        if task is None or not S.on:
            return put(task)
        submit_ts = now()
        if conn._handle is None or not conn._writable:  # Connection.send's checks, which raise
            conn._check_closed()
            conn._check_writable()
        data = dumps(task)
        ts = now()
        send_bytes(conn, data)
        end = now()
        if not S.on:
            return
        try:
            fn, items = chunk_of(task[2], task[3], mapstar, starmapstar)
            info = fn_info(fn)
            key = (task[0], task[1])
        except Exception:
            emit_send(ts, thread, end, ino, len(data), ts, chan)
            return
        values = (submit_ts, thread, key[0], key[1], items, ts, end, ino, len(data))
        received = meeting.meet(key, ('sent', info, values))
        if received is not None:
            facts = received[1]
            meeting.emit_submit(info, values + (received[2],) + facts[:5], facts[5])

    return put_task


def _receiving(get, conn, meeting):
    """`get` (conn.recv) for the result handler, inline as _submitting's put."""
    recv_bytes = unwrapped_io(conn)[1]
    loads = connection._ForkingPickler.loads
    ino, chan = inode(conn), conn.__dict__.get('_pp_chan')
    thread = tid()  # this runs in the result handler thread

    def get_result():
        if not S.on:
            return get()
        if conn._handle is None or not conn._readable:
            conn._check_closed()
            conn._check_readable()
        ts = now()
        if core.buf and not S.main:  # a Pool of a child process
            keep_buffered(ts)
        buf = recv_bytes(conn)
        end = now()
        result = loads(buf.getbuffer())
        if not S.on:
            return result
        received = (ts, ts, end, ino, buf.tell(), chan)
        try:
            key = (result[0], result[1]) if result is not None else None
        except Exception:
            key = None
        if key is None:  # a sentinel, or not a result
            emit_folded(received, thread)
            return result
        sent = meeting.meet(key, ('received', received, thread))
        if sent is not None:
            meeting.emit_submit(sent[1], sent[2] + (thread,) + received[:5], received[5])
        return result

    return get_result


def _wrap_worker(original, mapstar, starmapstar):
    # Looked up here, in the process that imports the pool (queues binds the class at import):
    # a fork worker looking it up for itself copied ~12 pages.
    from multiprocessing.reduction import ForkingPickler

    coders = (ForkingPickler.loads, ForkingPickler.dumps)

    @wraps(original)
    def worker(inqueue, outqueue, *args, **kwargs):
        if S.on and hasattr(inqueue, '_reader'):
            core.set_role('pool-worker')
            task_page.open_page(spill=True)
            tasks = _WorkerTasks(inqueue, outqueue, mapstar, starmapstar, coders)
            inqueue = Delegate(inqueue, get=tasks.get)
            outqueue = Delegate(outqueue, put=tasks.put)
        return original(inqueue, outqueue, *args, **kwargs)

    return worker


class _WorkerTasks:
    """A task runs from the moment get() returned it to the moment its result is put. Both run
    once per task, so they do the work of channel_hooks' get wrapper, SimpleQueue.get / put and
    Connection.recv_bytes / send_bytes inline, timing the read and write themselves (measured:
    each layer of calls costs a worker about a microsecond per task)."""

    def __init__(self, inqueue, outqueue, mapstar, starmapstar, coders):
        self._put = outqueue.put
        self._stars = (mapstar, starmapstar)
        self._pool_id = channel_id(inqueue)
        self._reader = inqueue._reader
        self._read_lock = inqueue._rlock._semlock  # its waits are part of the get's
        self._readable = core.poller(self._reader)
        self._loads, self._dumps = coders
        self._writer = outqueue._writer
        self._write_lock = outqueue._wlock
        self._send_bytes = unwrapped_io(self._writer)[0]
        self._recv_bytes = unwrapped_io(self._reader)[1]
        self._reader_ino = inode(self._reader)
        self._reader_chan = self._reader.__dict__.get('_pp_chan')
        self._current = None
        # fn_info -> EventTemplate of a succeeded task whose result's send it carries / does not
        self._templates = ({}, {})

    def get(self):
        ts = now()
        ok = False
        try:
            task, read = self._read_task()
            ok = True
        finally:
            start = now()
            if start - ts > QUEUE_WAIT_NS and S.on:
                emit_wait(ts, tid(), start, 'queue-get', self._pool_id, ok)
        # getTs (the get began before the read), recvTs, recvEndTs, ino, bytes, chanId
        received = (ts,) + read + (self._reader_chan,) if S.on else None
        if task is None:  # the sentinel that ends this worker
            self._current = None
            if received:
                emit_folded(received, tid())
            return task
        try:
            fn, items = chunk_of(task[2], task[3], *self._stars)
            info = fn_info(fn)
        except Exception:
            self._current = None
            return task
        self._current = (start, task, received, info, items)
        if S.on:
            # In this worker's task page, which outlives a kill (task_page.py).
            if received:
                values = (start, tid(), task[0], task[1], items, received[4]) + received[:4]
            else:
                values = (start, tid(), task[0], task[1], items, None) + NO_HALF
            task_page.begin(info, self._page_constants, values)
        return task

    def _page_constants(self, info):
        return ['pool', self._pool_id] + list(info)

    def _read_task(self):
        """SimpleQueue.get of the task queue: (the task, (recvTs, recvEndTs, ino, bytes)). Decides
        whether to flush while holding its read lock: Pool workers end by SIGTERM, so one that may
        idle here sends its events first. Checked outside the lock, the task seen waiting could be
        taken by another worker."""
        lock = self._read_lock
        reader = self._reader
        if not lock.acquire(False):
            core.flush_pending()  # another worker is reading: this one may idle until terminated
            lock.acquire()
        try:
            if core.unsent() and not self._readable():
                core.flush()
            if reader._handle is None or not reader._readable:
                reader._check_closed()
                reader._check_readable()
            ts = now()
            if core.buf and S.on:  # events the flush did not take: kept across the read
                keep_buffered(ts)
            data = self._recv_bytes(reader)
            end = now()
        finally:
            lock.release()
        return self._loads(data.getbuffer()), (ts, end, self._reader_ino, data.tell())

    def put(self, item):
        end = now()
        current = self._current
        if current is None or not S.on:
            task_page.end()
            self._current = None
            return self._put(item)
        # As SimpleQueue.put: pickled before the write lock. If that raises, the worker puts a
        # MaybeEncodingError instead, for this task still.
        data = self._dumps(item)
        self._current = None
        writer = self._writer
        try:
            ok = item[2][0] is True
        except Exception:
            ok = False
        if not ok:  # a failure: its result's send is an event of its own (the wrapped write's)
            if core.spill is None:
                task_page.end()
                self._emit(current, end, item, len(data), None)
            else:
                parts = self._records(current, end, item, len(data), None)
                if parts:
                    core.spill_events(parts, end, task_ended=True)
            self._write(type(writer).send_bytes, data)  # wrapped: emits the send
            return
        sent = send_before_write(writer, len(data))
        if core.spill is None:  # no task page: buffered after the write, as any event
            task_page.end()
            ts, end_write = self._write(self._send_bytes, data)
            self._emit(current, end, item, len(data), (ts, end_write) + sent[2:])
            return
        # The parent may terminate this worker (SIGTERM) as soon as it has this result: so the
        # buffered events and this task's go into its task page first, the result's send taking
        # no time until the write has returned and its times are written in.
        parts = self._records(current, end, item, len(data), sent)
        mark = core.spill_events(parts, end, task_ended=True) if parts else None
        ts, end_write = self._write(self._send_bytes, data)
        if mark is not None:  # sendTs, sendEndTs, sendIno end the record
            task_page.patch(mark, -24, ts, end_write)

    def _write(self, write, data):
        """write(writer, data) under the queue's write lock, as SimpleQueue.put; returns when the
        write began and ended, the lock held."""
        lock = self._write_lock
        if lock is None:
            ts = now()
            write(self._writer, data)
            return ts, now()
        with lock:
            ts = now()
            write(self._writer, data)
            return ts, now()

    def _emit(self, current, end, item, result_bytes, sent):
        """Buffers the task event of `current`, whose result `item` was sent as `sent` says."""
        try:
            template, values = self._event(current, end, item, result_bytes, sent)
            if template is None:
                emit(values)
            else:
                template.emit(values)
        except Exception:
            pass

    def _records(self, current, end, item, result_bytes, sent):
        """The task event as records, to spill."""
        try:
            template, values = self._event(current, end, item, result_bytes, sent)
            return [values] if template is None else template.records(values)
        except Exception:
            return None

    def _event(self, current, end, item, result_bytes, sent):
        """The task event: (its template, values), by a template per function, or (None, tuple)
        for a failure, whose message is one of its constants."""
        start, task, received, info, items = current
        job, index, (ok, value) = item
        values = (start, tid(), end, job, index, items, received[4] if received else None)
        values += (result_bytes,) + (received[:4] if received else NO_HALF)
        if sent:
            values += sent[:3]
        if not ok:
            return None, filled(self._fields(info, False, value, sent), values)
        cache = self._templates[sent is None]
        return EventTemplate.cached(cache, info, self._fields, info, True, None, sent), values

    def _fields(self, info, ok, error, sent):
        exc_type, message = exc_info(None if ok else error)
        head = ('task', VAR, VAR, VAR, 'pool', self._pool_id, VAR, VAR, VAR) + info
        sends = (VAR,) * 3 + sent[4:] if sent else NO_HALF
        return head + (VAR, VAR, ok, exc_type, message) + (VAR,) * 4 + sends


def patch_managers(managers):
    proxy = managers.BaseProxy
    callmethod = proxy._callmethod

    @wraps(callmethod)
    def _callmethod(self, methodname, *args, **kwargs):
        if not S.on:
            return callmethod(self, methodname, *args, **kwargs)
        ts = now()
        ok = False
        try:
            result = callmethod(self, methodname, *args, **kwargs)
            ok = True
            return result
        finally:
            emit(('mcall', ts, tid(), now(), self._token.typeid, methodname, ok))

    proxy._callmethod = _callmethod
