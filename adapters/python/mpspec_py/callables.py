"""The worker callables of spec/callables.yaml, as Python: a scenario's {"$callable": name, ...params}
becomes a WorkerCallable, a module-level class holding only JSON-like params, so it pickles under
every start method (a Process target, a Pool task, a Barrier action that travels with its Barrier).

`python3 -m mpspec_py.callables observe` runs calls in forked children and reports what each did,
for the vocabulary's conformance test: one JSON line [value, args] in, one outcome line out.
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


def _kill_self(p):
    os.kill(os.getpid(), p["signal"])
    time.sleep(5)  # the signal ends the process before this returns


# name -> (parameter names, implementation(params, *args))
IMPLEMENTATIONS = {
    "noop": ((), lambda p, *a: None),
    "return": (("value",), lambda p, *a: p["value"]),
    "raise": (("type", "message"), lambda p, *a: _raise(p)),
    "identity": ((), lambda p, x: x),
    "square": ((), lambda p, x: x * x),
    "raise_if": (("when", "type", "message"), _raise_if),
    "sleep": (("seconds",), lambda p, *a: time.sleep(p["seconds"])),
    "sys_exit": (("arg",), lambda p, *a: sys.exit(p["arg"])),
    "os_exit": (("code",), lambda p, *a: os._exit(p["code"])),
    "kill_self": (("signal",), lambda p, *a: _kill_self(p)),
    "getpid": ((), lambda p, *a: os.getpid()),
    "return_unpicklable": (("token",), lambda p, *a: _unpicklable(p["token"])),
}


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
    """A WorkerCallable from its JSON value; ValueError naming what is wrong with it."""
    if not isinstance(value, dict) or not isinstance(value.get("$callable"), str):
        raise ValueError("%s is not a callable value: expected {\"$callable\": <name>, <param>: <value>, ...}" % json.dumps(value))
    name = value["$callable"]
    if name not in IMPLEMENTATIONS:
        raise ValueError("%s: no callable %r (this adapter knows %s)" % (json.dumps(value), name, ", ".join(sorted(IMPLEMENTATIONS))))
    params = dict((k, v) for k, v in value.items() if k != "$callable")
    if set(params) != set(IMPLEMENTATIONS[name][0]):
        raise ValueError("%s: %s takes the parameters %s" % (json.dumps(value), name, ", ".join(IMPLEMENTATIONS[name][0]) or "none"))
    if name in ("raise", "raise_if") and (_builtin_exception(params["type"]) is None or not isinstance(params["message"], str)):
        raise ValueError("%s: type must name a builtin exception and message be a string" % json.dumps(value))
    return WorkerCallable(name, params)


def observe(value, args):
    """Run value(*args) in a forked child: what it did, as spec/callables.ts's outcomes, with the child's pid."""
    from .values import _to_json, qualified_name
    f = make(value)
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
