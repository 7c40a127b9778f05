"""A real collector stand-in for the runtime tests: a Unix-socket server that validates every frame
against docs/wire-protocol.md, and a helper that runs a script the way the recorder does."""
import json
import os
import selectors
import socket
import struct
import subprocess
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..', '..'))
INJECT = os.path.join(REPO, 'src', 'runtime', 'inject')
EXAMPLES = os.path.join(REPO, 'examples')
SCRIPTS = os.path.join(HERE, 'scripts')

ROLES = {'main', 'process', 'pool-worker', 'executor-worker', 'manager', 'helper'}
HELLO_FIELDS = {
    't': str, 'v': int, 'secret': str, 'pid': int, 'ppid': int, 'name': str, 'role': str,
    'python': str, 'executable': str, 'platform': str, 'clockNs': int, 'main': bool,
}
# Number of fields after [type, ts, tid] for each event type (docs/wire-protocol.md).
EVENT_ARITY = {
    'thread': 1, 'role': 1, 'spawn': 9, 'run': 0, 'runend': 3, 'exit': 2, 'join': 3, 'chan': 9,
    'send': 5, 'recv': 5, 'wait': 5, 'taskdone': 1, 'submit': 20, 'task': 23, 'mcall': 4, 'lost': 1,
}


# docs/wire-protocol.md, "Binary batches and templates".
BINARY_BATCH = 0x01
RECORD_ID = struct.Struct('<I')
MAX_TEMPLATES = 65536

# A task page (docs/wire-protocol.md, "Task page"): state, bytes spilled, 10 int64 values, the
# constants' length; the spill region after the first 4096 bytes.
TASK_PAGE = struct.Struct('<II10qI')
TASK_PAGE_CONSTANTS_AT = 96
SPILL_AT = 4096
TASK_PAGE_BYTES = SPILL_AT + (1 << 20)


class ProtocolError(AssertionError):
    pass


class Connection:
    def __init__(self):
        self.hello = None
        self.events = []
        self.bye = None
        self.closed = False
        self.data = b''
        self.templates = {}  # id -> (event, slots, struct of its values)
        # Its task page, if it made one: (running, the 10 values with None for -1, constants).
        self.page = None
        self.last_batch = b''  # its last binary batch frame
        self.spilled = []  # the events of its page's spill region, if not sent already

    @property
    def pid(self):
        return self.hello['pid']

    def of(self, kind):
        return [e for e in self.events if e[0] == kind]


class Sink:
    """Accepts connections in one thread; `errors` collects every protocol violation."""

    def __init__(self, secret='0123456789abcdef0123456789abcdef'):
        self.secret = secret
        self.dir = tempfile.mkdtemp(prefix='pp-')
        self.path = os.path.join(self.dir, 's')
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(self.path)
        self.server.listen(64)
        self.connections = []
        self.errors = []
        self._selector = selectors.DefaultSelector()
        self._selector.register(self.server, selectors.EVENT_READ, None)
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop:
            for key, _ in self._selector.select(0.05):
                if key.data is None:
                    sock, _ = self.server.accept()
                    conn = Connection()
                    self.connections.append(conn)
                    self._selector.register(sock, selectors.EVENT_READ, conn)
                else:
                    self._read(key.fileobj, key.data)

    def _read(self, sock, conn):
        chunk = sock.recv(1 << 16)
        if not chunk:
            self._selector.unregister(sock)
            sock.close()
            conn.closed = True
            if conn.data:
                self.errors.append('truncated frame from %s' % (conn.hello or {}).get('pid'))
            return
        conn.data += chunk
        while len(conn.data) >= 4:
            (n,) = struct.unpack('>I', conn.data[:4])
            if not 1 <= n <= 4 * 1024 * 1024:
                self.errors.append('bad frame length %d' % n)
            if len(conn.data) < 4 + n:
                break
            frame, conn.data = conn.data[4:4 + n], conn.data[4 + n:]
            try:
                if frame[:1] == bytes([BINARY_BATCH]) and conn.hello is not None:
                    conn.last_batch = frame
                    self._frame(conn, decode_binary_batch(frame, conn.templates))
                else:
                    self._frame(conn, json.loads(frame.decode('utf-8')))
            except (ProtocolError, ValueError, struct.error) as error:
                self.errors.append(str(error))

    def _frame(self, conn, obj):
        if conn.hello is None:
            check_hello(obj, self.secret)
            conn.hello = obj
        elif isinstance(obj, dict):
            if obj.get('t') != 'bye' or not isinstance(obj.get('ts'), int) or conn.bye:
                raise ProtocolError('bad frame %r' % (obj,))
            conn.bye = obj
        elif isinstance(obj, list):
            if conn.bye:
                raise ProtocolError('events after bye')
            for event in obj:
                check_event(event)
            conn.events.extend(obj)
        else:
            raise ProtocolError('bad frame %r' % (obj,))

    def close(self):
        self._stop = True
        self._thread.join()
        for key in list(self._selector.get_map().values()):
            key.fileobj.close()
        os.unlink(self.path)
        self._take_task_pages()
        os.rmdir(self.dir)

    def _take_task_pages(self):
        by_pid = self.by_pid()
        for name in os.listdir(self.dir):
            path = os.path.join(self.dir, name)
            with open(path, 'rb') as f:
                page = f.read()
            os.unlink(path)
            is_page = name[:1] == 't' and name[1:].isdigit()
            conn = by_pid.get(int(name[1:])) if is_page else None
            if is_page and len(page) < 4096:
                continue  # its process was killed while making it, before any task
            if conn is None or len(page) != TASK_PAGE_BYTES:
                self.errors.append('a stray file %s of %d bytes' % (name, len(page)))
                continue
            state, spilled, *values, length = TASK_PAGE.unpack_from(page)
            text = page[TASK_PAGE_CONSTANTS_AT:TASK_PAGE_CONSTANTS_AT + length]
            values = [None if v == -1 else v for v in values]
            conn.page = (state == 1, values, json.loads(text.decode()) if length else None)
            spill = page[SPILL_AT:SPILL_AT + spilled]
            # Sent, and the process killed before it emptied the region: its last batch's start.
            if spill and conn.last_batch[1:1 + spilled] != spill:
                try:
                    conn.spilled = decode_binary_batch(b'\x01' + spill, conn.templates)
                    for event in conn.spilled:
                        check_event(event)
                except (ProtocolError, ValueError, struct.error) as error:
                    self.errors.append('spill of %s: %s' % (name, error))
                conn.events.extend(conn.spilled)

    def by_pid(self):
        return {c.pid: c for c in self.connections if c.hello}

    def events(self, kind):
        return [(c.pid, e) for c in self.connections for e in c.events if e[0] == kind]


def check_hello(obj, secret):
    if not isinstance(obj, dict) or obj.get('t') != 'hello':
        raise ProtocolError('first frame is not a hello: %r' % (obj,))
    for field, kind in HELLO_FIELDS.items():
        if not isinstance(obj.get(field), kind):
            raise ProtocolError('hello field %s: %r' % (field, obj.get(field)))
    if obj['v'] != 4 or obj['secret'] != secret or obj['role'] not in ROLES:
        raise ProtocolError('bad hello %r' % (obj,))
    if obj['mpParentPid'] is not None and not isinstance(obj['mpParentPid'], int):
        raise ProtocolError('bad mpParentPid')


def receive_batch(sock, templates):
    """The next frame on `sock` (a socket pair's end standing for the collector), as (its bytes,
    its events decoded): a JSON array or a binary batch."""
    sock.settimeout(5)
    (length,) = struct.unpack('>I', sock.recv(4))
    frame = b''
    while len(frame) < length:
        frame += sock.recv(length - len(frame))
    if frame[0] != BINARY_BATCH:
        return frame, json.loads(frame.decode())
    return frame, decode_binary_batch(frame, templates)


def decode_binary_batch(frame, templates):
    """The events of a binary batch, defining templates as they come; strict: a sink that tolerated
    a bad record would hide a runtime bug."""
    events = []
    at = 1
    while at < len(frame):
        (record_id,) = RECORD_ID.unpack_from(frame, at)
        at += 4
        if record_id == 0:
            (length,) = RECORD_ID.unpack_from(frame, at)
            at += 4
            if at + length > len(frame):
                raise ProtocolError('JSON record past the end of its frame')
            value = json.loads(frame[at:at + length].decode('utf-8'))
            at += length
            if isinstance(value, dict):
                define_template(templates, value)
            else:
                events.append(value)
        elif record_id in templates:
            event, slots, values = templates[record_id]
            event = list(event)
            for slot, value in zip(slots, values.unpack_from(frame, at)):
                event[slot] = value
            at += values.size
            events.append(event)
        else:
            raise ProtocolError('record of unknown template %d' % record_id)
    return events


def define_template(templates, definition):
    template_id, event, slots = definition['template'], definition['event'], definition['slots']
    if set(definition) != {'template', 'event', 'slots'} or not 1 <= template_id < 2**32:
        raise ProtocolError('bad template %r' % (definition,))
    if not 3 <= len(event) <= 64 or slots != sorted(set(slots)) or not slots or slots[0] < 1:
        raise ProtocolError('bad template %r' % (definition,))
    if slots[-1] >= len(event) or any(event[slot] is not None for slot in slots):
        raise ProtocolError('bad template %r' % (definition,))
    if template_id not in templates and len(templates) >= MAX_TEMPLATES:
        raise ProtocolError('too many templates')
    templates[template_id] = (event, slots, struct.Struct('<%dq' % len(slots)))


def check_event(event):
    if not isinstance(event, list) or len(event) < 3 or event[0] not in EVENT_ARITY:
        raise ProtocolError('bad event %r' % (event,))
    if len(event) != 3 + EVENT_ARITY[event[0]]:
        raise ProtocolError('wrong field count %r' % (event,))
    if not isinstance(event[1], int) or not isinstance(event[2], int):
        raise ProtocolError('bad ts/tid %r' % (event,))


def environment(sink_path, secret, method=None, extra_path=None):
    env = dict(os.environ)
    for name in list(env):
        if name.startswith('PARALLEL_PROFILER_'):
            del env[name]
    env['PYTHONPATH'] = INJECT + (os.pathsep + extra_path if extra_path else '')
    env['PARALLEL_PROFILER_SOCKET'] = sink_path
    env['PARALLEL_PROFILER_SECRET'] = secret
    if method:
        env['PARALLEL_PROFILER_START_METHOD'] = method
    return env


def plain_env(extra_path=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith('PARALLEL_PROFILER_')}
    env.pop('PYTHONPATH', None)
    if extra_path:
        env['PYTHONPATH'] = extra_path
    return env


def run(args, env, python=sys.executable, timeout=120, cwd=None):
    return subprocess.run(
        [python] + args, env=env, capture_output=True, timeout=timeout, cwd=cwd or REPO
    )


def traced(args, method=None, python=sys.executable, sink_path=None, extra_path=None, cwd=None):
    """Runs `python args...` under a fresh sink; returns (completed process, sink)."""
    sink = Sink()
    try:
        env = environment(sink_path or sink.path, sink.secret, method, extra_path)
        result = run(args, env, python, cwd=cwd)
        settle(sink)
    finally:
        sink.close()
    return result, sink


def settle(sink):
    """Waits (bounded) until every accepted connection has closed: the processes are gone."""
    import time

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not all(c.closed for c in sink.connections):
        time.sleep(0.02)
