"""multiprocessing.Pool (submit per chunk in the owner, task per chunk in the worker) and Manager
proxy calls. poolId = the channel id of the pool's task queue, which owner and workers share."""
from . import core
from .channel_hooks import channel_id
from .core import S, emit, now, tid
from .patching import exc_info, fn_info, wraps


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

    @wraps(handle_tasks)
    def _handle_tasks(taskqueue, put, *args):
        conn = getattr(put, '__self__', None)
        if S.on and hasattr(conn, '_send_bytes'):  # a process Pool, not a ThreadPool
            put = _submitting(put, conn.__dict__.get('_pp_chan'), mapstar, starmapstar)
        return handle_tasks(taskqueue, put, *args)

    cls.__init__ = __init__
    cls._handle_tasks = staticmethod(_handle_tasks)
    pool.worker = _wrap_worker(pool.worker, mapstar, starmapstar)


def _submitting(put, pool_id, mapstar, starmapstar):
    def put_task(task):
        if task is not None and S.on:
            try:
                fn, items = chunk_of(task[2], task[3], mapstar, starmapstar)
                emit(('submit', now(), tid(), 'pool', pool_id, task[0], task[1], items) + fn_info(fn))
            except Exception:
                pass
        return put(task)

    return put_task


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
        from multiprocessing.reduction import ForkingPickler

        return len(ForkingPickler.dumps(item))
    except Exception:
        return None


class _WorkerTasks:
    """A task runs from the moment get() returned it to the moment its result is put."""

    def __init__(self, inqueue, outqueue, mapstar, starmapstar):
        self._get, self._put = inqueue.get, outqueue.put
        self._stars = (mapstar, starmapstar)
        self._pool_id = channel_id(inqueue)
        self._reader = inqueue._reader
        self._current = None

    def get(self):
        if S.on:
            core.flush_before_read(self._reader, now())  # Pool workers end by SIGTERM
        task = self._get()
        self._current = (now(), task, S.last_recv)
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
            # this result, so the task is sent before the result (sized by pickling it as put does).
            self._emit_task(current, end, item, _pickled_size(item))
            core.flush()
            return self._put(item)
        result = self._put(item)
        self._emit_task(current, end, item, S.last_send)
        return result

    def _emit_task(self, current, end, item, result_bytes):
        try:
            self._emit(current, end, item, result_bytes)
        except Exception:
            pass

    def _emit(self, current, end, item, result_bytes):
        start, task, arg_bytes = current
        job, index, (ok, value) = item
        fn, items = chunk_of(task[2], task[3], *self._stars)
        exc_type, message = exc_info(None if ok else value)
        emit(
            ('task', start, tid(), end, 'pool', self._pool_id, job, index, items)
            + fn_info(fn)
            + (arg_bytes, result_bytes, bool(ok), exc_type, message)
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
