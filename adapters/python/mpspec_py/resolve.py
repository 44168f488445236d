"""Primitive resolution: the implementation under test (--module, its context for the start
method), the spec's callables ("multiprocessing.Lock", "threading.Lock", "queue.Queue") as Python
callables, the capabilities offered to the runner (the start message's primitives whose callable
resolves here: the one source), and exception names reported under multiprocessing's."""

import functools
import importlib
import json
import platform

from .values import CallObjects, ScenarioError, decode_value, qualified_name

PROTOCOL_VERSION = 1
ADAPTER_VERSION = "0.2.0"


class Resolver(object):
    def __init__(self, module_name, start_method, actors, profile):
        self.module = importlib.import_module(module_name)
        self.start_method = None
        if start_method:
            self.ctx = self.module.get_context(start_method)
            self.start_method = start_method
        else:
            self.ctx = self.module
            try:
                self.start_method = self.module.get_start_method()
            except Exception:
                self.start_method = None
        self.actors = actors or ("threads" if profile == "threading" else "processes")
        if profile == "threading" and self.actors != "threads":
            raise SystemExit("mpspec_adapter: --profile threading needs --actors threads")
        if profile:
            self.profiles = [profile]
        else:
            self.profiles = ["multiprocessing", "threading"] if self.actors == "threads" else ["multiprocessing"]
        self.callables = {}

    def has_internals(self):
        """What pooling actor processes needs: context.set_spawning_popen, reduction.ForkingPickler, resource_sharer.DupFd."""
        name = self.module.__name__
        try:
            c = importlib.import_module(name + ".context")
            importlib.import_module(name + ".reduction").ForkingPickler
            importlib.import_module(name + ".resource_sharer").DupFd
            return callable(c.set_spawning_popen) and callable(c.get_spawning_popen)
        except Exception:
            return False

    def resolve(self, name):
        f = self.callables.get(name)
        if f is not None:
            return f
        mod, _, attr = name.rpartition(".")
        if not mod:
            raise ScenarioError("callable %r is not qualified (module.name)" % name)
        if mod == "concurrent.futures":
            # The executor runs on the standard library's multiprocessing: it is not the module
            # under test's (billiard's, ...), so only the stdlib offers it, and it gets the start
            # method's context (ProcessPoolExecutor's own default is the platform's).
            if self.module.__name__ != "multiprocessing":
                raise ScenarioError("%s is built on the standard library's multiprocessing, not on %s" % (name, self.module.__name__))
            f = getattr(importlib.import_module(mod), attr)
            if attr == "ProcessPoolExecutor" and self.start_method:
                f = functools.partial(f, mp_context=self.ctx)
            self.callables[name] = f
            return f
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

    def _resolvable(self, name):
        try:
            return callable(self.resolve(name))
        except Exception:
            return False

    def decode_new(self, v, objects=None):
        """{"$new": "threading.RLock", "argv": [...]}: construct that callable's object (constructor
        arguments only; objects: the scenario's objects built so far, for {"$object": K} in argv)."""
        if not isinstance(v.get("$new"), str) or not set(v) <= {"$new", "argv"} or not isinstance(v.get("argv", []), list):
            raise ScenarioError('%s is not a $new value: expected {"$new": "<module.callable>", "argv": [...]}' % json.dumps(v))
        f = self.resolve(v["$new"])
        # In a call's argv (the runner refuses $new there), $object is refused as in other non-constructor places.
        argv = decode_value(v.get("argv", []), None if isinstance(objects, CallObjects) else objects)
        try:
            return f(*argv)
        except BaseException as e:  # noqa: B902
            raise ScenarioError("constructing %s failed: %s: %s" % (json.dumps(v), qualified_name(type(e)), e))

    def ready(self, offered, pooling):
        """The ready message. offered: the start message's primitives (name -> profile -> callable);
        the capabilities are those whose callable resolves here, in a profile this adapter serves."""
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
            "configuration": {"actors": self.actors, "pooling": pooling,
                              "adapter": "mpspec_adapter.py %s" % ADAPTER_VERSION},
        }
        processes = self.actors == "processes" and self.start_method
        # The start method of the processes its objects make (a Process, a Pool's workers), with
        # thread actors too: the spec's rules read it (CEL startMethod: must a target pickle?).
        if self.start_method and "multiprocessing" in self.profiles:
            impl["configuration"]["start_method"] = self.start_method
        if stdlib:
            impl["homepage"] = "https://docs.python.org/3/library/multiprocessing.html"
        prims = set()
        for name, by_profile in (offered or {}).items():
            for profile, callable_name in (by_profile or {}).items():
                if profile in self.profiles and isinstance(callable_name, str) and self._resolvable(callable_name):
                    prims.add(name)
        return {
            "ready": True,
            "version": PROTOCOL_VERSION,
            "implementation": impl,
            "capabilities": {
                "primitives": sorted(prims),
                "profiles": list(self.profiles),
                # Thread actors are always possible (calls.actors "threads" for a Process scenario).
                "actor_kinds": [self.actors] if self.actors == "threads" else [self.actors, "threads"],
                "start_methods": [self.start_method] if processes else [],
            },
        }

    def _as_multiprocessing(self, event):
        """With --module X standing in for multiprocessing, an exception class X exports at top
        level (billiard.BufferTooShort) is reported as multiprocessing's (multiprocessing.BufferTooShort),
        one of its submodules' under the same submodule of multiprocessing (X.pool.MaybeEncodingError),
        as are such bases in its mro: the spec names the multiprocessing API."""
        top = self.module.__name__.split(".")[0]
        out = event.get("outcome") or {}
        if top == "multiprocessing" or out.get("kind") != "raised":
            return event

        def public(name):
            mod, _, attr = name.rpartition(".")
            if mod == top and attr and isinstance(getattr(self.module, attr, None), type):
                return "multiprocessing." + attr
            # A class of one of its submodules: multiprocess.pool.MaybeEncodingError is the API's
            # multiprocessing.pool.MaybeEncodingError.
            if mod.startswith(top + ".") and attr:
                return "multiprocessing" + name[len(top):]
            return name

        out = dict(out, type=public(out["type"]), mro=[public(n) for n in out.get("mro", [])])
        return dict(event, outcome=out)
