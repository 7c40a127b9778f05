"""Parallel Profiler's injection point (src/runtime/README.md).

The recorder puts this directory first on PYTHONPATH. We load the runtime, then make the user's
program see exactly what a plain run sees: this directory leaves sys.path and PYTHONPATH (children
are traced through the `-c` program multiprocessing hands to spawnv_passfds instead), and the
sitecustomize we shadow, if any, is loaded as usual.
"""
import os
import sys


def _same_dir(a, b):
    try:
        return os.path.realpath(a or os.curdir) == os.path.realpath(b)
    except (OSError, ValueError):
        return False


def _write_bytecode(package):
    """Under PYTHONDONTWRITEBYTECODE or -B every process would compile the runtime from source
    (~15 ms; again in each spawned child, and the hook modules while the user's program runs, when
    it first uses a Pool or a Queue): its own modules' bytecode is written once, next to them, as
    an import would (nothing of the user's; a read-only directory stays as it is)."""
    from importlib.machinery import SourceFileLoader
    from importlib.util import cache_from_source

    sys.dont_write_bytecode = False
    try:
        for name in os.listdir(package):
            if not name.endswith('.py'):
                continue
            path = os.path.join(package, name)
            try:
                if os.stat(cache_from_source(path)).st_mtime >= os.stat(path).st_mtime:
                    continue
            except OSError:
                pass
            module = 'parallel_profiler_runtime.' + name[:-3]
            SourceFileLoader(module, path).get_code(module)
    finally:
        sys.dont_write_bytecode = True


def _start():
    here = os.path.dirname(os.path.abspath(__file__))
    if os.environ.get('PARALLEL_PROFILER_SOCKET'):
        if sys.dont_write_bytecode:
            try:
                _write_bytecode(os.path.join(here, 'parallel_profiler_runtime'))
            except Exception:  # then each process compiles them, as before
                pass
        try:
            import parallel_profiler_runtime

            parallel_profiler_runtime.install_main()
        except Exception:  # the user's program runs untraced rather than not at all
            pass
    sys.path[:] = [p for p in sys.path if not _same_dir(p, here)]
    sys.path_importer_cache.pop(here, None)
    old = os.environ.get('PYTHONPATH')
    if old is not None:
        rest = [p for p in old.split(os.pathsep) if not _same_dir(p, here)]
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
del _start, _same_dir, _write_bytecode
