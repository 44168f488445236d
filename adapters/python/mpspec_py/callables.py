"""The worker callables of spec/callables.yaml, as Python: a scenario's {"$callable": name, ...params}
becomes a WorkerCallable, a module-level class holding only JSON-like params, so it pickles under
every start method (a Process target, a Pool task, a Barrier action that travels with its Barrier).
The exception: a parameter that takes another object of the scenario (OBJECT_PARAMS, {"$object": K}
in the run message) holds that object, a multiprocessing primitive, which pickles while a Process
is spawned (and is inherited under fork).

`python3 -m mpspec_py.callables observe` runs calls in forked children and reports what each did,
for the vocabulary's conformance test: one JSON line [value, args] in, one outcome line out. There
a parameter {"$object": "<Primitive>"} (the vocabulary's examples) is a fresh multiprocessing.<Primitive>().
"""
import builtins
import json
import os
import sys
import time


def _builtin_exception(name):
    t = getattr(builtins, name, None) if isinstance(name, str) else None
    return t if isinstance(t, type) and issubclass(t, BaseException) else None


def _unpicklable(token):
    from .values import Unpicklable  # values imports this module
    return Unpicklable(token)


def _raise(p):
    raise _builtin_exception(p["type"])(p["message"])


def _raise_if(p, x):
    if x == p["when"]:
        _raise(p)
    return x


def _nap(p, x):
    time.sleep(x * p["unit"])
    return x


def _wait_event(p):
    p["event"].wait(p["timeout"])  # returns None, not the wait's result (spec/callables.yaml)


def _put_to(p):
    from .values import decode_value  # values imports this module
    # The item as a Python value ({"$repeat": ...} a long string, {"$unpicklable": ...} an object
    # the feeder thread cannot pickle): spec/protocol/README.md, values that stand for Python objects.
    from .values import _arm
    # decode_value leaves {"$unpicklable": ...} a placeholder (it travels to actor processes); _arm
    # makes it the object here, where it is put.
    p["queue"].put(_arm(decode_value(p["item"])), p["block"])


def _with_lock(p):
    with p["lock"]:
        time.sleep(p["seconds"])


def _add_to(p):
    v = p["value"]
    if p["locked"]:
        with v.get_lock():
            v.value += p["n"]
    else:
        v.value += p["n"]


def _kill_self(p):
    os.kill(os.getpid(), p["signal"])
    time.sleep(5)  # the signal ends the process before this returns


# A module-level lambda: pickle looks functions up by their name, and '<lambda>' names nothing, so
# it cannot be pickled (spec/callables.yaml `picklable: false`): make() returns it as it is.
lambda_noop = lambda *args: None  # noqa: E731

# name -> (parameter names, implementation(params, *args))
IMPLEMENTATIONS = {
    "noop": ((), lambda p, *a: None),
    "lambda_noop": ((), lambda p, *a: None),
    "return": (("value",), lambda p, *a: p["value"]),
    "raise": (("type", "message"), lambda p, *a: _raise(p)),
    "identity": ((), lambda p, x: x),
    "square": ((), lambda p, x: x * x),
    "add": ((), lambda p, x, y: x + y),
    "raise_if": (("when", "type", "message"), _raise_if),
    "sleep": (("seconds",), lambda p, *a: time.sleep(p["seconds"])),
    "nap": (("unit",), lambda p, x: _nap(p, x)),
    "sys_exit": (("arg",), lambda p, *a: sys.exit(p["arg"])),
    "os_exit": (("code",), lambda p, *a: os._exit(p["code"])),
    "kill_self": (("signal",), lambda p, *a: _kill_self(p)),
    "getpid": ((), lambda p, *a: os.getpid()),
    "return_unpicklable": (("token",), lambda p, *a: _unpicklable(p["token"])),
    "set_event": (("event",), lambda p, *a: p["event"].set()),
    "wait_event": (("event", "timeout"), lambda p, *a: _wait_event(p)),
    "put_to": (("queue", "item", "block"), lambda p, *a: _put_to(p)),
    "put_arg_to": (("queue",), lambda p, x: p["queue"].put(x)),
    "with_lock": (("lock", "seconds"), lambda p, *a: _with_lock(p)),
    "add_to": (("value", "n", "locked"), lambda p, *a: _add_to(p)),
}

# name -> its parameters that take another object of the scenario (spec/callables.yaml `primitive`).
OBJECT_PARAMS = {"set_event": ("event",), "wait_event": ("event",), "put_to": ("queue",), "put_arg_to": ("queue",), "with_lock": ("lock",), "add_to": ("value",)}


def _plain(v, depth=0):
    """A JSON value (what every other parameter holds)."""
    if depth > 100:
        return False
    if v is None or isinstance(v, (bool, int, float, str)):
        return True
    if isinstance(v, list):
        return all(_plain(x, depth + 1) for x in v)
    if isinstance(v, dict):
        return all(isinstance(k, str) and _plain(x, depth + 1) for k, x in v.items())
    return False


def _text(value):
    # A value whose object parameters are already objects (an Event) is shown with their repr.
    return json.dumps(value, default=repr)


class WorkerCallable(object):
    """The callable a {"$callable": name, ...params} value stands for."""

    def __init__(self, name, params):
        self.name = name
        self.params = params

    def __call__(self, *args, **kwargs):
        return IMPLEMENTATIONS[self.name][1](self.params, *args)

    def __repr__(self):
        return "<mpspec callable %s>" % self.name


def make(value):
    """A WorkerCallable from its value: JSON, but for the objects its OBJECT_PARAMS hold (already
    built: the adapter decodes {"$object": K}); ValueError naming what is wrong with it."""
    if not isinstance(value, dict) or not isinstance(value.get("$callable"), str):
        raise ValueError("%s is not a callable value: expected {\"$callable\": <name>, <param>: <value>, ...}" % _text(value))
    name = value["$callable"]
    if name not in IMPLEMENTATIONS:
        raise ValueError("%s: no callable %r (this adapter knows %s)" % (_text(value), name, ", ".join(sorted(IMPLEMENTATIONS))))
    params = dict((k, v) for k, v in value.items() if k != "$callable")
    if set(params) != set(IMPLEMENTATIONS[name][0]):
        raise ValueError("%s: %s takes the parameters %s" % (_text(value), name, ", ".join(IMPLEMENTATIONS[name][0]) or "none"))
    takes_objects = OBJECT_PARAMS.get(name, ())
    for k, v in params.items():
        if k in takes_objects and _plain(v):
            raise ValueError("%s: %s's parameter %s takes another object of the scenario, {\"$object\": K} in the "
                             "constructor arguments of a later object" % (_text(value), name, k))
        if k not in takes_objects and not _plain(v):
            raise ValueError("%s: %s's parameter %s takes a JSON value, not an object" % (_text(value), name, k))
    if name in ("raise", "raise_if") and (_builtin_exception(params["type"]) is None or not isinstance(params["message"], str)):
        raise ValueError("%s: type must name a builtin exception and message be a string" % _text(value))
    if name == "lambda_noop":
        return lambda_noop
    return WorkerCallable(name, params)


# Constructor arguments of an example's fresh object, where it needs some (as the reference's observe-callable.ts).
FRESH_ARGS = {"Value": ("i", 0)}


def _fresh_objects(value):
    """The vocabulary's examples: a parameter {"$object": "<Primitive>"} is a new multiprocessing.<Primitive>()."""
    if not isinstance(value, dict):
        return value
    import multiprocessing
    out = {}
    for k, v in value.items():
        if isinstance(v, dict) and list(v) == ["$object"] and isinstance(v["$object"], str):
            v = getattr(multiprocessing, v["$object"])(*FRESH_ARGS.get(v["$object"], ()))
        out[k] = v
    return out


def observe(value, args):
    """Run value(*args) in a forked child: what it did, as spec/callables.ts's outcomes, with the child's pid."""
    from .values import _to_json, qualified_name
    f = make(_fresh_objects(value))
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            try:
                out = {"kind": "ok", "value": _to_json(f(*args))}
            except BaseException as e:
                out = {"kind": "raise", "type": qualified_name(type(e)), "args": [_to_json(a) for a in e.args]}
            os.write(w, json.dumps(out).encode())
        finally:
            os._exit(0)
    os.close(w)
    chunks = []
    while True:
        b = os.read(r, 65536)
        if not b:
            break
        chunks.append(b)
    os.close(r)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        out = {"kind": "signal", "signal": os.WTERMSIG(status)}
    elif chunks and os.WEXITSTATUS(status) == 0:
        out = json.loads(b"".join(chunks).decode())
    else:
        out = {"kind": "exit", "code": os.WEXITSTATUS(status)}
    out["pid"] = pid
    return out


def main(argv):
    if argv[1:] != ["observe"]:
        sys.stderr.write("usage: python3 -m mpspec_py.callables observe  (JSON lines [value, args] on stdin)\n")
        return 2
    for line in sys.stdin:
        if line.strip():
            value, args = json.loads(line)
            sys.stdout.write(json.dumps(observe(value, args)) + "\n")
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
