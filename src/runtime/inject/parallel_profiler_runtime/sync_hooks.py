"""Waits on synchronisation objects: Lock / RLock / Semaphore (also the locks of Value and Array),
Condition, Event, Barrier.

A lock acquisition is tried with acquire(False) first; only when that fails is the blocking
acquisition timed and recorded. Each SemLock carries `_pp_info = [kind, id]` (kind None: the wait is
part of an outer one that records itself, e.g. a queue's reader lock or a Condition's semaphores).
Objects pickle exactly as before: SemLock and Condition pickle through __getstate__.
"""
from . import core
from .core import S, emit_wait, now, tid
from .patching import wraps


def lock_id(lock):
    info = lock.__dict__.get('_pp_info')
    return info[1] if info else None


def tag_lock(lock, kind, obj_id=None):
    info = lock.__dict__.get('_pp_info')
    if info is not None:
        info[0] = kind
        if obj_id is not None:
            info[1] = obj_id


def _blocking_acquire(semlock, info, block, timeout):
    ts = now()
    if info[0] is not None:
        core.flush_if_stale(ts)
    ok = semlock.acquire(block, timeout)
    if info[0] is not None and S.on:
        emit_wait(ts, tid(), now(), info[0], info[1], bool(ok))
    return ok


def _make_acquire(semlock, info):
    # The closure holds the C semlock and the info list, never the Python object: no cycle.
    def acquire(block=True, timeout=None):
        if not block or not S.on:
            return semlock.acquire(block, timeout)
        if semlock.acquire(False):
            return True
        return _blocking_acquire(semlock, info, block, timeout)

    return acquire


def patch_synchronize(synchronize):
    sem_lock = synchronize.SemLock
    make_methods = sem_lock._make_methods

    @wraps(make_methods)
    def _make_methods(self):
        make_methods(self)
        semlock = self._semlock
        kind = 'semaphore' if isinstance(self, synchronize.Semaphore) else 'lock'
        info = self.__dict__.get('_pp_info')
        if info is None:
            # A named semaphore is the same object in every process; fork children inherit ours.
            info = self._pp_info = [kind, semlock.name or core.next_id()]
        self.acquire = _make_acquire(semlock, info)

    sem_lock._make_methods = _make_methods

    @wraps(sem_lock.__enter__)
    def __enter__(self):
        semlock = self._semlock
        if semlock.acquire(False):
            return True
        info = self.__dict__.get('_pp_info')
        if info is None or not S.on:
            return semlock.acquire()
        return _blocking_acquire(semlock, info, True, None)

    sem_lock.__enter__ = __enter__
    _patch_condition(synchronize.Condition)
    _patch_waiter(synchronize.Event, 'event')
    _patch_waiter(synchronize.Barrier, 'barrier')


def _patch_condition(condition):
    def tag_semaphores(cond):
        for name in ('_sleeping_count', '_woken_count', '_wait_semaphore'):
            tag_lock(getattr(cond, name), None)

    init, setstate, wait = condition.__init__, condition.__setstate__, condition.wait

    @wraps(init)
    def __init__(self, *args, **kwargs):
        init(self, *args, **kwargs)
        tag_semaphores(self)

    @wraps(setstate)
    def __setstate__(self, state):
        setstate(self, state)
        tag_semaphores(self)

    @wraps(wait)
    def traced_wait(self, timeout=None):
        kind = self.__dict__.get('_pp_kind', 'condition')
        if kind is None or not S.on:
            return wait(self, timeout)
        ts = now()
        core.flush_pending()
        ok = wait(self, timeout)
        emit_wait(ts, tid(), now(), kind, lock_id(self._lock), bool(ok))
        return ok

    condition.__init__, condition.__setstate__, condition.wait = __init__, __setstate__, traced_wait


def _patch_waiter(cls, kind):
    """Event.wait and Barrier.wait: one wait each, not the condition wait inside them."""
    wait = cls.wait

    @wraps(wait)
    def traced_wait(self, timeout=None):
        if not S.on:
            return wait(self, timeout)
        self._cond._pp_kind = None
        ts = now()
        core.flush_pending()
        ok = False
        try:
            result = wait(self, timeout)
            ok = result is not False
            return result
        finally:
            emit_wait(ts, tid(), now(), kind, lock_id(self._cond._lock), ok)

    cls.wait = traced_wait
