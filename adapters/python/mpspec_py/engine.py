"""One scenario on some kind of actors: init on "main", the parallel part on a0, a1, ... released
together, post on "main"; the deadline; the history. Engine is the algorithm, ThreadEngine runs it
on threads of the adapter (processes.ProcessEngine on processes)."""

import json
import threading
import time

from .actors import ThreadActor
from .values import ScenarioError, actor_died_outcome

MAIN_ACTOR = "main"


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
        self.died_waiting = None  # its actor died before the parallel part was released (why)


class Engine(object):
    """Runs scenarios on some kind of actors. Subclasses provide the actors and the waiting."""

    def __init__(self, adapter):
        self.a = adapter
        self.job_seq = 0
        self.scenario_seq = 0
        self.current = []
        self.lost = False
        self.released = False
        # monotonic_ns of a SIGTERM that reached the adapter's own process while this engine ran
        # a scenario (None: none did); see signalled() and the end of run().
        self.signalled_at = None
        self.running = False

    def signalled(self, at_ns):
        """SIGTERM reached the adapter's process during a scenario. The runner never sends one
        then but to stop for good (it kills a stuck adapter with SIGKILL), so it came from the
        implementation: billiard's Pool, when one of its threads crashes, kills its own process
        so. A program using it would have ended there; the adapter lives on to report it, and
        run() ends the scenario with every call that had not returned by then raising
        mpspec.ActorDied, which no spec rule explains."""
        if self.signalled_at is None:
            self.signalled_at = at_ns

    # To override
    def prepare(self, objects, n_actors, need_main):
        """Returns (main worker or None, [actor workers]) ready to take jobs."""
        raise NotImplementedError

    def job_message(self, job, worker, objects):
        raise NotImplementedError

    def wait(self, workers, timeout, drain_dead=False):
        """Messages [(worker, msg)] that arrived; a dead worker yields (worker, ("died", exitcode))."""
        raise NotImplementedError

    def release(self, n):
        raise NotImplementedError

    def abort_waiting(self, n):
        raise NotImplementedError

    def after_kill(self):
        """Stuck workers were just killed; none is reading the start gate."""

    def finish(self, workers, failed):
        """After the reply: clean up this scenario's workers."""

    def close(self):
        pass

    # The algorithm
    def run(self, objects, prog, scenario, deadline):
        self.signalled_at = None
        self.running = True
        try:
            events = self._run(objects, prog, scenario, deadline)
        finally:
            self.running = False
        if self.signalled_at is not None:
            events = self._ended_by_signal(events)
        return events

    def _run(self, objects, prog, scenario, deadline):
        self.scenario_seq += 1
        self.lost = False  # calls that never started because their actor died
        self.released = False
        n = len(prog["parallel"])
        init_calls, post_calls = prog["init"], prog["post"]
        need_main = bool(init_calls or post_calls)
        main, actors = self.prepare(objects, n, need_main)
        self.current = [w for w in [main] + actors if w is not None]
        jobs = []
        by_id = {}

        def new_job(worker, actor, calls, echo, barrier):
            self.job_seq += 1
            job = Job(self.job_seq, actor, worker, calls, echo, barrier)
            jobs.append(job)
            by_id[job.id] = job
            worker.busy = True
            worker.send(self.job_message(job, worker, objects))
            return job

        def pump(until):
            while not until():
                left = deadline - time.monotonic()
                if left <= 0 or self.signalled_at is not None:
                    return False
                live = [j.worker for j in jobs if not j.done]
                # At most 0.1 s at a time: a SIGTERM's handler only sets signalled_at.
                for worker, msg in self.wait(live, min(left, 0.1)):
                    self._handle(by_id, worker, msg)
            return True

        # On an exception the reply says what went wrong; finish(failed=True) then kills every busy worker.
        init_job = None
        if init_calls:
            init_job = new_job(main, MAIN_ACTOR, init_calls, scenario["init"], False)
        actor_jobs = []
        for i, calls in enumerate(prog["parallel"]):
            if calls:
                actor_jobs.append(new_job(actors[i], "a%d" % i, calls, scenario["parallel"][i], True))
        ok = pump(lambda: (init_job is None or init_job.done) and all(j.ready or j.done for j in actor_jobs))
        if ok:
            self._release(actor_jobs)
            ok = pump(lambda: all(j.done for j in actor_jobs))
        if ok and post_calls:
            if main.alive:
                pj = new_job(main, MAIN_ACTOR, post_calls, scenario["post"], False)
                ok = pump(lambda: pj.done)
            else:
                self.lost = True
        if not ok:
            self._abandon(jobs, self.released, by_id)
            # Calls that never started (not the one in progress) leave the history cut.
            if self.signalled_at is not None and any(
                    k not in j.events and not (j.pending is not None and j.pending[0] == k)
                    for j in jobs for k in range(len(j.calls))):
                self.lost = True
        if self.lost and (ok or self.signalled_at is not None):
            # Calls of a dead actor never started: the history is cut, so it is answered at the deadline.
            left = deadline - time.monotonic()
            if left > 0:
                time.sleep(left)
        return self._assemble(jobs, n)

    def _ended_by_signal(self, events):
        """The history as the program's end at signalled_at leaves it: a call that had not returned
        by then (still running, or started later) raises mpspec.ActorDied there."""
        at = self.signalled_at - self.a.origin
        what = ("the adapter's process received SIGTERM %.1f ms into the scenario, before this call returned, "
                "from neither the runner nor the scenario (the implementation's own, e.g. a thread of it that "
                "crashed: see the adapter's stderr); a program using it would have ended there" % (at / 1e6))
        out = []
        for e in events:
            if e["response"] is None or e["response"] > at:
                e = dict(e, response=max(e["invoke"], at), outcome=actor_died_outcome(what))
            out.append(e)
        return out

    def _handle(self, by_id, worker, msg):
        kind = msg[0]
        if kind == "died":
            self._died(by_id, worker, msg[1])
            return
        job = by_id.get(msg[1])
        if job is None:
            return  # stale: an earlier scenario's aborted job
        if kind == "ready":
            job.ready = True
        elif kind == "start":
            job.started = (msg[2], msg[3])
        elif kind == "ev":
            outcome = msg[5]
            job.events[msg[2]] = (msg[3], msg[4], json.loads(outcome) if isinstance(outcome, str) else outcome)
        elif kind == "skip":
            job.events[msg[2]] = None  # on a handle never produced: not made, left out of the history
        elif kind == "done":
            job.done = True
            job.aborted = msg[2]
            worker.busy = False
            if not msg[2] and len(job.events) != len(job.calls):
                raise ScenarioError("actor %s reported %d events for %d calls" % (job.actor, len(job.events), len(job.calls)))
        elif kind == "fail":
            job.done = True
            raise ScenarioError("actor %s: %s" % (job.actor, msg[2]))

    def _died(self, by_id, worker, exitcode):
        """An actor process died, or its channel to us closed, with calls of its job left. The call
        it was in, or else the next one (it died after the previous call returned, or before its
        first: receiving the objects, waiting to start), is reported as raised mpspec.ActorDied,
        which no spec rule explains: the implementation killed its process. Its later calls never
        start (the history is cut)."""
        worker.alive = False
        worker.busy = False
        job = next((j for j in by_id.values() if j.worker is worker and not j.done), None)
        if job is None:
            return  # while idle: replaced before its next job
        job.done = True
        k = len(job.events)
        if k >= len(job.calls):
            return  # after its last call: nothing is lost
        c = job.echo[k]
        now = time.monotonic_ns()
        if job.started is not None and job.started[0] == k:
            t_pre = job.started[1]
            what = "the actor's process died during %s.%s (exit code %s), or closed its channel to the adapter" % (
                c["object"], c["op"], exitcode)
        else:
            t_pre = now
            what = "the actor's process died (exit code %s) %s, before %s.%s started" % (
                exitcode, "after its previous call returned" if k else
                "before its first call (receiving the scenario's objects, or waiting to start)", c["object"], c["op"])
        if k + 1 < len(job.calls):
            self.lost = True
        if job.barrier and not self.released:
            # Stamped when the others are released: no parallel call starts before init ends.
            job.died_waiting = what
            return
        job.events[k] = (t_pre, max(t_pre, now), actor_died_outcome(what))

    def _release(self, actor_jobs):
        self.release(len([j for j in actor_jobs if not j.done]))
        self.released = True
        t = time.monotonic_ns()
        for j in actor_jobs:
            if j.died_waiting is not None:
                j.events[0] = (t, t, actor_died_outcome(j.died_waiting))

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
                if j.events[k] is None:
                    k += 1
                    continue
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
    """Actors are pooled threads of the adapter. One still in a call at the deadline is abandoned."""
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
