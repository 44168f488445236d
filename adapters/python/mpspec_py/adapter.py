"""The adapter: one run message -> one scenario on the engine -> one history (or error) answer."""

import threading
import time
import traceback

from .engine import ThreadEngine
from .processes import ProcessEngine
from .resolve import Resolver
from .values import VALUE_CONVENTIONS, CallObjects, ScenarioError, ScenarioObjects, decode_value, raised_outcome


class Adapter(Resolver):
    def __init__(self, opts):
        Resolver.__init__(self, opts.module, opts.start_method, opts.actors, opts.profile)
        self.opts = opts
        # {"$new": callable, "argv": [...]}: an object constructed here (constructor arguments only).
        VALUE_CONVENTIONS["$new"] = self.decode_new
        self.origin = 0
        self.teardowns = []  # (object, method) of the scenario's objects, called once it is over
        # The engine of the --actors kind; a run whose calls say "actors": "threads" (objects that only
        # threads of their creating process may call: Process) gets a thread engine of its own.
        self.engines = {}
        if self.actors == "threads":
            self.engines["threads"] = ThreadEngine(self)
            self.pooling = "threads pooled"
        else:
            can_pool = self.start_method not in (None, "fork") and not opts.no_pool and self.has_internals()
            self.engines["processes"] = ProcessEngine(self, can_pool)
            self.pooling = "processes pooled" if can_pool else "processes started per scenario"
        self.engine = self.engines[self.actors]

    def ready(self, offered=None):
        return Resolver.ready(self, offered, self.pooling)

    def warm(self):
        if isinstance(self.engine, ProcessEngine) and self.opts.warm > 0:
            self.engine.warm(self.opts.warm)

    def run(self, msg):
        rid = msg.get("id")
        try:
            scenario = msg["scenario"]
            calls = msg["calls"]
            deadline_ms = msg["deadline_ms"]
        except (KeyError, TypeError) as e:
            return {"id": rid, "error": "malformed run command: missing %s" % e}, None
        t_start = time.monotonic()
        kind = calls.get("actors", self.actors) if isinstance(calls, dict) else self.actors
        if kind not in ("threads", "processes"):
            return {"id": rid, "error": "calls.actors must be \"threads\", got %r" % (kind,)}, None
        if kind not in self.engines:
            self.engines[kind] = ThreadEngine(self)
        self.engine = self.engines[kind]
        # Leave a little of the deadline for killing stuck actors and replying.
        margin = min(0.05, deadline_ms / 10000.0)
        deadline = t_start + deadline_ms / 1000.0 - margin
        profile = scenario.get("profile")
        if profile not in self.profiles:
            return {"id": rid, "error": "profile %r is not supported by this adapter (%s)" % (
                profile, ", ".join(self.profiles))}, None
        self.origin = time.monotonic_ns()
        objects = ScenarioObjects()
        self.teardowns = []
        constructions = []
        try:
            for k, o in enumerate(calls["objects"]):
                decl = scenario["objects"][k]
                f = self.resolve(o["callable"])
                try:
                    # Building a {"$new": ...} argument is part of the construction; {"$object": K}
                    # is objects[K], built before this one (objects holds exactly those).
                    kwargs = {n: decode_value(v, objects) for n, v in (o.get("kwargs") or {}).items()}
                    objects.append(f(*decode_value(o["argv"], objects), **kwargs))
                    if o.get("teardown"):
                        self.teardowns.append((objects[-1], o["teardown"]))
                except ScenarioError as e:
                    raise ScenarioError("object %s (calls.objects[%d]): %s" % (decl.get("id"), k, e))
                except BaseException as e:  # noqa: B902
                    # The constructor refused its arguments: the scenario stops here, with no call made.
                    constructions.append(self._as_multiprocessing({"object": decl["id"], "outcome": raised_outcome(e)}))
                    return {"id": rid, "history": {"events": [], "constructions": constructions}}, objects
                constructions.append({"object": decl["id"], "outcome": {"kind": "returned", "value": None}})
            n = len(calls["objects"])
            prog = {
                "init": [self._call(c, n, "calls.init[%d]" % i) for i, c in enumerate(calls["init"])],
                "parallel": [[self._call(c, n, "calls.parallel[%d][%d]" % (j, i)) for i, c in enumerate(a)]
                             for j, a in enumerate(calls["parallel"])],
                "post": [self._call(c, n, "calls.post[%d]" % i) for i, c in enumerate(calls["post"])],
            }
            events = [self._as_multiprocessing(e) for e in self.engine.run(objects, prog, scenario, deadline)]
        except ScenarioError as e:
            return {"id": rid, "error": str(e)}, None
        except Exception:
            return {"id": rid, "error": "adapter failure:\n" + traceback.format_exc()}, None
        return {"id": rid, "history": {"events": events}}, objects

    @staticmethod
    def _call(c, n_objects, where):
        """A run message's call as make_call takes it; n_objects: len(calls.objects), what a
        {"$object": K} of its argv may name; where: the call, for an error answer."""
        try:
            argv = decode_value(c["argv"], CallObjects(n_objects))
        except ScenarioError as e:
            raise ScenarioError("%s (object %s, %s): %s" % (where, c.get("object"), c.get("method"), e))
        return (c["object"], c.get("method"), argv, c.get("form", "call"), c.get("target"),
                c.get("with_lock"), (decode_value(c["key"]),) if "key" in c else None, c.get("via"), c.get("out_args"),
                c.get("pause"), c.get("produces"), c.get("handle"),
                {n: decode_value(v, CallObjects(n_objects)) for n, v in c["kwargs"].items()} if c.get("kwargs") else None)

    def after_reply(self, failed):
        self.engine.finish(self.engine.current, failed)
        self.teardown()
        self.end_children()

    def teardown(self):
        """The run message's teardowns (a Pool's terminate()), each in a thread given 1 s (CPython's
        takes ~20 ms): nothing an object started outlives its scenario, and an implementation that
        hangs there cannot hang us, nor make the next scenario late (end_children then kills the
        workers a hung teardown waits for, which ends it)."""
        pending, self.teardowns = self.teardowns, []
        for obj, method in pending:
            t = threading.Thread(target=_quietly, args=(getattr(obj, method, None),), daemon=True)
            t.start()
            t.join(1)

    def end_children(self):
        """Processes a scenario's objects started (a Process) end with it: none outlives its scenario."""
        try:
            children = self.module.active_children()
        except Exception:
            return
        for p in children:
            try:
                p.kill()
                p.join(5)
            except Exception:
                pass

    def close(self):
        for engine in self.engines.values():
            engine.close()
        self.end_children()


def _quietly(f):
    try:
        if f is not None:
            f()
    except BaseException:  # noqa: B902 - a teardown's failure is not the scenario's
        pass
