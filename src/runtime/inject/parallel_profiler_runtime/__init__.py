"""Parallel Profiler's in-process runtime: records multiprocessing events and streams them to the
collector (docs/wire-protocol.md). Loaded by our sitecustomize in the main process and by a prelude
of the `-c` program in spawned children, forkserver and resource tracker; fork children inherit it.
Does nothing unless PARALLEL_PROFILER_SOCKET is set."""
import os
import sys

from . import core

SOCKET_ENV = 'PARALLEL_PROFILER_SOCKET'
SECRET_ENV = 'PARALLEL_PROFILER_SECRET'
ROOT_PID_ENV = 'PARALLEL_PROFILER_ROOT_PID'


def install_main():
    """Main process: called from sitecustomize before the user's script runs."""
    socket_path = os.environ.get(SOCKET_ENV)
    if not socket_path or core.S.on:
        return
    main = ROOT_PID_ENV not in os.environ
    if main:
        os.environ[ROOT_PID_ENV] = str(os.getpid())
    _install(socket_path, main, 'main' if main else 'process', None, False)


def install_child(inject_root, role, method, forkserver):
    """A child started through multiprocessing.util.spawnv_passfds (see process_hooks)."""
    while inject_root in sys.path:
        sys.path.remove(inject_root)
    sys.path_importer_cache.pop(inject_root, None)
    socket_path = os.environ.get(SOCKET_ENV)
    if not socket_path or core.S.on:
        return
    _install(socket_path, False, role, method, forkserver)


def _install(socket_path, main, role, method, forkserver):
    import atexit

    from . import patching, process_hooks

    core.configure(socket_path, os.environ.get(SECRET_ENV, ''), main, role, method)
    core.S.is_forkserver = forkserver
    os.register_at_fork(before=core.before_fork, after_in_child=core.after_fork_in_child)
    atexit.register(core.finish)
    process_hooks.wrap_os_exit()
    patching.install_finder()
