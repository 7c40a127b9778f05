"""concurrent.futures.ProcessPoolExecutor: submit in the owner (job = work id), task per call item
in the worker. poolId = the channel id of the executor's call queue."""
import functools

from . import task_page
from .channel_hooks import channel_id
from .core import VAR, EventTemplate, S, emit, filled, flush_before_read, now, tid
from .patching import exc_info, fn_info, wraps
from .pool_hooks import NO_HALF, NO_RECEIVED, Delegate

_worker = {'tasks': None}
# (poolId, fn_info) -> EventTemplate of a submit; of a succeeded task
_submits = {}
_tasks = {}


def _unchunk(fn, args, process_chunk):
    """executor.map submits partial(_process_chunk, fn) with a chunk as argument (3.8: the chunk
    inside the partial): report the user's fn and the item count."""
    if isinstance(fn, functools.partial) and fn.func is process_chunk and fn.args:
        chunk = fn.args[1] if len(fn.args) > 1 else args[0] if args else ()
        return fn.args[0], len(chunk)
    return fn, 1


def patch_executor(process):
    cls = process.ProcessPoolExecutor
    process_chunk = process._process_chunk
    init, submit = cls.__init__, cls.submit

    @wraps(init)
    def __init__(self, *args, **kwargs):
        if not S.on:
            return init(self, *args, **kwargs)
        S.pending_kinds = ['executor-calls', 'executor-results']
        task_page.preload()
        S.in_chan += 1  # the executor's internal wake-up Pipe is not a user channel
        try:
            init(self, *args, **kwargs)
        finally:
            S.pending_kinds = []
            S.in_chan -= 1

    @wraps(submit)
    def traced_submit(self, *args, **kwargs):
        if not S.on:
            return submit(self, *args, **kwargs)
        ts = now()
        work_id = self._queue_count
        future = submit(self, *args, **kwargs)
        try:
            fn = args[0] if args else kwargs.get('fn')
            fn, items = _unchunk(fn, args[1:], process_chunk)
            key = (channel_id(self._call_queue), fn_info(fn))
            template = EventTemplate.cached(_submits, key, _submit_fields, *key)
            template.emit((ts, tid(), work_id, items))
        except Exception:
            pass
        return future

    cls.__init__, cls.submit = __init__, traced_submit
    process._process_worker = _wrap_process_worker(process._process_worker, process_chunk)
    process._sendback_result = _wrap_sendback_result(process._sendback_result)


def _submit_fields(pool_id, info):
    return ('submit', VAR, VAR, 'executor', pool_id, VAR, None, VAR) + info + NO_HALF + NO_RECEIVED


def _task_fields(pool_id, info, ok, exc_type, message):
    head = ('task', VAR, VAR, VAR, 'executor', pool_id, VAR, None, VAR) + info
    return head + (VAR, VAR, ok, exc_type, message) + NO_HALF * 2


def _wrap_process_worker(original, process_chunk):
    @wraps(original)
    def _process_worker(call_queue, *args, **kwargs):
        if S.on and hasattr(call_queue, '_reader'):
            task_page.open_page()
            tasks = _worker['tasks'] = _ExecutorTasks(call_queue, process_chunk)
            call_queue = Delegate(call_queue, get=tasks.get)
        return original(call_queue, *args, **kwargs)

    return _process_worker


def _wrap_sendback_result(original):
    @wraps(original)
    def _sendback_result(result_queue, work_id, *args, **kwargs):
        end = now()
        result = original(result_queue, work_id, *args, **kwargs)
        tasks = _worker['tasks']
        if tasks is not None and S.on:
            try:
                tasks.done(work_id, end, kwargs.get('exception'))
            except Exception:
                pass
        return result

    return _sendback_result


class _ExecutorTasks:
    def __init__(self, call_queue, process_chunk):
        self._get = call_queue.get
        self._pool_id = channel_id(call_queue)
        self._reader = call_queue._reader
        self._process_chunk = process_chunk
        self._current = None

    def get(self, *args, **kwargs):
        if S.on:
            flush_before_read(self._reader, now())
        item = self._get(*args, **kwargs)
        if item is None:
            self._current = None
            return item
        start = now()
        try:
            fn, items = _unchunk(item.fn, item.args, self._process_chunk)
            info = fn_info(fn)
        except Exception:
            self._current = None
            return item
        arg_bytes = S.last_recv
        self._current = (start, item, arg_bytes, info, items)
        if S.on:
            # In this worker's task page, which outlives a kill (task_page.py).
            values = (start, tid(), item.work_id, None, items, arg_bytes) + NO_HALF
            task_page.begin(info, self._page_constants, values)
        return item

    def _page_constants(self, info):
        return ['executor', self._pool_id] + list(info)

    def done(self, work_id, end, exception):
        task_page.end()
        current = self._current
        if current is None or current[1].work_id != work_id:
            return
        self._current = None
        start, item, arg_bytes, info, items = current
        values = (start, tid(), end, work_id, items, arg_bytes, S.last_send)
        if exception is None:
            key = (self._pool_id, info)
            template = EventTemplate.cached(_tasks, key, _task_fields, *key, True, None, None)
            template.emit(values)
        else:
            fields = _task_fields(self._pool_id, info, False, *exc_info(exception))
            emit(filled(fields, values))
