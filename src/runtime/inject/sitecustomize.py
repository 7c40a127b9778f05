"""Parallel Profiler's injection point (src/runtime/README.md).

The recorder puts this directory first on PYTHONPATH. We load the runtime, then make the user's
program see exactly what a plain run sees: this directory leaves sys.path and PYTHONPATH (children
are traced through the `-c` program multiprocessing hands to spawnv_passfds instead), and the
sitecustomize we shadow, if any, is loaded as usual.
"""
import os
import sys


def _dir_key(path):
    """What tells a directory apart, symlinks resolved: one stat (realpath took an lstat per
    path component, ~100 in all, ~1 ms of every traced program's start)."""
    try:
        st = os.stat(path or os.curdir)
    except (OSError, ValueError):
        return ()
    return st.st_dev, st.st_ino


def _write_bytecode(here):
    """Under PYTHONDONTWRITEBYTECODE or -B every process would compile the runtime from source
    (~15 ms; again in each spawned child, and the hook modules while the user's program runs, when
    it first uses a Pool or a Queue; this module ~1 ms in each program): its own modules' bytecode
    is written once, next to them, as an import would (nothing of the user's; a read-only directory
    stays as it is). importlib's frozen loader does it: importing importlib.util would cost each
    program 1-9 ms (3.8 imports functools and contextlib for it)."""
    import _frozen_importlib_external as bootstrap

    package = os.path.join(here, 'parallel_profiler_runtime')
    sources = [('sitecustomize', os.path.join(here, 'sitecustomize.py'))]
    sources += [('parallel_profiler_runtime.' + name[:-3], os.path.join(package, name))
                for name in os.listdir(package) if name.endswith('.py')]
    sys.dont_write_bytecode = False
    try:
        for module, path in sources:
            if not _cached(path, bootstrap.cache_from_source(path), bootstrap.MAGIC_NUMBER):
                bootstrap.SourceFileLoader(module, path).get_code(module)
    finally:
        sys.dont_write_bytecode = True


def _cached(path, cached, magic):
    """Whether the import system will take `cached` for `path`: its header (PEP 552) names the
    source's mtime and size, as the loader checks (a newer file is not enough: a copy of the
    sources and their caches has new mtimes, and each process would compile them again)."""
    try:
        fd = os.open(cached, os.O_RDONLY)
        try:
            head = os.read(fd, 16)
        finally:
            os.close(fd)
        st = os.stat(path)
    except OSError:
        return False
    stamp = (int(st.st_mtime) & 0xFFFFFFFF, st.st_size & 0xFFFFFFFF)
    return head == magic + bytes(4) + b''.join(n.to_bytes(4, 'little') for n in stamp)


def _start():
    here = os.path.dirname(os.path.abspath(__file__))
    key = _dir_key(here) or None  # a path that cannot be read is never ours
    if os.environ.get('PARALLEL_PROFILER_SOCKET'):
        if sys.dont_write_bytecode:
            try:
                _write_bytecode(here)
            except Exception:  # then each process compiles them, as before
                pass
        try:
            import parallel_profiler_runtime

            parallel_profiler_runtime.install_main()
        except Exception:  # the user's program runs untraced rather than not at all
            pass
    sys.path[:] = [p for p in sys.path if _dir_key(p) != key]
    sys.path_importer_cache.pop(here, None)
    old = os.environ.get('PYTHONPATH')
    if old is not None:
        rest = [p for p in old.split(os.pathsep) if _dir_key(p) != key]
        if rest:
            os.environ['PYTHONPATH'] = os.pathsep.join(rest)
        else:
            del os.environ['PYTHONPATH']
    # Chain-load the sitecustomize we shadow (venvs and distributions ship one).
    # importlib expects a 'sitecustomize' entry once we return: ours stays if there is no other.
    ours = sys.modules.pop('sitecustomize')
    try:
        import sitecustomize  # noqa: F401  (the next one on sys.path, if any)
    except ImportError as error:
        sys.modules['sitecustomize'] = ours
        if error.name != 'sitecustomize':
            raise


_start()
del _start, _dir_key, _write_bytecode, _cached
