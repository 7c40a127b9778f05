"""multiprocessing.Pool (submit per chunk in the owner, task per chunk in the worker) and Manager
proxy calls. poolId = the channel id of the pool's task queue, which owner and workers share.

The messages on the Pool's own channels are not events of their own: the submit event carries the
task message's send and its result's receive (both in the owner), the task event the task
message's receive and its result's send (both in the worker), so a task costs two events, not six.
Sentinels (None) on these channels stay plain send / recv events.
"""
from . import core
from .channel_hooks import channel_id, emit_folded, folded, traced_get
from .core import S, emit, now, tid
from .patching import exc_info, fn_info, wraps

# Unknown message fields: a submit's send (sendTs, sendEndTs, sendIno, sendBytes) and receive
# (recvTid, getTs, recvTs, recvEndTs, recvIno, recvBytes, recvChanId); a task's receive (getTs,
# recvTs, recvEndTs, recvIno) or send (sendTs, sendEndTs, sendIno, sendChanId).
NO_HALF = (None,) * 4
NO_RECEIVED = (None,) * 7


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
    result never came is emitted when both handlers have ended (close / terminate)."""

    def __init__(self):
        self.waiting = {}
        self.running = [1, 1]  # list.pop is atomic: the handler that empties it drains

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
                emit(entry[1] + entry[2] + NO_RECEIVED)
            else:
                emit_folded(entry[1], entry[2])


def _meeting(outqueue):
    d = outqueue.__dict__
    meeting = d.get('_pp_meeting')
    if meeting is None:
        meeting = d.setdefault('_pp_meeting', _Meeting())
    return meeting


def _submitting(put, conn, meeting, mapstar, starmapstar):
    pool_id = conn.__dict__.get('_pp_chan')

    def put_task(task):
        if task is None or not S.on:
            return put(task)
        try:
            fn, items = chunk_of(task[2], task[3], mapstar, starmapstar)
            submit = ('submit', now(), tid(), 'pool', pool_id, task[0], task[1], items) + fn_info(fn)
        except Exception:
            return put(task)
        result, sent = folded(conn, put, task)
        if sent is not None and S.on:
            received = meeting.meet((task[0], task[1]), ('sent', submit, sent[:4]))
            if received is not None:
                emit(submit + sent[:4] + (received[2],) + received[1])
        return result

    return put_task


def _receiving(get, conn, meeting):
    def get_result():
        result, received = folded(conn, get)
        if received is None or not S.on:
            return result
        thread = tid()
        if result is None:  # a sentinel
            emit_folded(received, thread)
            return result
        try:
            key = (result[0], result[1])
        except Exception:
            emit_folded(received, thread)
            return result
        sent = meeting.meet(key, ('received', received, thread))
        if sent is not None:
            emit(sent[1] + sent[2] + (thread,) + received)
        return result

    return get_result


def _wrap_worker(original, mapstar, starmapstar):
    @wraps(original)
    def worker(inqueue, outqueue, *args, **kwargs):
        if S.on and hasattr(inqueue, '_reader'):
            core.set_role('pool-worker')
            tasks = _WorkerTasks(inqueue, outqueue, mapstar, starmapstar)
            inqueue = Delegate(inqueue, get=tasks.get)
            outqueue = Delegate(outqueue, put=tasks.put)
        return original(inqueue, outqueue, *args, **kwargs)

    return worker


def _pickled_size(item):
    try:
        return len(_forking_pickler().dumps(item))
    except Exception:
        return None


def _traced_task_get(inqueue):
    return traced_get(_read_task, inqueue, flush_first=False)


def _read_task(inqueue):
    """SimpleQueue.get of the task queue, deciding whether to flush while holding its read lock:
    Pool workers end by SIGTERM, so one that may idle here sends its events first. Checked outside
    the lock, the task seen waiting could be taken by another worker before this one reads it."""
    lock = inqueue._rlock
    if not lock.acquire(False):
        core.flush_pending()  # another worker is reading: this one may idle until terminated
        lock.acquire()
    try:
        if core.buf and not core._readable(inqueue._reader):
            core.flush()
        data = inqueue._reader.recv_bytes()
    finally:
        lock.release()
    return _forking_pickler().loads(data)


def _forking_pickler():
    from multiprocessing.reduction import ForkingPickler

    return ForkingPickler


class _WorkerTasks:
    """A task runs from the moment get() returned it to the moment its result is put."""

    def __init__(self, inqueue, outqueue, mapstar, starmapstar):
        self._inqueue, self._put = inqueue, outqueue.put
        self._stars = (mapstar, starmapstar)
        self._pool_id = channel_id(inqueue)
        self._reader = inqueue._reader
        self._writer = outqueue._writer
        self._current = None

    def get(self):
        task, received = folded(self._reader, _traced_task_get, self._inqueue)
        self._current = (now(), task, received)
        if task is None and S.on:  # the sentinel that ends this worker
            emit_folded(received, tid())
        return task

    def put(self, item):
        end = now()
        current, self._current = self._current, None
        if current is None or not S.on:
            return self._put(item)
        try:
            last = not core._readable(self._reader)
        except Exception:
            last = True
        if last:
            # No task is waiting: the parent may terminate this worker (SIGTERM) as soon as it has
            # this result, so the task is sent before the result (sized by pickling it as put does)
            # and the result's send stays an event of its own.
            self._emit_task(current, end, item, _pickled_size(item), None)
            core.flush()
            return self._put(item)
        result, sent = folded(self._writer, self._put, item)
        self._emit_task(current, end, item, sent[3] if sent else None, sent)
        return result

    def _emit_task(self, current, end, item, result_bytes, sent):
        try:
            self._emit(current, end, item, result_bytes, sent)
        except Exception:
            pass

    def _emit(self, current, end, item, result_bytes, sent):
        start, task, received = current
        job, index, (ok, value) = item
        fn, items = chunk_of(task[2], task[3], *self._stars)
        exc_type, message = exc_info(None if ok else value)
        emit(
            ('task', start, tid(), end, 'pool', self._pool_id, job, index, items)
            + fn_info(fn)
            + (received[4] if received else None, result_bytes, bool(ok), exc_type, message)
            + (received[:4] if received else NO_HALF)
            + (sent[:3] + sent[4:] if sent else NO_HALF)
        )


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
