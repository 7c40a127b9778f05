"""Per-process event buffer and transport (docs/wire-protocol.md).

Events are tuples (encoded at the flush) or template records (the frequent events, see
EventTemplate) appended to one module-level list and sent as one frame per batch: when 512 are
buffered, when the oldest is 20 ms old (checked at each emit), at lifecycle points, at exit. No
thread is ever started. Any transport error turns tracing off for this process silently.
"""
import os
import sys
from itertools import count
from time import perf_counter_ns as now

from _thread import _local, allocate_lock, get_native_id

FLUSH_EVENTS = 512
FLUSH_AGE_NS = 20_000_000
# Before a call that may block, buffered events older than this are sent first.
IDLE_FLUSH_NS = 2_000_000
MAX_FRAME = 4 * 1024 * 1024
SEND_BUFFER = 4 * 1024 * 1024
MAX_TEXT = 2000
# A send that cannot go on for this long turns tracing off; SEND_TIMEOUT is its struct timeval.
SEND_TIMEOUT_S = 10
_LONG = 8 if sys.maxsize > 2**32 else 4
SEND_TIMEOUT = SEND_TIMEOUT_S.to_bytes(_LONG, sys.byteorder) + bytes(_LONG)
BINARY_BATCH = b'\x01'


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
    # Replaced when the templates defined so far will not reach the collector on this process's
    # connection (a fork child's new one, a dropped batch): each is defined again at its next use.
    epoch = object()


S = State()
buf = []
# Time of the first event buffered since the buffer was last empty: set by emit and _buffer, so
# it may be older than the oldest event buffered (an early flush), never much newer.
oldest = 0
seen_tids = set()
_lock = allocate_lock()
_thread_ids = _local()
_encode = None  # JSON encoder, socket module, hello and struct, see _load_transport
_socket = None
_hello_text = None
Struct = StructError = _JSON_RECORD = None
_socket_path = None
_secret = None
# The task page spill (task_page.Spill) of a child process (not the main one): its events wait
# there, not only in `buf`, from a write or read after which it may be ended (spill_events).
# Else None.
spill = None


def configure(socket_path, secret, main, role, method):
    global _socket_path, _secret
    _socket_path, _secret = socket_path, secret
    S.main, S.role, S.method = main, role, method
    S.pid = os.getpid()
    S.on = True


def socket_path():
    return _socket_path


def encode(value):
    """The compact JSON text of a value."""
    if _encode is None:
        _load_transport()
    return _encode(value)


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
    ts = now()
    _buffer(('thread', ts, t, name), ts)


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
# The collector keeps at most this many templates per connection; later ones send tuples.
MAX_TEMPLATES = 65536
# Templates one cache keeps (per function, channel, lock, ...); past it, events of new keys are
# tuples: a program that makes a new Pipe per request must not grow our memory with them.
MAX_CACHED = 4096
# next() of a count is atomic: threads (a queue's feeder, a Pool's handlers) make templates too,
# and two templates of one id would decode each other's records.
_template_ids = count(1)


class EventTemplate:
    """Events of one shape sent as records of a template (docs/wire-protocol.md, "Binary
    batches"): `fields` is the event with VAR where a value goes. Its constants are encoded once,
    in the template's definition, which goes ahead of its first record on each connection; a
    record is the template's id and the values packed as int64 (measured: a third of the cost of
    formatting them as decimal text). Values are ints (never bools: they would pack as 1); an
    event with any other value (None) is buffered as a tuple. The first value is the event's ts."""

    __slots__ = ('fields', 'slots', 'id', 'pack', 'definition', 'epoch')

    @classmethod
    def cached(cls, cache, key, fields, *args):
        """The template of `key` in `cache`, built from `fields(*args)` on first use."""
        try:
            return cache[key]
        except KeyError:
            if len(cache) < MAX_CACHED:
                template = cache[key] = cls(fields(*args))
                return template
        except TypeError:  # an unhashable key
            pass
        return TupleEvents(fields(*args))

    def __init__(self, fields):
        if _encode is None:
            _load_transport()
        self.fields = fields
        self.slots = [i for i, field in enumerate(fields) if field is VAR]
        self.id = next(_template_ids)
        self.pack = Struct('<I%dq' % len(self.slots)).pack if self.id <= MAX_TEMPLATES else _no_pack
        event = [None if field is VAR else field for field in fields]
        definition = _encode({'template': self.id, 'event': event, 'slots': self.slots}).encode()
        self.definition = _JSON_RECORD(0, len(definition)) + definition
        self.epoch = None

    def emit(self, values):
        try:
            record = self.pack(self.id, *values)
        except StructError:
            emit(filled(self.fields, values))
            return
        ts = values[0]
        if self.epoch is not S.epoch:
            _buffer(self.take_definition(), ts)
        emit(record, ts)

    def records(self, values):
        """What emit would buffer for `values`, for a caller that buffers it itself: [its record],
        after its definition if this connection has not had it, or [the event's tuple]."""
        try:
            record = self.pack(self.id, *values)
        except StructError:
            return [filled(self.fields, values)]
        if self.epoch is not S.epoch:
            return [self.take_definition(), record]
        return [record]

    def take_definition(self):
        """Its definition, which its caller buffers: from now on this connection has it. The
        epoch is read first: a batch dropped meanwhile by another thread renews it."""
        self.epoch = S.epoch
        return self.definition


class TupleEvents:
    """Stands for a template that is not kept: its events are tuples."""

    __slots__ = ('fields',)

    def __init__(self, fields):
        self.fields = fields

    def emit(self, values):
        emit(filled(self.fields, values))

    def records(self, values):
        return [filled(self.fields, values)]


def filled(fields, values):
    """The event tuple of `fields` with `values` in place of its VARs, in order."""
    values = iter(values)
    return tuple(next(values) if field is VAR else field for field in fields)


def _no_pack(*values):
    raise StructError('no template id left')


_waits = {}


def emit_wait(ts, thread, end, kind, object_id, ok):
    """A blocked interval (a `wait` event), by a template per kind, object and outcome."""
    key = (kind, object_id, ok)
    template = _waits.get(key) or EventTemplate.cached(_waits, key, _wait_fields, *key)
    template.emit((ts, thread, end))


def _wait_fields(kind, object_id, ok):
    return ('wait', VAR, VAR, VAR, kind, object_id, None, ok)


def _buffer(ev, ts):
    """Buffers an event without the flush checks. Into an empty buffer it sets `oldest`: else the
    next emit would take the last batch's time for it and flush at once (each new thread's
    first event, a spawn, a role flushed a batch of one or two events)."""
    global oldest
    if not buf:
        oldest = ts
    buf.append(ev)


def emit_now(ev):
    """Lifecycle events are sent at once."""
    buf.append(ev)
    flush()


def emit_after_fork(ev):
    """Buffers an event of a process that just forked (spawn, exit seen by a parent) without the
    age check: until the child exits, every page the parent writes is copied on its first write
    (~60 us a page on virtual machines), so encoding and sending here would cost each child that
    much; a later flush (by age, before a wait, at exit) sends it."""
    _buffer(ev, ev[1])
    if len(buf) >= FLUSH_EVENTS:
        flush()


def spill_events(parts, ts, task_ended=False):
    """Moves the buffer, then `parts` (records and event tuples), into this process's spill (in
    one write marking its task ended, if `task_ended`): before a write after which the process may
    be terminated (a Pool worker's result, a child's last queued message, a read that may block).
    Returns a mark of `parts` for task_page.patch when they went in and end with a record, else
    None. Flushes first on the count and age that would have flushed the buffer, or when they do
    not fit."""
    region = spill
    with _lock:  # held by another thread only while it sends
        try:
            n = len(buf)
            moved = buf[:n] + parts
            data = _records(moved)
            full = region.size + len(data) > region.room
            if full or region.events + len(moved) >= FLUSH_EVENTS or (
                    region.events and ts - region.since > FLUSH_AGE_NS):
                _send()  # the region and the buffer, the n moved with it
                n = 0
                moved = parts
                data = _records(parts)
            if len(data) > region.room:  # larger than the region itself
                buf.extend(parts)
                _send()
                return None
            at = region.add(data, _event_count(moved), oldest if n else ts, task_ended)
            del buf[:n]
            return (region.sent, at) if parts and parts[-1].__class__ is bytes else None
        except Exception:
            _disable(len(buf))
            return None


def unsent():
    """Whether this process has events not sent yet."""
    return bool(buf) or (spill is not None and spill.size > 0)


def _stale(ts):
    return (buf and ts - oldest > IDLE_FLUSH_NS) or (
        spill is not None and spill.size and ts - spill.since > IDLE_FLUSH_NS)


def flush_if_stale(ts):
    """Called before a call that may block, so a process that then idles or is killed has sent its
    events."""
    if _stale(ts):
        flush()


def flush_pending():
    """Before a wait that usually blocks (join, Condition / Event / Barrier, queue join)."""
    if unsent():
        flush()


def flush_before_read(conn, ts):
    """Called before reading a connection that may block. A daemon (Pool workers are daemons) that
    idles here may be terminated by SIGTERM, so if nothing is readable yet its buffered events go
    out now; other processes flush what is older than IDLE_FLUSH_NS and the rest at exit."""
    if not unsent():
        return
    try:
        if _stale(ts) or (S.daemon and not _readable(conn)):
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
        _send()
    except Exception:
        _disable(len(buf))
    finally:
        _lock.release()


def _send():
    """Sends the spill and the buffer as one batch; the caller holds _lock."""
    n = len(buf)
    region = spill
    spilled = region.size if region is not None else 0
    if n == 0 and S.hello_sent and not spilled:
        return
    batch = buf[:n]
    del buf[:n]
    # The hello and the first batch leave in one write.
    data = b'' if S.hello_sent else _connect()
    if batch or spilled:
        data += _batch_frame(batch, region if spilled else None)
    if data:
        S.sock.sendall(data)
        S.hello_sent = True
    if spilled:
        region.clear()  # after the send: killed before it, the page keeps them


def _batch_frame(batch, region=None):
    """The frame of a batch, after the spill's records if `region`."""
    if S.lost:
        batch.append(('lost', now(), get_native_id(), S.lost))
        S.lost = 0
    if region is not None:
        data = _prefixed(BINARY_BATCH + region.take() + _records(batch))
    else:
        data = _prefixed(_batch_payload(batch))
    if len(data) > MAX_FRAME + 4:
        S.lost += _event_count(batch) + (region.events if region is not None else 0)
        S.epoch = object()  # the definitions in it were not sent
        return b''
    return data


def _batch_payload(batch):
    """A batch of event tuples and template records (bytes): a JSON array when it holds tuples
    only (encoded in one call, cheaper than one call per tuple), else a binary batch."""
    if _encode is None:
        _load_transport()
    if bytes not in set(map(type, batch)):
        return _encode(batch).encode()
    return BINARY_BATCH + _records(batch)


def _records(batch):
    """The records of a binary batch holding these events and records."""
    try:
        return b''.join(batch)  # records only, as a Pool worker's spill mostly is
    except TypeError:
        pass
    if _encode is None:
        _load_transport()
    return b''.join([e if e.__class__ is bytes else _json_record(e) for e in batch])


def _json_record(event):
    data = _encode(event).encode()
    return _JSON_RECORD(0, len(data)) + data


NO_ID = bytes(4)  # a JSON record's id: a definition, when it is bytes in the buffer


def _is_definition(event):
    return event.__class__ is bytes and event[:4] == NO_ID


def _event_count(items):
    """The events among buffered items (a template's definition is none)."""
    count = len(items)
    for item in items:
        if _is_definition(item):
            count -= 1
    return count


def _frame(value):
    """The length-prefixed JSON of a value."""
    return _prefixed(encode(value).encode())


def _prefixed(data):
    return len(data).to_bytes(4, 'big') + data


def _load_transport():
    """Loaded at the first flush or fork, not at start-up; a fork child inherits them. Only the C
    modules are imported when they exist (the json package also loads its decoder and `re`, ~2 ms
    more in every spawned process), and socket.socket's Python wrapper would be one more thing
    for each fork child to run and copy."""
    global _encode, _socket, _hello_text, Struct, StructError, _JSON_RECORD
    import _socket as socket_module
    from _struct import Struct
    from _struct import error as StructError

    _JSON_RECORD = Struct('<II').pack  # a JSON record's id (0) and length
    _socket = socket_module
    _encode = _compact_encoder()
    _hello_text = _hello_template()


def _raise_unserializable(value):
    raise TypeError('%s is not JSON serializable' % type(value).__name__)


def _compact_encoder():
    """JSON without spaces. JSONEncoder.encode builds its C encoder anew at every call, which costs
    a fork child a dozen more copied pages: the C encoder is built once and called directly."""
    try:
        from _json import encode_basestring_ascii, make_encoder
    except ImportError:  # an interpreter without the _json accelerator
        import json

        return json.JSONEncoder(separators=(',', ':'), check_circular=False).encode
    chunks = make_encoder(None, _raise_unserializable, encode_basestring_ascii, None, ':', ',',
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
    try:
        # A blocking socket whose connect and sends time out in the kernel: with settimeout(),
        # Python makes it non-blocking (one more call) and polls it before every send.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, SEND_TIMEOUT)
    except (AttributeError, OSError):
        sock.settimeout(SEND_TIMEOUT_S)
    try:
        sock.connect(_socket_path)
    except Exception:
        sock.close()
        raise
    S.sock = sock
    return _prefixed(_hello().encode())


def _hello_template():
    """The hello's JSON (docs/wire-protocol.md) with the fields every process of this run shares
    filled in, built once before the first fork, and %-slots for this process's own."""
    shared = _encode({
        't': 'hello',
        'v': 4,
        'secret': _secret,
        'python': '%d.%d.%d' % sys.version_info[:3],
        'executable': sys.executable,
        'platform': sys.platform,
    })
    return shared[:-1].replace('%', '%%') + (
        ',"pid":%d,"ppid":%d,"mpParentPid":%s,"name":%s,"role":%s,"startMethod":%s,'
        '"clockNs":%d,"main":%s}'
    )


def _hello():
    name = S.name
    if name is None:
        mp_process = sys.modules.get('multiprocessing.process')
        name = mp_process.current_process().name if mp_process else 'MainProcess'
    method = main_start_method() if S.main else S.method
    encode = _encode
    return _hello_text % (
        S.pid,
        os.getppid(),
        encode(S.mp_parent),
        encode(name),
        encode(S.role),
        encode(method),
        now(),
        'true' if S.main else 'false',
    )


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


# What a fork child resets (see after_fork_in_child); pending_kinds is only ever replaced, not
# mutated, while it is empty, so the child may share the parent's empty list.
_FORK_CHILD_STATE = {
    'main': False,
    'role': 'process',
    'name': None,
    'mp_parent': None,
    'daemon': False,
    'hello_sent': False,
    'closed': False,
    'lost': 0,
    'in_chan': 0,
    'is_forkserver': False,
    'sock': None,
}
# The parent's buffer and thread set, kept alive in a fork child rather than freed.
_inherited = None


def after_fork_in_child():
    """A fork child starts with an empty buffer, no connection and its own identity. Each page it
    writes that it still shares with its parent costs a copy-on-write fault (~15-60 us on virtual
    machines), so it writes as few as it can: the parent's buffered events and thread set are
    kept, not freed (freeing them would write every event's page), the lock is replaced only if
    another thread held it, and this thread's id is known without asking the kernel (the only
    thread of a fork child has tid == pid; the collector names it MainThread)."""
    global _lock, buf, seen_tids, _inherited, spill
    sock = S.sock
    if sock is not None:
        try:
            sock.close()
        except Exception:
            pass
    _inherited = (buf, seen_tids)
    pid = S.pid = os.getpid()
    buf = []
    spill = None  # the parent's
    seen_tids = {pid}
    _thread_ids.tid = pid
    if _lock.locked():
        _lock = allocate_lock()
    S.method = 'forkserver' if S.is_forkserver else 'fork'
    S.__dict__.update(_FORK_CHILD_STATE)
    S.epoch = object()
    if S.pending_kinds:
        S.pending_kinds = []
    S.on = _socket_path is not None


def before_fork():
    if S.on and _encode is None:
        _load_transport()


def text(value):
    s = str(value)
    return s if len(s) <= MAX_TEXT else s[:MAX_TEXT] + '...'
