"""Process lifecycle: start (spawn), _bootstrap (run / runend / role), Popen.poll (exit), join, the
children started through spawnv_passfds (traced by prefixing their `-c` program), and the default
start method chosen by the recorder."""
import os

from . import core
from .core import S, emit_after_fork, emit_now, now, tid
from .patching import NO_FN, exc_info, fn_info, wraps

# Process targets that tell a child's role.
_ROLES = {
    ('multiprocessing.pool', 'worker'): 'pool-worker',
    ('concurrent.futures.process', '_process_worker'): 'executor-worker',
}


def patch_context(context):
    method = os.environ.get('PARALLEL_PROFILER_START_METHOD')
    concrete = getattr(context, '_concrete_contexts', {})
    if method in concrete:
        # The platform default is replaced; a user's set_start_method() still overrides it.
        context._default_context._default_context = concrete[method]


def patch_process(process):
    base = process.BaseProcess
    base.start = _wrap_start(base.start, base)
    base.join = _wrap_join(base.join)
    base._bootstrap = _wrap_bootstrap(base._bootstrap)


def _wrap_start(original, base):
    base_run = base.run

    @wraps(original)
    def start(self):
        if not S.on:
            return original(self)
        # From the fork on, each page the parent writes is copied while the child lives: the
        # spawn event reads the process's fields directly (not through its properties) and is
        # buffered, not sent (emit_after_fork).
        ts = now()
        try:
            target = self._target
            if target is None and type(self).run is not base_run:
                target = type(self).run
            info = NO_FN if target is None else fn_info(target)
            name, daemon = self._name, self._config.get('daemon', False)
        except Exception:
            info, name, daemon = NO_FN, None, None
        original(self)
        popen = self._popen
        emit_after_fork(
            ('spawn', ts, tid(), now(), popen.pid, name, getattr(popen, 'method', None), daemon)
            + info
        )

    return start


def _wrap_join(original):
    @wraps(original)
    def join(self, timeout=None):
        if not S.on:
            return original(self, timeout)
        ts = now()
        core.flush_pending()
        original(self, timeout)
        end = now()
        popen = self._popen
        ok = popen is not None and popen.returncode is not None
        emit_now(('join', ts, tid(), end, popen.pid if popen else None, ok))

    return join


def _role_of(target):
    key = (getattr(target, '__module__', None), getattr(target, '__name__', None))
    if key[1] == '_run_server':
        return 'manager'
    return _ROLES.get(key, 'process')


def _wrap_bootstrap(original):
    @wraps(original)
    def _bootstrap(self, *args, **kwargs):
        if not S.on:
            return original(self, *args, **kwargs)
        # Through the properties: their bytecode, already specialised in the parent, is cheaper
        # for a fork child to run than the same reads here, specialised in each child anew (a
        # Pool worker copied ~130 more pages).
        S.name = self.name
        S.mp_parent = self._parent_pid
        S.daemon = bool(self.daemon)
        core.set_role(_role_of(getattr(self, '_target', None)))
        emit_now(('run', now(), tid()))
        raised = []
        run = self.run

        def traced_run():
            try:
                return run()
            except SystemExit:
                raise
            except BaseException as e:
                raised.append(e)
                raise

        self.run = traced_run
        try:
            code = original(self, *args, **kwargs)
        finally:
            self.__dict__.pop('run', None)
        if S.on:
            exc_type, message = exc_info(raised[0] if raised else None)
            emit_now(('runend', now(), tid(), code, exc_type, message))
        return code

    return _bootstrap


def patch_popen(popen_module):
    cls = popen_module.Popen
    if 'poll' in cls.__dict__:
        cls.poll = _wrap_poll(cls.poll)


def _wrap_poll(original):
    @wraps(original)
    def poll(self, *args, **kwargs):
        before = self.returncode
        result = original(self, *args, **kwargs)
        if before is None and self.returncode is not None and S.on:
            emit_after_fork(('exit', now(), tid(), self.pid, self.returncode))
        return result

    return poll


def patch_util(util):
    util.spawnv_passfds = _wrap_spawnv_passfds(util.spawnv_passfds)


def child_prelude(program):
    """Python code run first by a `-c` child: loads the runtime from its own directory (PYTHONPATH
    no longer holds it, and -I/-E would ignore it anyway)."""
    if 'spawn_main' in program:
        role, method, forkserver = 'process', 'spawn', False
    elif 'forkserver' in program:
        role, method, forkserver = 'helper', None, True
    else:  # resource tracker, semaphore tracker
        role, method, forkserver = 'helper', None, False
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return '__import__("sys").path.insert(0, %r);__import__(%r).install_child(%r, %r, %r, %r)\n' % (
        root,
        'parallel_profiler_runtime',
        root,
        role,
        method,
        forkserver,
    )


def _wrap_spawnv_passfds(original):
    @wraps(original)
    def spawnv_passfds(path, args, passfds):
        try:
            args = list(args)
            i = args.index('-c') + 1
            args[i] = child_prelude(args[i]) + args[i]
        except (ValueError, IndexError, TypeError):
            pass
        return original(path, args, passfds)

    return spawnv_passfds


def wrap_os_exit():
    original = os._exit

    @wraps(original)
    def _exit(code):
        try:
            core.finish()
        except Exception:
            pass
        original(code)

    os._exit = _exit

