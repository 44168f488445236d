"""Actors: the processes (started with the implementation's own Process) and threads that make
the calls, and their handles in the adapter.

Messages (protocol.Channel frames of plain values):
  adapter -> actor: (job_id, seq, blob, calls, barrier) | None (exit)
      blob: the scenario's objects pickled the way the implementation pickles Process arguments
      (pooled actors), loaded when seq changes; calls: make_call tuples; barrier: wait at the gate.
  actor -> adapter: ("ready", job_id) ("start", job_id, i, t_pre)
      ("ev", job_id, i, invoke, response, outcome_json) ("done", job_id, aborted) ("fail", job_id, text)
"""

import os
import pickle
import signal
import threading
import time
import traceback

from . import protocol
from .protocol import ABORT, GO, Channel
from .values import SKIPPED, make_call, outcome_text


def actor_main(link, preset_objects, first_job):
    """Body of an actor process (module-level, so that spawn can import it). Its arguments are
    plain values but for the objects: link is ("fds", cmd_r, ev_w, gate_r, close) for an actor
    that inherits the adapter's fds (fork; `close`: the adapter's fds it must not keep), or
    ("unix", path, token) for one that connects to the adapter's socket; preset_objects: the
    scenario's objects when the process was started for one scenario; first_job: its first job."""
    protocol.in_actor_process()
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except Exception:
        pass
    if link[0] == "fds":
        _, cmd_r, ev_w, gate, close = link
        for fd in close:
            try:
                os.close(fd)
            except OSError:
                pass
        chan = Channel(cmd_r, ev_w)
    else:
        fd, gate = protocol.connect(link[1], link[2])
        chan = Channel(fd, fd)
    try:
        _serve(chan, gate, preset_objects, first_job)
    except (EOFError, OSError):
        # The adapter went away, or the call closed our fds: nothing more can be reported.
        os._exit(70)


def _serve(chan, gate, objects, msg):
    send = chan.send
    seq = None
    while True:
        if msg is None:
            try:
                msg = chan.recv()
            except (EOFError, OSError):
                return  # released: the adapter closed our channel
            if msg is None:
                return
        job_id, job_seq, blob, calls, barrier = msg
        msg = None
        if blob is not None and job_seq != seq:
            try:
                objects = None
                objects = pickle.loads(blob)
                seq = job_seq
            except BaseException:  # noqa: B902
                send(("fail", job_id, "could not receive the scenario's objects:\n" + traceback.format_exc()))
                continue
        if barrier:
            send(("ready", job_id))
            if os.read(gate, 1) != GO:
                send(("done", job_id, True))
                continue
        for i, call in enumerate(calls):
            if len(call) > 9 and call[9]:
                time.sleep(call[9])  # the call's pause (a process is killed at the deadline)
            send(("start", job_id, i, time.monotonic_ns()))
            made = make_call(objects, call)
            if made is SKIPPED:
                send(("skip", job_id, i))
                continue
            t0, t1, outcome = made
            send(("ev", job_id, i, t0, t1, outcome_text(outcome)))
        send(("done", job_id, False))


class ProcessActor(object):
    """An actor process. Pooled ones start at once; fresh ones (preset objects) when sent their
    first job, which travels in the Process arguments."""

    def __init__(self, engine, preset_objects, role):
        self.engine = engine
        self.role = role
        self.preset = preset_objects
        self.proc = None
        self.chan = None  # set once connected (at once for inherited fds)
        self.outbox = []  # messages sent before the actor connected
        self.token = None
        self.mine = []  # with inherited fds: the adapter's ends, for later actors to close
        self.alive = True
        self.busy = False
        self.since = 0.0
        if preset_objects is None:
            self._start(None)

    def _start(self, first_job):
        e = self.engine
        if e.inherit:
            cmd_r, cmd_w = os.pipe()
            ev_r, ev_w = os.pipe()
            self.chan = Channel(ev_r, cmd_w)
            self.mine = [cmd_w, ev_r]
            link = ("fds", cmd_r, ev_w, e.gate_r, e.parent_fds + self.mine + [e.gate_w])
        else:
            self.token = e.expect(self)
            link = ("unix", e.listener.path, self.token)
        try:
            self.proc = e.ctx.Process(target=actor_main, args=(link, self.preset, first_job),
                                      name="mpspec-actor-%s" % self.role, daemon=True)
            self.proc.start()
        finally:
            if e.inherit:
                # The child has its copies; ours would keep the pipes open after it died.
                os.close(cmd_r)
                os.close(ev_w)
                e.parent_fds.extend(self.mine)
            self.preset = None

    def connected(self, fd):
        self.chan = Channel(fd, fd)
        self.mine = [fd]
        for m in self.outbox:
            self.chan.send(m)
        self.outbox = []

    def send(self, msg):
        if self.proc is None:
            if self.engine.inherit:
                self._start(msg)  # forked: the first job travels in the arguments, unpickled
                return
            self._start(None)
        if self.chan is None:
            self.outbox.append(msg)
            return
        try:
            self.chan.send(msg)
        except OSError:
            pass  # it died: the next wait sees its channel end

    def sentinel(self):
        s = getattr(self.proc, "sentinel", None)
        return s if isinstance(s, int) and s >= 0 else None

    def kill(self):
        if self.alive and self.proc is not None:
            # SIGKILL by pid: not every multiprocessing look-alike has Process.kill()
            # (billiard has only terminate(), which a process blocked in C may not heed).
            try:
                os.kill(self.proc.pid, signal.SIGKILL)
            except Exception:
                pass
            self.join(5)
        self.alive = False

    def join(self, timeout):
        try:
            self.proc.join(timeout)
        except Exception:
            pass

    def exitcode(self):
        try:
            return self.proc.exitcode
        except Exception:
            return None

    def release(self):
        """No more jobs: it exits once it reads end of file on its channel."""
        self.close_channel()
        self.since = time.monotonic()

    def reaped(self, grace):
        """True once the process has exited (killed if it lingers past `grace` seconds after release)."""
        if self.proc is None or self.exitcode() is not None:
            self.alive = False
            return True
        if time.monotonic() - self.since > grace:
            self.kill()
            return True
        return False

    def shutdown(self, timeout):
        """Ask to exit; kill after `timeout` seconds."""
        try:
            if self.chan is not None:
                self.chan.send(None)
        except Exception:
            pass
        if self.proc is not None:
            self.join(timeout)
            if self.exitcode() is None:
                self.kill()
        self.alive = False
        self.close_channel()

    def close_channel(self):
        e = self.engine
        for fd in self.mine:
            try:
                e.parent_fds.remove(fd)
            except ValueError:
                pass
        self.mine = []
        if self.chan is not None:
            self.chan.close()
        e.forget(self)


class ThreadActor(object):
    """An actor thread of the adapter, fed jobs through a queue.Queue of the standard library."""

    def __init__(self, role, sink):
        import queue
        self.role = role
        self.inbox = queue.Queue()
        self.sink = sink
        self.alive = True
        self.busy = False
        self.thread = threading.Thread(target=self._loop, name="mpspec-actor-%s" % role, daemon=True)
        self.thread.start()

    def _loop(self):
        while True:
            job = self.inbox.get()
            if job is None:
                return
            job_id, objects, calls, barrier, cancelled = job
            post = self.sink.put
            if barrier is not None:
                post((self, ("ready", job_id)))
                barrier["go"].wait()
                if barrier["abort"]:
                    post((self, ("done", job_id, True)))
                    continue
            for i, call in enumerate(calls):
                if cancelled.is_set():
                    break
                if len(call) > 9 and call[9] and cancelled.wait(call[9]):
                    break  # given up on during the call's pause
                post((self, ("start", job_id, i, time.monotonic_ns())))
                made = make_call(objects, call)
                if made is SKIPPED:
                    post((self, ("skip", job_id, i)))
                    continue
                t0, t1, outcome = made
                post((self, ("ev", job_id, i, t0, t1, outcome)))
            post((self, ("done", job_id, False)))

    def send(self, job):
        self.inbox.put(job)

    def kill(self):
        """Threads cannot be killed: abandon it (it exits once its call returns)."""
        self.alive = False
        self.inbox.put(None)

    def shutdown(self, timeout):
        self.kill()
