#!/usr/bin/env python3
"""mpspec adapter for Python multiprocessing-style modules.

Speaks mpspec's JSON-lines adapter protocol (spec/protocol/README.md) on
stdin/stdout; stderr is free text. Standard library only; Python >= 3.8 or PyPy 3.

    python3 mpspec_adapter.py --module multiprocessing
        [--start-method fork|spawn|forkserver] [--actors processes|threads]
        [--profile multiprocessing|threading] [--no-pool] [--warm N]

--module NAME imports any module on PYTHONPATH that exposes the multiprocessing
API (multiprocessing, billiard, multiprocess, your own): the runner's callable
"multiprocessing.X" is taken from that module's context for the start method
(NAME.get_context(method).X; with no --start-method, NAME.X itself). Other
callables ("threading.Lock", "queue.Queue") are imported as named.

Actors
  processes (default): every actor ("main" for the init and post parts, a0,
    a1, ... for the parallel part) is a process started with the module's own
    Process class, so a call still running at the deadline can be killed.
    * fork: the objects are created in this process and the actor processes
      are forked afresh for every scenario: objects made with the fork start
      method can reach another process only by inheritance (CPython unlinks
      their semaphores at once, and refuses to pickle them), so a process
      started before the objects existed can never use them. Forking costs a
      millisecond or so; exited actors are reaped after the reply is sent.
    * spawn, forkserver: actor processes are pooled across scenarios. A
      scenario's objects are pickled for each pooled worker the way the
      module pickles Process arguments, under a stand-in for the spawning
      Popen that hands file descriptors over through the module's
      resource_sharer (named semaphores are reopened by name). With --no-pool,
      or a module without context.set_spawning_popen / resource_sharer, actor
      processes are started per scenario, with the objects as Process args.
  threads: actors are threads of this process, pooled across scenarios. A call
    still running at the deadline is reported pending and its thread is
    abandoned (threads cannot be killed): it is a daemon thread that ends when
    its call returns, and skips the rest of its calls.

The parallel actors are released together: each reports ready, then blocks
reading one byte from a shared pipe (threads: waits on one Event); the adapter
writes one byte per actor in a single write. Each actor stamps
time.monotonic_ns() (CLOCK_MONOTONIC on Linux, shared by all processes) just
before and just after each call; the reply carries the stamps relative to an
origin taken when the run command arrived.
"""

import argparse
import importlib
import json
import os
import platform
import signal
import sys
import threading
import time
import traceback

PROTOCOL_VERSION = 1
ADAPTER_VERSION = "0.1.0"

# Primitives offered when the runner's start message lists none (an older runner).
MP_PRIMITIVES = ["Lock", "RLock", "Semaphore", "BoundedSemaphore", "Condition", "Event", "Barrier",
                 "Queue", "SimpleQueue", "JoinableQueue", "Pipe", "Value", "RawValue", "Array", "RawArray"]
THREADING_PRIMITIVES = ["Lock", "RLock", "Semaphore", "BoundedSemaphore", "Condition", "Event", "Barrier",
                        "Queue", "SimpleQueue", "JoinableQueue", "LifoQueue", "PriorityQueue"]

INTERNAL_ERROR_TYPE = "mpspec.InternalError"
MAIN_ACTOR = "main"

# The protocol's output: a private copy of the original stdout. Fd 1 is pointed
# at stderr so that stray prints (ours, the module's, an actor's) cannot corrupt it.
_PROTO_FD = -1


def log(msg):
    try:
        sys.stderr.write("mpspec_adapter: %s\n" % msg)
        sys.stderr.flush()
    except Exception:
        pass


def _setup_stdio():
    global _PROTO_FD
    _PROTO_FD = os.dup(1)
    os.set_inheritable(_PROTO_FD, False)
    os.dup2(2, 1)


def send_message(obj):
    data = (json.dumps(obj, separators=(",", ":"), allow_nan=False) + "\n").encode("utf-8")
    view = memoryview(data)
    while view:
        n = os.write(_PROTO_FD, view)
        view = view[n:]


def _in_actor_process():
    """Called first in every actor process: it must never write to the protocol stream."""
    if _PROTO_FD >= 0:
        try:
            os.close(_PROTO_FD)
        except OSError:
            pass


# --- values and exceptions ---------------------------------------------------------

_BYTES_LIKE = (bytes, bytearray, memoryview)


def _jsonable(v, depth=0):
    if depth > 100:
        return False
    if v is None or isinstance(v, (bool, str) + _BYTES_LIKE):
        return True
    if isinstance(v, int):
        return True
    if isinstance(v, float):
        return v == v and v not in (float("inf"), float("-inf"))
    if isinstance(v, (list, tuple)):
        return all(_jsonable(x, depth + 1) for x in v)
    if isinstance(v, dict):
        return all(isinstance(k, str) and _jsonable(x, depth + 1) for k, x in v.items())
    return False


def _to_json(v):
    if isinstance(v, _BYTES_LIKE):
        # {"$bytes": text}: one character per byte (latin-1), spec/protocol/README.md
        return {"$bytes": bytes(v).decode("latin-1")}
    if isinstance(v, (list, tuple)):
        return [_to_json(x) for x in v]
    if isinstance(v, dict):
        return {k: _to_json(x) for k, x in v.items()}
    return v


_PUBLIC_NAMES = {}


def qualified_name(cls):
    """'ValueError', 'queue.Empty' (not '_queue.Empty'): the public name when a private module's class is re-exported."""
    try:
        return _PUBLIC_NAMES[cls]
    except (KeyError, TypeError):
        pass
    mod = getattr(cls, "__module__", None) or ""
    name = getattr(cls, "__qualname__", None) or getattr(cls, "__name__", "?")
    if mod == "builtins":
        out = name
    else:
        out = "%s.%s" % (mod, name) if mod else name
        parts = mod.split(".")
        top = sys.modules.get(parts[0])
        if len(parts) > 1 and not parts[0].startswith("_") and "." not in name and getattr(top, name, None) is cls:
            # Re-exported by its package: multiprocessing.BufferTooShort, not multiprocessing.context.BufferTooShort.
            out = "%s.%s" % (parts[0], name)
        elif any(p.startswith("_") for p in parts):
            public = ".".join(p.lstrip("_") for p in parts)
            try:
                pm = sys.modules.get(public) or importlib.import_module(public)
                obj = pm
                for attr in name.split("."):
                    obj = getattr(obj, attr)
                if obj is cls:
                    out = "%s.%s" % (public, name)
            except Exception:
                pass
    try:
        _PUBLIC_NAMES[cls] = out
    except TypeError:
        pass
    return out


def raised_outcome(e):
    cls = type(e)
    try:
        message = str(e)
    except Exception:
        message = "<str() failed>"
    mro = [qualified_name(c) for c in cls.__mro__[1:] if c is not object]
    return {"kind": "raised", "type": qualified_name(cls), "message": message, "mro": mro}


def returned_outcome(v):
    if _jsonable(v):
        return {"kind": "returned", "value": _to_json(v)}
    try:
        r = repr(v)
    except Exception:
        r = "<repr() failed>"
    return {"kind": "raised", "type": INTERNAL_ERROR_TYPE,
            "message": "the call returned a value with no JSON form: %s" % r[:200], "mro": []}


def perform_call(obj, method, argv, form, key_box=None, out_args=None):
    """The call itself, by the spec's OperationForm (spec/format.ts). With key_box = (key,), the
    forms get/set/iadd are on the item obj[key] instead of the attribute."""
    if key_box is not None:
        key = key_box[0]
        if form == "get":
            return obj[key]
        if form == "set":
            obj[key] = argv[0]
            return None
        if form == "iadd":
            # What `obj[key] += argv[0]` does: getitem, in-place add, setitem (not atomic).
            v = obj[key]
            v += argv[0]
            obj[key] = v
            return None
        raise ScenarioError("item access (key) needs form get, set or iadd, not %r" % (form,))
    if form == "get":
        return getattr(obj, method)
    if form == "set":
        setattr(obj, method, argv[0])
        return None
    if form == "iadd":
        # What `obj.method += argv[0]` does: getattr, in-place add, setattr (not atomic).
        v = getattr(obj, method)
        v += argv[0]
        setattr(obj, method, v)
        return None
    r = getattr(obj, method)(*argv)
    if out_args:
        # Arguments the method wrote into (a bytearray), reported with its result.
        return [r] + [argv[k] for k in out_args]
    return r


def make_call(objects, call):
    """call = (object index, method, argv[, form[, target[, with_lock[, key_box[, via[, out_args]]]]]]),
    from a run message's call (spec/protocol/README.md). form (perform_call): "call", or
    "get"/"set"/"iadd" on the attribute, or on the item obj[key] with key_box = (key,);
    with_lock (not None): hold the lock getattr(obj, with_lock)() around the call; target (not
    None): the call is on element target of the tuple objects[oi]; via (not None): on
    getattr(obj, via)(); out_args: argv indexes reported with the result. Returns (invoke, response, outcome)."""
    oi, method, argv = call[:3]
    obj = objects[oi]
    if len(call) > 4 and call[4] is not None:
        # The object is a tuple (Pipe's two connections): the call is on element call[4].
        obj = obj[call[4]]
    form = call[3] if len(call) > 3 else "call"
    with_lock = call[5] if len(call) > 5 else None
    key_box = call[6] if len(call) > 6 else None
    via = call[7] if len(call) > 7 else None
    out_args = call[8] if len(call) > 8 else None
    # Mutable arguments (a bytearray) are made afresh for every call: the job's argv is shared.
    argv = [bytearray(a) if isinstance(a, bytearray) else a for a in argv]
    t0 = time.monotonic_ns()
    try:
        if via is not None:
            # The call is on what obj.<via>() returns (get_obj).
            obj = getattr(obj, via)()
        if with_lock is not None:
            # `with obj.<with_lock>(): ...` (the spec operation's withLock)
            with getattr(obj, with_lock)():
                r = perform_call(obj, method, argv, form, key_box, out_args)
        else:
            r = perform_call(obj, method, argv, form, key_box, out_args)
    except BaseException as e:  # noqa: B902 - every exception is an outcome
        t1 = time.monotonic_ns()
        return t0, t1, raised_outcome(e)
    t1 = time.monotonic_ns()
    return t0, t1, returned_outcome(r)


# --- values that stand for Python objects (spec/protocol/README.md) -----------------

class MpspecCallable(object):
    """The callable a JSON value {"$callable": ...} stands for. A module-level class, so that
    it pickles for actor processes (a Barrier's action travels with the Barrier)."""

    def __init__(self, kind, value=None, exc_type=None, message=None):
        self.kind = kind
        self.value = value
        self.exc_type = exc_type
        self.message = message

    def __call__(self, *args, **kwargs):
        if self.kind == "raise":
            import builtins
            raise getattr(builtins, self.exc_type)(self.message)
        if self.kind == "return":
            return self.value
        return None

    def __repr__(self):
        return "<mpspec callable %s>" % self.kind


def _decode_callable(v):
    kind = v.get("$callable")
    keys = set(v)
    if kind == "noop" and keys == {"$callable"}:
        return MpspecCallable("noop")
    if kind == "return" and keys == {"$callable", "value"}:
        return MpspecCallable("return", value=_to_json(v["value"]))
    if kind == "raise" and keys == {"$callable", "type", "message"}:
        import builtins
        t = getattr(builtins, v["type"], None) if isinstance(v["type"], str) else None
        if not (isinstance(t, type) and issubclass(t, BaseException)) or not isinstance(v["message"], str):
            raise ScenarioError("%s: type must name a builtin exception and message be a string" % json.dumps(v))
        return MpspecCallable("raise", exc_type=v["type"], message=v["message"])
    raise ScenarioError("%s is not a $callable this adapter knows (noop, return, raise)" % json.dumps(v))


def _decode_text_bytes(v):
    """{"$bytes": text} -> bytes, {"$bytearray": text} -> bytearray: one character per byte (latin-1)."""
    k = "$bytes" if "$bytes" in v else "$bytearray"
    try:
        if len(v) != 1:
            raise ValueError
        data = v[k].encode("latin-1")
    except (AttributeError, UnicodeEncodeError, ValueError):
        raise ScenarioError("%s: expected {\"%s\": <text of code points 0-255>}" % (json.dumps(v), k))
    return data if k == "$bytes" else bytearray(data)


def _decode_slice(v):
    """{"$slice": [start, stop]} or [start, stop, step] -> slice(start, stop, step); ints or None."""
    parts = v.get("$slice") if len(v) == 1 else None
    if not isinstance(parts, list) or not 2 <= len(parts) <= 3 or not all(
            p is None or (isinstance(p, int) and not isinstance(p, bool)) for p in parts):
        raise ScenarioError("%s is not a $slice value: expected {\"$slice\": [start, stop]} or [start, stop, step], ints or null" % json.dumps(v))
    return slice(*parts)


# "$key" -> decoder of a JSON object {"$key": ...} that stands for a Python object.
VALUE_CONVENTIONS = {"$callable": _decode_callable, "$bytes": _decode_text_bytes, "$bytearray": _decode_text_bytes,
                     "$slice": _decode_slice}


def decode_value(v):
    """A JSON value from the runner as the Python value to pass: conventions decoded, recursively."""
    if isinstance(v, list):
        return [decode_value(x) for x in v]
    if isinstance(v, dict):
        special = [k for k in v if k.startswith("$")]
        if special:
            decoder = VALUE_CONVENTIONS.get(special[0]) if len(special) == 1 else None
            if decoder is None:
                raise ScenarioError("%s: unknown value convention %s (known: %s)" % (
                    json.dumps(v), ", ".join(special), ", ".join(sorted(VALUE_CONVENTIONS))))
            return decoder(v)
        return {k: decode_value(x) for k, x in v.items()}
    return v


# --- messages between the supervisor and an actor ------------------------------------
# supervisor -> actor: ("job", job_id, seq, blob, calls, barrier) | None (exit)
# actor -> supervisor: ("ready", job_id) ("start", job_id, i, t_pre)
#                      ("ev", job_id, i, invoke, response, outcome) ("done", job_id, aborted)
#                      ("fail", job_id, text)

GO = b"G"
ABORT = b"A"


def _process_actor(cmd, events, go, preset_objects, first_job, inherited_fds):
    """Body of an actor process (module-level so that spawn can import it).
    preset_objects: the scenario's objects when the process was started for it;
    first_job: the job to run at once (a fresh actor's, sparing a message);
    inherited_fds: the supervisor's ends of actor pipes, inherited through fork: closed at once,
    or this actor would hold its own command pipe open and never see it end."""
    _in_actor_process()
    for fd in inherited_fds:
        try:
            os.close(fd)
        except OSError:
            pass
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except Exception:
        pass
    go_fd = go.fileno()
    seq = None
    objects = preset_objects
    msg = first_job
    while True:
        if msg is None:
            try:
                msg = cmd.recv()
            except (EOFError, OSError):
                return
            if msg is None:
                return
        _, job_id, job_seq, blob, calls, barrier = msg
        try:
            if blob is not None and job_seq != seq:
                objects = None
                objects = _loads(blob)
                seq = job_seq
        except BaseException:
            events.send(("fail", job_id, "could not receive the scenario's objects:\n" + traceback.format_exc()))
            msg = None
            continue
        if barrier:
            events.send(("ready", job_id))
            b = os.read(go_fd, 1)
            if b != GO:
                events.send(("done", job_id, True))
                msg = None
                continue
        for i, call in enumerate(calls):
            events.send(("start", job_id, i, time.monotonic_ns()))
            t0, t1, outcome = make_call(objects, call)
            events.send(("ev", job_id, i, t0, t1, outcome))
        events.send(("done", job_id, False))
        msg = None


def _loads(blob):
    import pickle
    return pickle.loads(blob)


class _PoolSpawningPopen(object):
    """Stands in for the spawning Popen while a scenario's objects are pickled for a
    pooled worker: assert_spawning() passes, and file descriptors go through the
    module's resource_sharer (as for a Connection sent over a Connection)."""

    def __init__(self, resource_sharer):
        self._rs = resource_sharer

    def duplicate_for_child(self, fd):
        return fd

    def DupFd(self, fd):
        return self._rs.DupFd(fd)


# --- actor handles ------------------------------------------------------------------

class ProcessActor(object):
    """An actor process. Pooled ones start at once; fresh ones (preset objects) when sent their first job,
    which travels in the Process arguments."""

    def __init__(self, ctx, go_reader, preset_objects, role, parent_fds=None):
        self.role = role
        self.ctx = ctx
        # With fork: the supervisor's ends of every live actor's pipes (shared list), for the child to close.
        self.parent_fds = parent_fds
        self.go_reader = go_reader
        self.preset = preset_objects
        self.cmd_r, self.cmd = ctx.Pipe(duplex=False)
        self.events, self.ev_w = ctx.Pipe(duplex=False)
        self.proc = None
        self.alive = True
        self.busy = False
        self.since = 0.0
        if preset_objects is None:
            self._start(None)

    def _start(self, first_job):
        mine = [self.cmd.fileno(), self.events.fileno()]
        inherited = [] if self.parent_fds is None else self.parent_fds + mine
        self.proc = self.ctx.Process(target=_process_actor,
                                     args=(self.cmd_r, self.ev_w, self.go_reader, self.preset, first_job, inherited),
                                     name="mpspec-actor-%s" % self.role, daemon=True)
        self.proc.start()
        # The child has its copies; ours would keep the pipes open after it died.
        self.cmd_r.close()
        self.ev_w.close()
        self.preset = None
        if self.parent_fds is not None:
            self.parent_fds.extend(mine)

    def _forget_fds(self):
        if self.parent_fds is not None:
            for c in (self.cmd, self.events):
                try:
                    self.parent_fds.remove(c.fileno())
                except (ValueError, OSError):
                    pass

    def send(self, msg):
        if self.proc is None:
            self._start(msg)
        else:
            self.cmd.send(msg)

    def kill(self):
        if self.alive and self.proc is not None:
            # SIGKILL by pid: not every multiprocessing look-alike has Process.kill()
            # (billiard has only terminate(), which a process blocked in C may not heed).
            try:
                os.kill(self.proc.pid, signal.SIGKILL)
            except Exception:
                pass
            self.proc.join(5)
        self.alive = False

    def release(self):
        """No more jobs: it exits once it reads EOF on its command pipe."""
        self._close_pipes()
        if self.proc is None:
            for c in (self.cmd_r, self.ev_w):
                c.close()
        self.since = time.monotonic()

    def reaped(self, grace):
        """True once the process has exited (killed if it lingers past `grace` seconds after release)."""
        if self.proc is None or self.proc.exitcode is not None:
            self.alive = False
            return True
        if time.monotonic() - self.since > grace:
            self.kill()
            return True
        return False

    def shutdown(self, timeout):
        """Ask to exit; kill after `timeout` seconds."""
        try:
            self.cmd.send(None)
        except Exception:
            pass
        if self.proc is not None:
            self.proc.join(timeout)
            if self.proc.exitcode is None:
                self.kill()
        self.alive = False
        self._close_pipes()

    def _close_pipes(self):
        self._forget_fds()
        for c in (self.cmd, self.events):
            try:
                c.close()
            except Exception:
                pass

    def exitcode(self):
        return self.proc.exitcode


class ThreadActor(object):
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
                post((self, ("start", job_id, i, time.monotonic_ns())))
                t0, t1, outcome = make_call(objects, call)
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


# --- one scenario ---------------------------------------------------------------------

class ScenarioError(Exception):
    pass


class Job(object):
    def __init__(self, job_id, actor, worker, calls, echo, barrier):
        self.id = job_id
        self.actor = actor
        self.worker = worker
        self.calls = calls
        self.echo = echo  # the scenario's calls (object id, op, named args), for the events
        self.barrier = barrier
        self.ready = False
        self.done = False
        self.aborted = False
        self.started = None  # (index, t_pre) of the call most recently started
        self.events = {}  # index -> (invoke, response, outcome)
        self.pending = None  # (index, t_pre) of the call in progress when its worker was killed


class Engine(object):
    """Runs scenarios on some kind of actors. Subclasses provide the actors and the waiting."""

    def __init__(self, adapter):
        self.a = adapter
        self.job_seq = 0
        self.scenario_seq = 0

    # To override
    def prepare(self, objects, n_actors, need_main):
        """Returns (main worker or None, [actor workers]) ready to take jobs."""
        raise NotImplementedError

    def job_message(self, job, worker, objects):
        raise NotImplementedError

    def wait(self, workers, timeout):
        """Messages [(worker, msg)] that arrived; a dead worker yields (worker, ("died", exitcode))."""
        raise NotImplementedError

    def release(self, n):
        raise NotImplementedError

    def abort_waiting(self, n):
        raise NotImplementedError

    def after_kill(self):
        """Stuck workers were just killed; none is reading the start pipe."""

    def finish(self, workers, failed):
        """After the reply: clean up this scenario's workers."""

    def close(self):
        pass

    # The algorithm
    def run(self, objects, prog, scenario, deadline):
        self.scenario_seq += 1
        n = len(prog["parallel"])
        init_calls, post_calls = prog["init"], prog["post"]
        need_main = bool(init_calls or post_calls)
        main, actors = self.prepare(objects, n, need_main)
        self.current = [w for w in [main] + actors if w is not None]
        jobs = []

        def new_job(worker, actor, calls, echo, barrier):
            self.job_seq += 1
            job = Job(self.job_seq, actor, worker, calls, echo, barrier)
            jobs.append(job)
            worker.busy = True
            worker.send(self.job_message(job, worker, objects))
            return job

        by_id = {}
        released = [False]

        def pump(until):
            while not until():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                live = [j.worker for j in jobs if not j.done]
                for worker, msg in self.wait(live, left):
                    self._handle(by_id, worker, msg)
            return True

        # On an exception the reply says what went wrong; finish(failed=True) then kills every busy worker.
        init_job = None
        if init_calls:
            init_job = new_job(main, MAIN_ACTOR, init_calls, scenario["init"], False)
            by_id[init_job.id] = init_job
        actor_jobs = []
        for i, calls in enumerate(prog["parallel"]):
            if not calls:
                continue
            j = new_job(actors[i], "a%d" % i, calls, scenario["parallel"][i], True)
            by_id[j.id] = j
            actor_jobs.append(j)
        ok = pump(lambda: (init_job is None or init_job.done) and all(j.ready for j in actor_jobs))
        if ok:
            self.release(len(actor_jobs))
            released[0] = True
            ok = pump(lambda: all(j.done for j in actor_jobs))
        if ok and post_calls:
            pj = new_job(main, MAIN_ACTOR, post_calls, scenario["post"], False)
            by_id[pj.id] = pj
            ok = pump(lambda: pj.done)
        if not ok:
            self._abandon(jobs, released[0], by_id)
        return self._assemble(jobs, n)

    def _handle(self, by_id, worker, msg):
        kind = msg[0]
        if kind == "died":
            job = next((j for j in by_id.values() if j.worker is worker and not j.done), None)
            worker.alive = False
            what = "while idle"
            if job is not None:
                if job.started is not None and job.started[0] not in job.events:
                    c = job.echo[job.started[0]]
                    what = "during its call %d (%s.%s)" % (job.started[0], c["object"], c["op"])
                else:
                    what = "before its first call" if not job.events else "between calls"
            raise ScenarioError("actor %s's process died (exit code %s) %s" % (
                job.actor if job else worker.role, msg[1], what))
        job = by_id.get(msg[1])
        if job is None:
            return  # stale: an earlier scenario's aborted job
        if kind == "ready":
            job.ready = True
        elif kind == "start":
            job.started = (msg[2], msg[3])
        elif kind == "ev":
            job.events[msg[2]] = (msg[3], msg[4], msg[5])
        elif kind == "done":
            job.done = True
            job.aborted = msg[2]
            worker.busy = False
            if not msg[2] and len(job.events) != len(job.calls):
                raise ScenarioError("actor %s reported %d events for %d calls" % (job.actor, len(job.events), len(job.calls)))
        elif kind == "fail":
            job.done = True
            raise ScenarioError("actor %s: %s" % (job.actor, msg[2]))

    def _abandon(self, jobs, released, by_id):
        """The deadline passed: kill every worker with a call in progress; keep those waiting to start."""
        unfinished = [j for j in jobs if not j.done]
        waiting = [j for j in unfinished if j.barrier and j.ready and not released]
        stuck = [j for j in unfinished if j not in waiting]
        for j in stuck:
            j.worker.kill()
        # Read what the killed workers wrote before they died.
        for worker, msg in self.wait([j.worker for j in stuck], 0, drain_dead=True):
            if msg[0] != "died":
                try:
                    self._handle(by_id, worker, msg)
                except ScenarioError:
                    pass
        self.after_kill()
        if waiting:
            self.abort_waiting(len(waiting))
        for j in unfinished:
            j.done = True
            j.worker.busy = False
            if j in stuck and j.started is not None and j.started[0] not in j.events:
                j.pending = j.started

    def _assemble(self, jobs, n):
        order = [MAIN_ACTOR] + ["a%d" % i for i in range(n)]
        per = {a: [] for a in order}
        origin = self.a.origin
        for j in jobs:
            out = per[j.actor]
            k = 0
            while k in j.events:
                inv, resp, outcome = j.events[k]
                c = j.echo[k]
                out.append({"actor": j.actor, "object": c["object"], "op": c["op"], "args": c["args"],
                            "invoke": inv - origin, "response": resp - origin, "outcome": outcome})
                k += 1
            pending = j.pending
            if pending is not None and pending[0] == k and k < len(j.calls):
                c = j.echo[k]
                out.append({"actor": j.actor, "object": c["object"], "op": c["op"], "args": c["args"],
                            "invoke": max(0, pending[1] - origin), "response": None, "outcome": {"kind": "pending"}})
        return [e for a in order for e in per[a]]


class ThreadEngine(Engine):
    kind = "threads"

    def __init__(self, adapter):
        import queue
        Engine.__init__(self, adapter)
        self.sink = queue.Queue()
        self.main = None
        self.actors = []
        self.barrier = None
        self.cancel = None

    def prepare(self, objects, n, need_main):
        if self.main is None or not self.main.alive:
            self.main = ThreadActor(MAIN_ACTOR, self.sink)
        while len(self.actors) < n:
            self.actors.append(None)
        for i in range(n):
            if self.actors[i] is None or not self.actors[i].alive:
                self.actors[i] = ThreadActor("a%d" % i, self.sink)
        self.barrier = {"go": threading.Event(), "abort": False}
        self.cancel = threading.Event()
        return self.main, self.actors[:n]

    def job_message(self, job, worker, objects):
        return (job.id, objects, job.calls, self.barrier if job.barrier else None, self.cancel)

    def wait(self, workers, timeout, drain_dead=False):
        import queue
        out = []
        try:
            if timeout > 0:
                out.append(self.sink.get(timeout=timeout))
            while True:
                out.append(self.sink.get_nowait())
        except queue.Empty:
            pass
        return out

    def release(self, n):
        self.barrier["go"].set()

    def abort_waiting(self, n):
        self.barrier["abort"] = True
        self.barrier["go"].set()

    def finish(self, workers, failed):
        # Abandoned threads stop before their next call.
        if self.cancel is not None:
            self.cancel.set()
        if failed:
            for w in workers:
                if w.busy:
                    w.kill()
                    w.busy = False

    def close(self):
        if self.cancel is not None:
            self.cancel.set()
        for w in [self.main] + self.actors:
            if w is not None:
                w.shutdown(0)


class ProcessEngine(Engine):
    """Actor processes: fresh per scenario (pool=False) or pooled across scenarios."""
    kind = "processes"

    def __init__(self, adapter, pool):
        Engine.__init__(self, adapter)
        self.ctx = adapter.ctx
        self.pool = pool
        self.main = None
        self.actors = []
        self.go_r = None
        self.go_w = None
        self.fresh = []
        self.reaping = []
        # Supervisor-side pipe ends that forked actors inherit and must close (fork start method only).
        self.parent_fds = [] if adapter.start_method == "fork" else None
        if pool:
            self.go_r, self.go_w = self.ctx.Pipe(duplex=False)
            self.ctxmod = importlib.import_module(adapter.module.__name__ + ".context")
            self.reduction = importlib.import_module(adapter.module.__name__ + ".reduction")
            self.popen = _PoolSpawningPopen(importlib.import_module(adapter.module.__name__ + ".resource_sharer"))

    def warm(self, n):
        if self.pool:
            self.prepare(None, n, True)

    def prepare(self, objects, n, need_main):
        if self.pool:
            if need_main and not self._usable(self.main):
                self.main = ProcessActor(self.ctx, self.go_r, None, MAIN_ACTOR)
            while len(self.actors) < n:
                self.actors.append(None)
            for i in range(n):
                if not self._usable(self.actors[i]):
                    self.actors[i] = ProcessActor(self.ctx, self.go_r, None, "a%d" % i)
            return (self.main if need_main else None), self.actors[:n]
        # Fresh actors, with the objects as Process arguments (inherited with fork).
        self.go_r, self.go_w = self.ctx.Pipe(duplex=False)
        main = ProcessActor(self.ctx, self.go_r, objects, MAIN_ACTOR, self.parent_fds) if need_main else None
        actors = [ProcessActor(self.ctx, self.go_r, objects, "a%d" % i, self.parent_fds) for i in range(n)]
        self.fresh = [w for w in [main] + actors if w is not None]
        return main, actors

    @staticmethod
    def _usable(w):
        if w is None or not w.alive:
            return False
        if w.proc is None or w.proc.exitcode is not None:  # died while idle
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
        return ("job", job.id, self.scenario_seq, blob, job.calls, job.barrier)

    def wait(self, workers, timeout, drain_dead=False):
        from multiprocessing.connection import wait as mp_wait
        out = []
        conns = {}
        sentinels = {}
        for w in workers:
            conns[w.events] = w
            if not drain_dead:
                sentinels[w.proc.sentinel] = w
        if not conns:
            if timeout > 0:
                time.sleep(min(timeout, 0.05))
            return out
        ready = mp_wait(list(conns) + list(sentinels), timeout)
        died = []
        for r in ready:
            if r in sentinels:
                died.append(sentinels[r])
                continue
            w = conns[r]
            try:
                while r.poll():
                    out.append((w, r.recv()))
            except (EOFError, OSError):
                if not drain_dead and w not in died:
                    died.append(w)
        for w in died:
            # Whatever it wrote before dying comes first.
            try:
                while w.events.poll():
                    out.append((w, w.events.recv()))
            except (EOFError, OSError):
                pass
            w.proc.join(1)
            out.append((w, ("died", w.proc.exitcode)))
        return out

    def release(self, n):
        if n:
            os.write(self.go_w.fileno(), GO * n)

    def abort_waiting(self, n):
        if n:
            os.write(self.go_w.fileno(), ABORT * n)

    def after_kill(self):
        if self.pool:
            self._drain_go()

    def _drain_go(self):
        """Remove start bytes a killed worker never read, so that no later barrier opens early.
        Only called when no live worker is reading the start pipe."""
        import select
        fd = self.go_r.fileno()
        while select.select([fd], [], [], 0)[0]:
            os.read(fd, 1)

    @staticmethod
    def _shutdown_all(ws, timeout):
        for w in ws:
            try:
                w.cmd.send(None)
            except Exception:
                pass
        for w in ws:
            w.shutdown(timeout)

    def finish(self, workers, failed):
        if not self.pool:
            for w in self.fresh:
                if failed and w.busy:
                    w.kill()
                w.release()
            # Reaped lazily: they exit while the runner checks the history.
            self.reaping = [w for w in self.reaping + self.fresh if not w.reaped(2.0)]
            self.fresh = []
            for c in (self.go_r, self.go_w):
                if c is not None:
                    c.close()
            self.go_r = self.go_w = None
            return
        if failed:
            for w in workers:
                if w.busy:
                    w.kill()
            self._drain_go()

    def close(self):
        ws = [w for w in [self.main] + self.actors + self.fresh if w is not None and w.alive]
        self._shutdown_all(ws, 1.0)
        deadline = time.monotonic() + 1.0
        for w in self.reaping:
            if w.proc is not None:
                w.proc.join(max(0, deadline - time.monotonic()))
            w.kill()
        self.main, self.actors, self.fresh, self.reaping = None, [], [], []


# --- the adapter ----------------------------------------------------------------------

class Adapter(object):
    def __init__(self, opts):
        self.opts = opts
        self.module = importlib.import_module(opts.module)
        self.start_method = None
        if opts.start_method:
            self.ctx = self.module.get_context(opts.start_method)
            self.start_method = opts.start_method
        else:
            self.ctx = self.module
            try:
                self.start_method = self.module.get_start_method()
            except Exception:
                self.start_method = None
        self.actors = opts.actors or ("threads" if opts.profile == "threading" else "processes")
        if opts.profile == "threading" and self.actors != "threads":
            raise SystemExit("mpspec_adapter: --profile threading needs --actors threads")
        if opts.profile:
            self.profiles = [opts.profile]
        else:
            self.profiles = ["multiprocessing", "threading"] if self.actors == "threads" else ["multiprocessing"]
        self.callables = {}
        # {"$new": callable, "argv": [...]}: an object constructed here (constructor arguments only).
        VALUE_CONVENTIONS["$new"] = self._decode_new
        self.origin = 0
        if self.actors == "threads":
            self.engine = ThreadEngine(self)
            self.pooling = "threads pooled"
        else:
            can_pool = (self.start_method not in (None, "fork") and not opts.no_pool
                        and self._has_internals())
            self.engine = ProcessEngine(self, can_pool)
            self.pooling = "processes pooled" if can_pool else "processes started per scenario"

    def _has_internals(self):
        name = self.module.__name__
        try:
            c = importlib.import_module(name + ".context")
            importlib.import_module(name + ".reduction").ForkingPickler
            importlib.import_module(name + ".resource_sharer").DupFd
            return callable(c.set_spawning_popen) and callable(c.get_spawning_popen)
        except Exception:
            return False

    def _resolvable(self, name):
        try:
            return callable(self.resolve(name))
        except Exception:
            return False

    def ready(self, offered=None):
        """The ready message; offered: the start message's primitives (name -> profile -> callable), if any."""
        mod = self.module
        version = getattr(mod, "__version__", None)
        stdlib = mod.__name__ == "multiprocessing"
        if not isinstance(version, str) and not stdlib:
            try:
                import importlib.metadata as md  # Python >= 3.8
                version = md.version(mod.__name__.split(".")[0])
            except Exception:
                version = None
        if not isinstance(version, str):
            version = platform.python_version() if stdlib else "unknown"
        impl = {
            "name": mod.__name__,
            "version": version,
            "language": "Python",
            "runtime": platform.python_implementation(),
            "runtime_version": platform.python_version(),
            "configuration": {"actors": self.actors, "pooling": self.pooling,
                              "adapter": "mpspec_adapter.py %s" % ADAPTER_VERSION},
        }
        if self.actors == "processes" and self.start_method:
            impl["configuration"]["start_method"] = self.start_method
        if stdlib:
            impl["homepage"] = "https://docs.python.org/3/library/multiprocessing.html"
        prims = set()
        if offered is not None:
            # The runner's spec primitives (start message): those whose callable resolves here,
            # in a profile this adapter serves.
            for name, by_profile in offered.items():
                for profile, callable_name in (by_profile or {}).items():
                    if profile in self.profiles and self._resolvable(callable_name):
                        prims.add(name)
        else:
            if "multiprocessing" in self.profiles:
                prims.update(p for p in MP_PRIMITIVES if hasattr(self.ctx, p))
            if "threading" in self.profiles:
                prims.update(THREADING_PRIMITIVES)
        return {
            "ready": True,
            "version": PROTOCOL_VERSION,
            "implementation": impl,
            "capabilities": {
                "primitives": sorted(prims),
                "profiles": list(self.profiles),
                "actor_kinds": [self.actors],
                "start_methods": [self.start_method] if (self.actors == "processes" and self.start_method) else [],
            },
        }

    def warm(self):
        if isinstance(self.engine, ProcessEngine) and self.engine.pool and self.opts.warm > 0:
            self.engine.warm(self.opts.warm)

    def _decode_new(self, v):
        """{"$new": "threading.RLock", "argv": [...]}: construct that callable's object (spec/protocol/README.md)."""
        if not isinstance(v.get("$new"), str) or not set(v) <= {"$new", "argv"} or not isinstance(v.get("argv", []), list):
            raise ScenarioError('%s is not a $new value: expected {"$new": "<module.callable>", "argv": [...]}' % json.dumps(v))
        f = self.resolve(v["$new"])
        argv = decode_value(v.get("argv", []))
        try:
            return f(*argv)
        except BaseException as e:
            raise ScenarioError("constructing %s failed: %s: %s" % (json.dumps(v), qualified_name(type(e)), e))

    def resolve(self, name):
        f = self.callables.get(name)
        if f is not None:
            return f
        mod, _, attr = name.rpartition(".")
        if not mod:
            raise ScenarioError("callable %r is not qualified (module.name)" % name)
        if mod == "multiprocessing":
            holder = self.ctx
        elif mod.startswith("multiprocessing."):
            holder = importlib.import_module(self.module.__name__ + mod[len("multiprocessing"):])
        else:
            holder = importlib.import_module(mod)
        try:
            f = getattr(holder, attr)
        except AttributeError:
            raise ScenarioError("%s has no %s (for callable %s)" % (getattr(holder, "__name__", mod), attr, name))
        self.callables[name] = f
        return f

    def run(self, msg):
        rid = msg.get("id")
        try:
            scenario = msg["scenario"]
            calls = msg["calls"]
            deadline_ms = msg["deadline_ms"]
        except (KeyError, TypeError) as e:
            return {"id": rid, "error": "malformed run command: missing %s" % e}, None
        t_start = time.monotonic()
        # Leave a little of the deadline for killing stuck actors and replying.
        margin = min(0.05, deadline_ms / 10000.0)
        deadline = t_start + deadline_ms / 1000.0 - margin
        profile = scenario.get("profile")
        if profile not in self.profiles:
            return {"id": rid, "error": "profile %r is not supported by this adapter (%s)" % (
                profile, ", ".join(self.profiles))}, None
        self.origin = time.monotonic_ns()
        objects = []
        try:
            for k, o in enumerate(calls["objects"]):
                decl = scenario["objects"][k]
                f = self.resolve(o["callable"])
                argv = decode_value(o["argv"])
                try:
                    objects.append(f(*argv))
                except BaseException as e:
                    raise ScenarioError("creating %s = %s(%s) failed: %s: %s" % (
                        decl["id"], o["callable"], ", ".join(json.dumps(a) for a in o["argv"]),
                        qualified_name(type(e)), e))
            prog = {
                "init": [self._call(c) for c in calls["init"]],
                "parallel": [[self._call(c) for c in a] for a in calls["parallel"]],
                "post": [self._call(c) for c in calls["post"]],
            }
            events = [self._as_multiprocessing(e) for e in self.engine.run(objects, prog, scenario, deadline)]
        except ScenarioError as e:
            return {"id": rid, "error": str(e)}, None
        except Exception:
            return {"id": rid, "error": "adapter failure:\n" + traceback.format_exc()}, None
        return {"id": rid, "history": {"events": events}}, objects

    def _as_multiprocessing(self, event):
        """With --module X standing in for multiprocessing, an exception class X exports at top
        level (billiard.BufferTooShort) is reported as multiprocessing's (multiprocessing.BufferTooShort),
        as are such bases in its mro: the spec names the multiprocessing API."""
        top = self.module.__name__.split(".")[0]
        out = event.get("outcome") or {}
        if top == "multiprocessing" or out.get("kind") != "raised":
            return event

        def public(name):
            mod, _, attr = name.rpartition(".")
            if mod == top and attr and isinstance(getattr(self.module, attr, None), type):
                return "multiprocessing." + attr
            return name

        out = dict(out, type=public(out["type"]), mro=[public(n) for n in out.get("mro", [])])
        return dict(event, outcome=out)

    @staticmethod
    def _call(c):
        return (c["object"], c.get("method"), decode_value(c["argv"]), c.get("form", "call"), c.get("target"),
                c.get("with_lock"), (decode_value(c["key"]),) if "key" in c else None, c.get("via"), c.get("out_args"))

    def after_reply(self, failed):
        self.engine.finish(getattr(self.engine, "current", []), failed)

    def close(self):
        self.engine.close()


def main(argv=None):
    p = argparse.ArgumentParser(description="mpspec JSON-lines adapter for multiprocessing-style Python modules")
    p.add_argument("--module", default="multiprocessing", help="module exposing the multiprocessing API")
    p.add_argument("--start-method", choices=["fork", "spawn", "forkserver"], default=None)
    p.add_argument("--actors", choices=["processes", "threads"], default=None)
    p.add_argument("--profile", choices=["multiprocessing", "threading"], default=None)
    p.add_argument("--no-pool", action="store_true", help="start actor processes per scenario even where they could be pooled")
    p.add_argument("--warm", type=int, default=3, help="pooled actor processes to start at the handshake (default 3)")
    opts = p.parse_args(argv)

    _setup_stdio()

    def on_term(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, on_term)
    adapter = Adapter(opts)
    stdin = sys.stdin.buffer
    try:
        while True:
            line = stdin.readline()
            if not line:
                break  # the runner went away
            line = line.strip()
            if not line:
                continue
            try:
                msg = json.loads(line.decode("utf-8"))
            except ValueError:
                log("ignoring a line that is not JSON: %r" % line[:200])
                continue
            cmd = msg.get("cmd") if isinstance(msg, dict) else None
            if cmd == "start":
                if msg.get("version") != PROTOCOL_VERSION:
                    log("the runner speaks protocol version %r; this adapter speaks %d" % (msg.get("version"), PROTOCOL_VERSION))
                adapter.warm()
                offered = msg.get("primitives")
                send_message(adapter.ready(offered if isinstance(offered, dict) else None))
            elif cmd == "run":
                reply, objects = adapter.run(msg)
                send_message(reply)
                # Clean up after replying: the runner checks the history meanwhile.
                adapter.after_reply("error" in reply)
                del objects
            elif cmd == "stop":
                break
            else:
                log("ignoring unknown command %r" % (cmd,))
    finally:
        adapter.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
