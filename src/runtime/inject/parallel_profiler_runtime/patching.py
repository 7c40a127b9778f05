"""Lazy patching: a `sys.meta_path` finder patches each multiprocessing module right after it
loads, so a process that never imports multiprocessing pays nothing. Shared helpers for the hook
modules."""
import sys

from . import core

# module name -> (hook module, function name) run once on the freshly executed module
_PATCHERS = {
    'multiprocessing.context': ('process_hooks', 'patch_context'),
    'multiprocessing.process': ('process_hooks', 'patch_process'),
    'multiprocessing.popen_fork': ('process_hooks', 'patch_popen'),
    'multiprocessing.popen_forkserver': ('process_hooks', 'patch_popen'),
    'multiprocessing.util': ('process_hooks', 'patch_util'),
    'multiprocessing.connection': ('channel_hooks', 'patch_connection'),
    'multiprocessing.queues': ('channel_hooks', 'patch_queues'),
    'multiprocessing.synchronize': ('sync_hooks', 'patch_synchronize'),
    'multiprocessing.pool': ('pool_hooks', 'patch_pool'),
    'multiprocessing.managers': ('pool_hooks', 'patch_managers'),
    'concurrent.futures.process': ('executor_hooks', 'patch_executor'),
}
_done = set()


def _apply(name, module):
    if name in _done:
        return
    _done.add(name)
    hook_module, function = _PATCHERS[name]
    try:
        hooks = __import__('parallel_profiler_runtime.' + hook_module, fromlist=[function])
        getattr(hooks, function)(module)
    except Exception:  # a hook that does not fit this Python must not break the user's import
        pass


class PatchingFinder:
    """Finds nothing itself: it asks the other finders, then patches the module after it
    executes."""

    def find_spec(self, name, path=None, target=None):
        if name not in _PATCHERS or name in _done:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, 'find_spec'):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        if loader is None or not hasattr(loader, 'exec_module'):
            return spec
        original = loader.exec_module

        def exec_module(module):
            try:
                original(module)
            finally:
                # per-module loader instance: restore it so __loader__ is exactly the stdlib's
                loader.__dict__.pop('exec_module', None)
            _apply(name, module)

        try:
            loader.exec_module = exec_module
        except (AttributeError, TypeError):
            pass  # a loader we cannot wrap: the module stays unpatched
        return spec


def install_finder():
    sys.meta_path.insert(0, PatchingFinder())
    for name in list(_PATCHERS):
        module = sys.modules.get(name)
        if module is not None:
            _apply(name, module)


# ---- helpers shared by the hook modules ----

_INTERNAL_PREFIXES = ('multiprocessing', 'concurrent.futures', 'parallel_profiler_runtime')
_fn_cache = {}
# Callables whose info is cached, functions and classes: long-lived, unlike the partials, bound
# methods (builtin ones too) and callable instances a worker unpickles anew for every task (caching
# those kept each task's arguments alive).
_CACHED_KINDS = (type(install_finder), type)


def fn_info(fn):
    """(name, module, file, line) of a callable, unwrapping partials and bound methods; the same
    tuple object for the same function."""
    try:
        return _fn_cache[fn]
    except (KeyError, TypeError):
        pass
    inner = fn
    while hasattr(inner, 'func') and hasattr(inner, 'args'):  # functools.partial
        inner = inner.func
    inner = getattr(inner, '__func__', inner)
    inner = getattr(inner, '__wrapped__', inner)  # our own wrappers (pool.worker, ...)
    try:
        return _fn_cache[inner]
    except (KeyError, TypeError):
        pass
    code = getattr(inner, '__code__', None)
    info = (
        getattr(inner, '__qualname__', None) or getattr(inner, '__name__', None) or repr(inner),
        getattr(inner, '__module__', None),
        code.co_filename if code else None,
        code.co_firstlineno if code else None,
    )
    if isinstance(inner, _CACHED_KINDS):
        _fn_cache[inner] = info
    return info


NO_FN = (None, None, None, None)


def user_frame():
    """(function, module, file, line) of the nearest caller outside multiprocessing and us."""
    frame = sys._getframe(2)
    while frame is not None:
        module = frame.f_globals.get('__name__') or ''
        if not module.startswith(_INTERNAL_PREFIXES):
            code = frame.f_code
            return (code.co_name, module, code.co_filename, frame.f_lineno)
        frame = frame.f_back
    return NO_FN


def wraps(original):
    import functools

    return functools.wraps(original)


def exc_info(exc):
    """(type name, message) of an exception, unwrapping multiprocessing's traceback carriers."""
    if exc is None:
        return None, None
    if type(exc).__name__.endswith('ExceptionWithTraceback'):
        exc = getattr(exc, 'exc', exc)
    return type(exc).__name__, core.text(exc)
