"""Actor processes, started with the implementation's own Process: fresh per scenario (the objects
in the Process arguments, as users share them) or pooled across scenarios (spawn, forkserver: the
objects pickled for each worker the way the implementation pickles Process arguments).

The channels are the adapter's own (protocol.py): with fork, pipes the actor inherits (their fd
numbers travel in the Process arguments); otherwise a Unix-domain socket the actor connects to by
path, which hands it the start gate's fd."""

import importlib
import itertools
import os
import time

from . import protocol
from .actors import ProcessActor
from .engine import MAIN_ACTOR, Engine
from .protocol import ABORT, GO


class _PoolSpawningPopen(object):
    """Stands in for the spawning Popen while a scenario's objects are pickled for a pooled
    worker: assert_spawning() passes, and file descriptors go through the implementation's
    resource_sharer (as for a Connection sent over a Connection)."""

    def __init__(self, resource_sharer):
        self._rs = resource_sharer

    def duplicate_for_child(self, fd):
        return fd

    def DupFd(self, fd):
        return self._rs.DupFd(fd)


class ProcessEngine(Engine):
    """Actor processes: fresh per scenario (pool=False) or pooled across scenarios."""
    kind = "processes"

    def __init__(self, adapter, pool):
        Engine.__init__(self, adapter)
        self.ctx = adapter.ctx
        self.pool = pool
        # Fresh forked actors inherit their pipes; others connect to the socket.
        self.inherit = adapter.start_method == "fork" and not pool
        self.main = None
        self.actors = []
        self.fresh = []
        self.reaping = []
        self.parent_fds = []  # the adapter's ends of live actors' pipes: forked actors close them
        self.gate_r = self.gate_w = None
        self.listener = None if self.inherit else protocol.Listener()
        self.expected = {}  # token -> actor that has not connected yet
        self.tokens = itertools.count(1)
        if pool:
            name = adapter.module.__name__
            self.gate_r, self.gate_w = os.pipe()
            self.ctxmod = importlib.import_module(name + ".context")
            self.reduction = importlib.import_module(name + ".reduction")
            self.popen = _PoolSpawningPopen(importlib.import_module(name + ".resource_sharer"))

    # --- actors connecting to the socket
    def expect(self, actor):
        token = next(self.tokens)
        self.expected[token] = actor
        return token

    def forget(self, actor):
        if actor.token is not None:
            self.expected.pop(actor.token, None)

    def _accept(self, timeout):
        got = self.listener.accept(timeout)
        if got is None:
            return
        token, conn = got
        actor = self.expected.pop(token, None)
        if actor is None:
            conn.close()  # an actor given up on (killed, released) before it connected
            return
        try:
            actor.connected(protocol.hand_over(conn, self.gate_r))
        except OSError:
            conn.close()

    def warm(self, n):
        if not self.pool:
            return
        self.prepare(None, n, True)
        until = time.monotonic() + 60
        while self.expected and time.monotonic() < until:
            self._accept(min(1.0, until - time.monotonic()))

    def prepare(self, objects, n, need_main):
        if self.pool:
            if need_main and not self._usable(self.main):
                self.main = ProcessActor(self, None, MAIN_ACTOR)
            while len(self.actors) < n:
                self.actors.append(None)
            for i in range(n):
                if not self._usable(self.actors[i]):
                    self.actors[i] = ProcessActor(self, None, "a%d" % i)
            return (self.main if need_main else None), self.actors[:n]
        # Fresh actors, with the objects as Process arguments (inherited with fork).
        self.gate_r, self.gate_w = os.pipe()
        main = ProcessActor(self, objects, MAIN_ACTOR) if need_main else None
        actors = [ProcessActor(self, objects, "a%d" % i) for i in range(n)]
        self.fresh = [w for w in [main] + actors if w is not None]
        return main, actors

    @staticmethod
    def _usable(w):
        if w is None:
            return False
        if not w.alive or w.proc is None or w.exitcode() is not None:  # dead, or died while idle
            w.shutdown(0)
            return False
        return True

    def _dumps(self, objects):
        prev = self.ctxmod.get_spawning_popen()
        self.ctxmod.set_spawning_popen(self.popen)
        try:
            return bytes(self.reduction.ForkingPickler.dumps(objects))
        finally:
            self.ctxmod.set_spawning_popen(prev)

    def job_message(self, job, worker, objects):
        blob = None
        if self.pool:
            # Pickled per worker: a descriptor handed over by resource_sharer can be taken once.
            blob = self._dumps(objects)
        return (job.id, self.scenario_seq, blob, job.calls, job.barrier)

    def wait(self, workers, timeout, drain_dead=False):
        out = []
        chans = {}
        sentinels = {}
        for w in workers:
            if w.chan is not None and w.chan.rfd >= 0:
                chans[w.chan.rfd] = w
            s = w.sentinel()
            if s is not None and not drain_dead:
                sentinels[s] = w
        if drain_dead:
            # Killed workers: what they wrote before they died, without waiting.
            for w in chans.values():
                self._drain(w, out)
            return out
        watch = list(chans) + list(sentinels)
        listening = bool(self.expected)
        if listening:
            watch.append(self.listener.fd)
        if not watch:
            time.sleep(min(timeout, 0.05))
            return out
        died = []
        for fd in protocol.readable(watch, timeout):
            if listening and fd == self.listener.fd:
                self._accept(0)
            elif fd in chans:
                w = chans[fd]
                for m in w.chan.feed():
                    out.append((w, m))
                if w.chan.eof and w not in died:
                    died.append(w)
            elif fd in sentinels and sentinels[fd] not in died:
                died.append(sentinels[fd])
        for w in died:
            self._drain(w, out)  # whatever it wrote before dying comes first
            w.join(1)
            if w.exitcode() is None:
                w.kill()  # alive, yet its channel is gone: the call closed fds it does not own
            out.append((w, ("died", w.exitcode())))
        return out

    @staticmethod
    def _drain(w, out):
        chan = w.chan
        while chan is not None and not chan.eof and chan.rfd >= 0 and protocol.readable([chan.rfd], 0):
            for m in chan.feed():
                out.append((w, m))

    def release(self, n):
        if n:
            os.write(self.gate_w, GO * n)

    def abort_waiting(self, n):
        if n:
            os.write(self.gate_w, ABORT * n)

    def after_kill(self):
        if self.pool:
            # Start bytes a killed worker never read must not open a later barrier early.
            protocol.drain(self.gate_r)

    def finish(self, workers, failed):
        if not self.pool:
            for w in self.fresh:
                if failed and w.busy:
                    w.kill()
                w.release()
            # Reaped lazily: they exit while the runner checks the history.
            self.reaping = [w for w in self.reaping + self.fresh if not w.reaped(2.0)]
            self.fresh = []
            self._close_gate()
            return
        if failed:
            for w in workers:
                if w.busy:
                    w.kill()
            protocol.drain(self.gate_r)

    def _close_gate(self):
        for fd in (self.gate_r, self.gate_w):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.gate_r = self.gate_w = None

    def close(self):
        ws = [w for w in [self.main] + self.actors + self.fresh if w is not None and w.alive]
        for w in ws:
            try:
                if w.chan is not None:
                    w.chan.send(None)
            except Exception:
                pass
        for w in ws:
            w.shutdown(1.0)
        deadline = time.monotonic() + 1.0
        for w in self.reaping:
            if w.proc is not None:
                w.join(max(0, deadline - time.monotonic()))
            w.kill()
        self.main, self.actors, self.fresh, self.reaping = None, [], [], []
        self._close_gate()
        if self.listener is not None:
            self.listener.close()
