"""The adapter's two kinds of plumbing, standard library only.

1. The runner's JSON-lines protocol (spec/protocol/README.md): stdin in, a private copy of the
   original stdout out. Fd 1 is pointed at stderr so that stray prints (ours, the module's, an
   actor's) cannot corrupt the protocol.
2. The channels between the adapter (the supervisor) and its actor processes: length-prefixed
   frames of stdlib pickle over plain file descriptors (an inherited os.pipe() pair with fork,
   a Unix-domain socket the actor connects to by path otherwise), and a start gate that is a
   pipe read by every parallel actor. Nothing of the implementation under test (its Pipe,
   Connection, locks or pickler) carries them, so a broken implementation cannot break them.
"""

import array
import json
import os
import pickle
import select as select_mod
import socket
import struct
import sys
import tempfile

PROTOCOL_VERSION = 1

# Bytes on the start gate: one per released actor.
GO = b"G"
ABORT = b"A"

_PROTO_FD = [-1]


def log(msg):
    try:
        sys.stderr.write("mpspec_adapter: %s\n" % msg)
        sys.stderr.flush()
    except Exception:
        pass


def setup_stdio():
    """Keep the original stdout for the protocol; point fd 1 at stderr."""
    fd = os.dup(1)
    os.set_inheritable(fd, False)
    os.dup2(2, 1)
    _PROTO_FD[0] = fd


def send_message(obj):
    write_all(_PROTO_FD[0], (json.dumps(obj, separators=(",", ":"), allow_nan=False) + "\n").encode("utf-8"))


def in_actor_process():
    """First thing in every actor process: it must never write the protocol stream nor read the
    runner's stdin (a forked actor shares both with the adapter)."""
    if _PROTO_FD[0] >= 0:
        try:
            os.close(_PROTO_FD[0])
        except OSError:
            pass
        _PROTO_FD[0] = -1
    try:
        null = os.open(os.devnull, os.O_RDONLY)
        if null != 0:
            os.dup2(null, 0)
            os.close(null)
    except OSError:
        pass


def write_all(fd, data):
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


# --- frames ---------------------------------------------------------------------------

_HEADER = struct.Struct("!I")
_DUMPS = pickle.dumps
_LOADS = pickle.loads
_PICKLE_PROTOCOL = pickle.HIGHEST_PROTOCOL


class Channel(object):
    """Frames (4-byte big-endian length, then a stdlib pickle of plain values) over a pair of
    file descriptors (the same one for a socket). One reader and one writer on each side."""

    def __init__(self, rfd, wfd):
        self.rfd = rfd
        self.wfd = wfd
        self.buf = bytearray()
        self.eof = False

    def send(self, obj):
        data = _DUMPS(obj, _PICKLE_PROTOCOL)
        write_all(self.wfd, _HEADER.pack(len(data)) + data)

    def _frame(self):
        """The next complete frame in the buffer, or None."""
        buf = self.buf
        if len(buf) < 4:
            return None
        n = _HEADER.unpack_from(buf)[0]
        if len(buf) < 4 + n:
            return None
        msg = _LOADS(bytes(buf[4:4 + n]))
        del buf[:4 + n]
        return msg

    def recv(self):
        """Blocking: the next message; EOFError at end of file."""
        while True:
            msg = self._frame()
            if msg is not None:
                return msg
            chunk = os.read(self.rfd, 65536)
            if not chunk:
                self.eof = True
                raise EOFError
            self.buf += chunk

    def feed(self):
        """After a poll said the fd is readable: the complete messages now buffered. Sets eof."""
        try:
            chunk = os.read(self.rfd, 65536)
        except OSError:
            chunk = b""
        if not chunk:
            self.eof = True
        else:
            self.buf += chunk
        out = []
        while True:
            msg = self._frame()
            if msg is None:
                return out
            out.append(msg)

    def close(self):
        for fd in {self.rfd, self.wfd}:
            try:
                os.close(fd)
            except OSError:
                pass
        self.rfd = self.wfd = -1


def readable(fds, timeout):
    """The fds of `fds` that are readable (or at end of file, or closed) within `timeout` seconds."""
    if not fds:
        return []
    if hasattr(select_mod, "poll"):
        p = select_mod.poll()
        for fd in fds:
            p.register(fd, select_mod.POLLIN)
        ms = None if timeout is None else max(0, int(timeout * 1000 + 0.999))
        return [fd for fd, _ in p.poll(ms)]
    return select_mod.select(list(fds), [], [], timeout)[0]



def drain(fd):
    """Read and drop whatever is in a pipe now (without blocking)."""
    while readable([fd], 0):
        try:
            if not os.read(fd, 4096):
                return
        except OSError:
            return


# --- a Unix-domain socket for actors that do not inherit the adapter's fds ------------

_TOKEN = struct.Struct("!Q")


class Listener(object):
    """The adapter's socket: an actor connects to `path`, says its token, and is handed the
    start gate's fd (SCM_RIGHTS). The path is a plain string: it survives any Process start."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="mpspec-")
        self.path = os.path.join(self.dir, "actors")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        self.sock.listen(128)
        self.fd = self.sock.fileno()

    def accept(self, timeout):
        """(token, socket) of one actor that connected, or None within `timeout` seconds."""
        if not readable([self.fd], timeout):
            return None
        conn, _ = self.sock.accept()
        conn.settimeout(5.0)
        try:
            data = b""
            while len(data) < _TOKEN.size:
                chunk = conn.recv(_TOKEN.size - len(data))
                if not chunk:
                    raise EOFError
                data += chunk
        except (OSError, EOFError):
            conn.close()
            return None
        conn.settimeout(None)
        return _TOKEN.unpack(data)[0], conn

    def close(self):
        try:
            self.sock.close()
        finally:
            for p in (self.path, self.dir):
                try:
                    (os.unlink if p == self.path else os.rmdir)(p)
                except OSError:
                    pass


def hand_over(conn, gate_fd):
    """Adapter side, after accept: give the actor the start gate; returns the channel's fd."""
    conn.sendmsg([b"F"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [gate_fd]))])
    return conn.detach()


def connect(path, token):
    """Actor side: (channel fd, start gate fd)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(_TOKEN.pack(token))
    fds = array.array("i")
    msg, anc, _, _ = s.recvmsg(1, socket.CMSG_LEN(fds.itemsize))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[:len(data) - (len(data) % fds.itemsize)])
    if msg != b"F" or not fds:
        raise EOFError("the adapter did not hand over the start gate")
    return s.detach(), fds[0]
