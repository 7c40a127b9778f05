"""Per-process event buffer and transport (docs/wire-protocol.md).

Events are tuples (encoded at the flush) or JSON texts (the hot events, see EventTemplate) appended
to one module-level list and sent as a JSON array per batch: when 512 are buffered, when the oldest
is 20 ms old (checked at each emit), at lifecycle points, at exit. No thread is ever started. Any
transport error turns tracing off for this process silently.
"""
import os
import sys
from time import perf_counter_ns as now

from _thread import _local, allocate_lock, get_native_id

FLUSH_EVENTS = 512
FLUSH_AGE_NS = 20_000_000
# Before a call that may block, buffered events older than this are sent first.
IDLE_FLUSH_NS = 2_000_000
MAX_FRAME = 4 * 1024 * 1024
SEND_BUFFER = 4 * 1024 * 1024
MAX_TEXT = 2000


class State:
    """Everything about this process that a fork child must reset."""

    on = False
    closed = False
    main = False
    pid = 0
    role = 'process'
    method = None
    name = None
    mp_parent = None
    is_forkserver = False
    daemon = False
    hello_sent = False
    sock = None
    lost = 0
    last_recv = None
    last_send = None
    counter = 0
    # Channel kinds to give the next mp queues created (Pool / executor internals).
    pending_kinds = []
    # > 0 while a queue is being built: its internal Pipe is not a channel of its own.
    in_chan = 0


S = State()
buf = []
# Time of the first event buffered since the buffer was last empty: set by emit only, so
# it may be older than the oldest event buffered (an early flush), never much newer.
oldest = 0
seen_tids = set()
_lock = allocate_lock()
_thread_ids = _local()
_encode = None  # JSON encoder and socket module, see _load_transport
_socket = None
_socket_path = None
_secret = None


def configure(socket_path, secret, main, role, method):
    global _socket_path, _secret
    _socket_path, _secret = socket_path, secret
    S.main, S.role, S.method = main, role, method
    S.pid = os.getpid()
    S.on = True


def next_id():
    S.counter += 1
    return '%d:%d' % (S.pid, S.counter)


def tid():
    """The OS thread id, cached per thread (get_native_id is a system call)."""
    try:
        return _thread_ids.tid
    except AttributeError:
        t = _thread_ids.tid = get_native_id()
        if t not in seen_tids:
            _note_thread(t)
        return t


def _note_thread(t):
    seen_tids.add(t)
    threading = sys.modules.get('threading')
    name = threading.current_thread().name if threading else 'MainThread'
    buf.append(('thread', now(), t, name))


def emit(ev, ts=None):
    """Buffers one event, a tuple or its JSON text (then `ts` is its time); flushes on count or
    age."""
    global oldest
    if ts is None:
        ts = ev[1]
    b = buf
    if not b:
        oldest = ts
    b.append(ev)
    if len(b) >= FLUSH_EVENTS or ts - oldest > FLUSH_AGE_NS:
        flush()


VAR = object()  # an EventTemplate's variable field


class EventTemplate:
    """The JSON text of events of one shape, built by `%` (about 3x cheaper than encoding the tuple):
    `fields` is the event with VAR where a value goes; its constants are encoded once. The values
    are ints in the common case (never bools: %d would write 1); any other value (None) falls back
    to the tuple. The first value is the event's ts."""

    __slots__ = ('fields', 'slots', 'text')

    @classmethod
    def cached(cls, cache, key, fields, *args):
        """The template of `key` in `cache`, built from `fields(*args)` on first use."""
        try:
            return cache[key]
        except KeyError:
            template = cache[key] = cls(fields(*args))
        except TypeError:  # an unhashable key
            template = cls(fields(*args))
        return template

    def __init__(self, fields):
        if _encode is None:
            _load_transport()
        self.fields = fields
        self.slots = [i for i, field in enumerate(fields) if field is VAR]
        encoded = ['%d' if f is VAR else _encode(f).replace('%', '%%') for f in fields]
        self.text = '[' + ','.join(encoded) + ']'

    def emit(self, values):
        try:
            text = self.text % values
        except TypeError:
            event = list(self.fields)
            for i, value in zip(self.slots, values):
                event[i] = value
            emit(tuple(event))
        else:
            emit(text, values[0])


def emit_now(ev):
    """Lifecycle events are sent at once."""
    buf.append(ev)
    flush()


def emit_after_fork(ev):
    """Buffers an event of a process that just forked (spawn, exit seen by a parent) without the
    age check: until the child exits, every page the parent writes is copied on its first write
    (~60 us a page on virtual machines), so encoding and sending here would cost each child that
    much; the next emit, wait or exit sends it."""
    buf.append(ev)
    if len(buf) >= FLUSH_EVENTS:
        flush()


def flush_if_stale(ts):
    """Called before a call that may block, so a process that then idles or is killed has sent its
    events."""
    if buf and ts - oldest > IDLE_FLUSH_NS:
        flush()


def flush_pending():
    """Before a wait that usually blocks (join, Condition / Event / Barrier, queue join)."""
    if buf:
        flush()


def flush_before_read(conn, ts):
    """Called before reading a connection that may block. A daemon (Pool workers are daemons) that
    idles here may be terminated by SIGTERM, so if nothing is readable yet its buffered events go
    out now; other processes flush what is older than IDLE_FLUSH_NS and the rest at exit."""
    if not buf:
        return
    try:
        if ts - oldest > IDLE_FLUSH_NS or (S.daemon and not _readable(conn)):
            flush()
    except (OSError, ValueError):
        flush()


def _readable(conn):
    d = conn.__dict__
    readable = d.get('_pp_readable')
    if readable is None:
        readable = d['_pp_readable'] = poller(conn)
    return readable()


def poller(conn):
    """A function telling, without blocking, whether a connection has data to read."""
    import select

    poll = select.poll()
    poll.register(conn.fileno(), select.POLLIN)
    return lambda: bool(poll.poll(0))


def flush(wait=False):
    if not S.on:
        del buf[:]
        return
    if not _lock.acquire(wait):
        return  # another thread of this process is sending
    try:
        n = len(buf)
        if n == 0 and S.hello_sent:
            return
        batch = buf[:n]
        del buf[:n]
        # The hello and the first batch leave in one write.
        data = b'' if S.hello_sent else _connect()
        if batch:
            data += _batch_frame(batch)
        if data:
            S.sock.sendall(data)
            S.hello_sent = True
    except Exception:
        _disable(len(buf))
    finally:
        _lock.release()


def _batch_frame(batch):
    if S.lost:
        batch.append(('lost', now(), get_native_id(), S.lost))
        S.lost = 0
    data = _prefixed(_batch_text(batch))
    if len(data) > MAX_FRAME + 4:
        S.lost += len(batch)
        return b''
    return data


def _batch_text(batch):
    """The JSON array of a batch of event tuples and texts (a batch of tuples is encoded in one call,
    cheaper than one call per tuple)."""
    if _encode is None:
        _load_transport()
    encode = _encode
    if str not in set(map(type, batch)):
        return encode(batch)
    return '[' + ','.join([e if e.__class__ is str else encode(e) for e in batch]) + ']'


def _frame(value):
    """The length-prefixed JSON of a value."""
    if _encode is None:
        _load_transport()
    return _prefixed(_encode(value))


def _prefixed(text):
    data = text.encode()
    return len(data).to_bytes(4, 'big') + data


def _load_transport():
    """Imported at the first flush or fork, not at start-up (~10 ms); a fork child inherits them."""
    global _encode, _socket
    import json
    import socket

    _socket = socket
    _encode = _compact_encoder(json)


def _compact_encoder(json):
    """JSON without spaces. JSONEncoder.encode builds its C encoder anew at every call, which costs
    a fork child a dozen more copied pages: the C encoder is built once and called directly."""
    encoder = json.JSONEncoder(separators=(',', ':'), check_circular=False)
    make = getattr(json.encoder, 'c_make_encoder', None)
    if make is None:  # an interpreter without the _json accelerator
        return encoder.encode
    chunks = make(None, encoder.default, json.encoder.encode_basestring_ascii, None, ':', ',',
                  False, False, True)
    join = ''.join

    def encode(value):
        return join(chunks(value, 0))

    return encode


def _connect():
    """Connects this process; returns its hello frame, to be sent first."""
    if _socket is None:
        _load_transport()
    socket = _socket
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        # A large send buffer: sendall returns at once while the collector catches up.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER)
    except OSError:
        pass
    sock.settimeout(10)
    try:
        sock.connect(_socket_path)
    except Exception:
        sock.close()
        raise
    S.sock = sock
    return _frame(hello())


def hello():
    mp_process = sys.modules.get('multiprocessing.process')
    name = S.name
    if name is None:
        name = mp_process.current_process().name if mp_process else 'MainProcess'
    method = S.method
    if S.main:
        method = main_start_method()
    return {
        't': 'hello',
        'v': 2,
        'secret': _secret,
        'pid': os.getpid(),
        'ppid': os.getppid(),
        'mpParentPid': S.mp_parent,
        'name': name,
        'role': S.role,
        'startMethod': method,
        'python': '%d.%d.%d' % sys.version_info[:3],
        'executable': sys.executable,
        'platform': sys.platform,
        'clockNs': now(),
        'main': S.main,
    }


def main_start_method():
    """The default context's start method, without fixing it as get_start_method() would."""
    context = sys.modules.get('multiprocessing.context')
    if context is None:
        return os.environ.get('PARALLEL_PROFILER_START_METHOD') or None
    default = context._default_context
    chosen = default._actual_context or default._default_context
    return getattr(chosen, '_name', None)


def set_role(role):
    if role == S.role:
        return
    S.role = role
    if S.hello_sent:
        buf.append(('role', now(), tid(), role))


def _disable(pending):
    S.on = False
    S.lost += pending
    del buf[:]
    sock, S.sock = S.sock, None
    if sock is not None:
        try:
            sock.close()
        except Exception:
            pass


def finish():
    """Last flush and `bye` (atexit, os._exit, end of a forked child)."""
    if S.closed or not S.on:
        return
    S.closed = True
    flush(wait=True)
    if not S.on or not _lock.acquire(True):
        return
    try:
        S.sock.sendall(_frame({'t': 'bye', 'ts': now()}))
        S.sock.close()
    except Exception:
        pass
    finally:
        S.sock = None
        _lock.release()


def after_fork_in_child():
    """A fork child starts with an empty buffer, no connection and its own identity."""
    global _lock, _thread_ids
    _lock = allocate_lock()
    _thread_ids = _local()
    del buf[:]
    seen_tids.clear()
    sock, S.sock = S.sock, None
    if sock is not None:
        try:
            sock.close()
        except Exception:
            pass
    S.method = 'forkserver' if S.is_forkserver else 'fork'
    S.is_forkserver = False
    S.main = False
    S.pid = os.getpid()
    S.role = 'process'
    S.name = None
    S.mp_parent = None
    S.daemon = False
    S.hello_sent = False
    S.closed = False
    S.lost = 0
    S.pending_kinds = []
    S.in_chan = 0
    S.on = _socket_path is not None


def before_fork():
    if S.on and _encode is None:
        _load_transport()


def text(value):
    s = str(value)
    return s if len(s) <= MAX_TEXT else s[:MAX_TEXT] + '...'
