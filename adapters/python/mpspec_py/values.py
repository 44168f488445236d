"""Value conventions: how Python values and exceptions become protocol JSON (outcomes), how the
runner's JSON values that stand for Python objects ($callable, $bytes, $bytearray, $slice, $unpicklable,
$unpickling-fails, $repeat, $object; $new
is the adapter's, it constructs) are decoded, and the call itself (make_call). Standard library
only: nothing here touches the implementation under test but the objects it is handed."""

import importlib
import json
import sys
import time

INTERNAL_ERROR_TYPE = "mpspec.InternalError"
# A call during which its actor process died (or lost its channel to the adapter): no spec rule
# raises it, so the checker fails the history at that call.
ACTOR_DIED_TYPE = "mpspec.ActorDied"


class ScenarioError(Exception):
    """A scenario this adapter cannot run: answered as {"id", "error"}."""


# --- values and exceptions ---------------------------------------------------------

_BYTES_LIKE = (bytes, bytearray, memoryview)


def _jsonable(v, depth=0):
    if depth > 100:
        return False
    if v is None or isinstance(v, (bool, str) + _BYTES_LIKE):
        return True
    if isinstance(v, (Unpicklable, UnpicklingFails, ItemPlaceholder)):
        return True
    if isinstance(v, int):
        return True
    if isinstance(v, float):
        return v == v and v not in (float("inf"), float("-inf"))
    if isinstance(v, (list, tuple)):
        return all(_jsonable(x, depth + 1) for x in v)
    if isinstance(v, dict):
        return all(isinstance(k, str) and _jsonable(x, depth + 1) for k, x in v.items())
    if isinstance(v, BaseException):
        return _jsonable(list(v.args), depth + 1)
    return False


def _to_json(v):
    if isinstance(v, (Unpicklable, UnpicklingFails, ItemPlaceholder)):
        return v.json()
    if isinstance(v, str) and len(v) > REPEAT_MIN:
        return _repeat_json(v)
    if isinstance(v, _BYTES_LIKE):
        # {"$bytes": text}: one character per byte (latin-1), spec/protocol/README.md
        return {"$bytes": bytes(v).decode("latin-1")}
    if isinstance(v, (list, tuple)):
        return [_to_json(x) for x in v]
    if isinstance(v, dict):
        return {k: _to_json(x) for k, x in v.items()}
    if isinstance(v, BaseException):
        # An exception returned as a value (Future.exception()): its class and args.
        return {"$exception": {"type": qualified_name(type(v)), "args": _to_json(list(v.args))}}
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
        if type(message) is not str:
            message = str.__str__(message)
    except BaseException:  # noqa: B902
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


def perform_call(obj, method, argv, form, key_box=None, out_args=None, kwargs=None):
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
    r = getattr(obj, method)(*argv, **(kwargs or {}))
    if out_args:
        # Arguments the method wrote into (a bytearray), reported with its result.
        return [r] + [argv[k] for k in out_args]
    return r


class ScenarioObjects(list):
    """The scenario's objects (index k: calls.objects[k]) and the handles its calls produced, by
    id ("o0@a1.2": the producing call's place). Each actor process has its own copy, and so its
    own handles: a handle is used by the actor that produced it."""

    def __init__(self, *args):
        list.__init__(self, *args)
        self.handles = {}


SKIPPED = object()  # make_call's answer for a call on a handle that was never produced


def make_call(objects, call):
    """call = (object index, method, argv[, form[, target[, with_lock[, key_box[, via[, out_args[, pause[, produces[, handle[, kwargs]]]]]]]]]]]]),
    from a run message's call (spec/protocol/README.md). form (perform_call): "call", or
    "get"/"set"/"iadd" on the attribute, or on the item obj[key] with key_box = (key,);
    with_lock (not None): hold the lock getattr(obj, with_lock)() around the call; target (not
    None): the call is on element target of the tuple objects[oi]; via (not None): on
    getattr(obj, via)(); out_args: argv indexes reported with the result; pause: seconds the actor
    sleeps before the call (its loop does it, before reporting the call started); produces: the
    id to keep the returned handle under (reported {"$handle": id}); handle: the id of the handle
    the call is on. Returns (invoke, response, outcome), or SKIPPED for a call on a handle its
    producer did not return (it raised): such a call is not made."""
    oi, method, argv = call[:3]
    produces = call[10] if len(call) > 10 else None
    handle = call[11] if len(call) > 11 else None
    kwargs = call[12] if len(call) > 12 else None
    if handle is not None:
        obj = getattr(objects, "handles", {}).get(handle, SKIPPED)
        if obj is SKIPPED:
            return SKIPPED
    else:
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
    # Items that stand for objects that cannot be pickled (or unpickled) become those objects
    # only now, in the calling actor: the adapter's own plumbing pickles the job's argv.
    # {"$object": K} (an ObjectRef) becomes objects[K] here, the calling actor's own copy of the
    # scenario's object (inherited, or unpickled with the scenario's objects).
    argv = [bytearray(a) if isinstance(a, bytearray) else _arm(a, objects) for a in argv]
    kwargs = {n: _arm(v, objects) for n, v in kwargs.items()} if kwargs else None
    t0 = time.monotonic_ns()
    try:
        if via is not None:
            # The call is on what obj.<via>() returns (get_obj).
            obj = getattr(obj, via)()
        if with_lock is not None:
            # `with obj.<with_lock>(): ...` (the spec operation's withLock)
            with getattr(obj, with_lock)():
                r = perform_call(obj, method, argv, form, key_box, out_args, kwargs)
        else:
            r = perform_call(obj, method, argv, form, key_box, out_args, kwargs)
    except BaseException as e:  # noqa: B902 - every exception is an outcome, KeyboardInterrupt and SystemExit too
        t1 = time.monotonic_ns()
        return t0, t1, _safely(raised_outcome, e)
    t1 = time.monotonic_ns()
    if produces is not None:
        objects.handles[produces] = r
        return t0, t1, {"kind": "returned", "value": {"$handle": produces}}
    return t0, t1, _safely(returned_outcome, r)


def _safely(describe, v):
    """An outcome, whatever the value or exception does when inspected (str() that raises, ...)."""
    try:
        return describe(v)
    except BaseException as e:  # noqa: B902
        try:
            what = "%s: %s" % (type(e).__name__, e)
        except BaseException:  # noqa: B902
            what = "?"
        return {"kind": "raised", "type": INTERNAL_ERROR_TYPE, "message": "the call's outcome could not be described (%s)" % what[:200], "mro": []}


def outcome_text(outcome):
    """An outcome as JSON text made of plain values only (what an actor sends the adapter)."""
    try:
        return json.dumps(outcome, separators=(",", ":"), allow_nan=False)
    except BaseException as e:  # noqa: B902
        return json.dumps({"kind": "raised", "type": INTERNAL_ERROR_TYPE, "mro": [],
                           "message": "the call's outcome has no JSON form (%s)" % type(e).__name__})


def actor_died_outcome(what):
    """The outcome reported for a call during which its actor process died: no spec rule raises it."""
    return {"kind": "raised", "type": ACTOR_DIED_TYPE, "message": what, "mro": []}


# --- values that stand for Python objects (spec/protocol/README.md) -----------------

def _decode_callable(v, objects=None):
    """{"$callable": name, ...params}: a worker callable of spec/callables.yaml (mpspec_py.callables).
    Its params stay JSON (they pickle with it), but for {"$object": K} values: those are the objects."""
    from .callables import make
    if isinstance(v, dict):
        v = dict((k, x if k == "$callable" else _resolve_objects(x, objects)) for k, x in v.items())
    try:
        return make(v)
    except ValueError as e:
        raise ScenarioError(str(e))


def _resolve_objects(v, objects):
    if isinstance(v, list):
        return [_resolve_objects(x, objects) for x in v]
    if isinstance(v, dict):
        if "$object" in v:
            return _decode_object(v, objects)
        return dict((k, _resolve_objects(x, objects)) for k, x in v.items())
    return v


class CallObjects(object):
    """The objects argument of decode_value for a call's argv: the scenario has n objects, and a
    {"$object": K} there decodes to ObjectRef(K), which make_call turns into the actor's objects[K]."""

    def __init__(self, n):
        self.n = n


class ObjectRef(object):
    """A decoded {"$object": K} of a call's arguments until its call: it pickles (the job's calls
    travel to actor processes) and make_call turns it into objects[K] (_arm)."""

    def __init__(self, k):
        self.k = k

    def json(self):
        return {"$object": self.k}

    def __repr__(self):
        return "<mpspec $object %d>" % self.k


def _decode_object(v, objects=None):
    """{"$object": K}: the object built for calls.objects[K]. objects: while decoding a constructor's
    arguments, those built so far (K an earlier object); a CallObjects for a call's argv (any
    object of the scenario, an ObjectRef until the call); None elsewhere (refused)."""
    k = v.get("$object")
    if len(v) != 1 or not isinstance(k, int) or isinstance(k, bool):
        raise ScenarioError('%s is not a $object value: expected {"$object": K}, K the index in calls.objects '
                            'of an earlier object of the scenario' % json.dumps(v))
    if objects is None:
        raise ScenarioError('%s: $object values are for constructor arguments (calls.objects[k].argv and kwargs) '
                            'and a call\'s argv only' % json.dumps(v))
    if isinstance(objects, CallObjects):
        if not 0 <= k < objects.n:
            raise ScenarioError('%s: no such object: $object in a call\'s argv names an object of the scenario, '
                                '{"$object": K} with 0 <= K < %d (the index in calls.objects)' % (json.dumps(v), objects.n))
        return ObjectRef(k)
    if not 0 <= k < len(objects):
        raise ScenarioError('%s: no such earlier object: $object names an object built before this one, '
                            '{"$object": K} with 0 <= K < %d (this object is calls.objects[%d]; the runner writes K '
                            'for the scenario\'s {"$object": "<id>"} of an object declared before it)' % (
                                json.dumps(v), len(objects), len(objects)))
    return objects[k]


def _decode_text_bytes(v, objects=None):
    """{"$bytes": text} -> bytes, {"$bytearray": text} -> bytearray: one character per byte (latin-1)."""
    k = "$bytes" if "$bytes" in v else "$bytearray"
    try:
        if len(v) != 1:
            raise ValueError
        data = v[k].encode("latin-1")
    except (AttributeError, UnicodeEncodeError, ValueError):
        raise ScenarioError("%s: expected {\"%s\": <text of code points 0-255>}" % (json.dumps(v), k))
    return data if k == "$bytes" else bytearray(data)


def _decode_slice(v, objects=None):
    """{"$slice": [start, stop]} or [start, stop, step] -> slice(start, stop, step); ints or None."""
    parts = v.get("$slice") if len(v) == 1 else None
    if not isinstance(parts, list) or not 2 <= len(parts) <= 3 or not all(
            p is None or (isinstance(p, int) and not isinstance(p, bool)) for p in parts):
        raise ScenarioError("%s is not a $slice value: expected {\"$slice\": [start, stop]} or [start, stop, step], ints or null" % json.dumps(v))
    return slice(*parts)


# --- items that cannot be pickled, or unpickled; long strings -------------------------

def _thread_lock():
    import threading
    return threading.Lock()


class Unpicklable(object):
    """What {"$unpicklable": token} stands for in a call: an object that holds a threading.Lock,
    so pickling it raises TypeError: cannot pickle '_thread.lock' object (as CPython's own).
    __reduce_ex__ raises that error itself, so that the object cannot be pickled by any
    serializer of the pickle protocol: multiprocess's dill pickles a lock, and a scenario about
    an unpicklable item must not rest on which pickler the implementation uses."""

    def __init__(self, token):
        self.token = token
        self.lock = _thread_lock()

    def __reduce_ex__(self, protocol):
        raise TypeError("cannot pickle '_thread.lock' object")

    def json(self):
        return {"$unpicklable": self.token}

    def __eq__(self, other):
        return isinstance(other, Unpicklable) and other.token == self.token

    def __hash__(self):
        return hash(("$unpicklable", self.token))

    def __repr__(self):
        return "<mpspec unpicklable %s>" % self.token


def unpickling_fails(token):
    """Called by pickle to rebuild an UnpicklingFails: raises, so unpickling it fails."""
    raise ValueError("unpickling %s fails" % token)


class UnpicklingFails(object):
    """What {"$unpickling-fails": token} stands for in a call: it pickles, and unpickling it raises
    ValueError: unpickling <token> fails (the receiver's get/recv raises it)."""

    def __init__(self, token):
        self.token = token

    def __reduce__(self):
        return (unpickling_fails, (self.token,))

    def json(self):
        return {"$unpickling-fails": self.token}

    def __eq__(self, other):
        return isinstance(other, UnpicklingFails) and other.token == self.token

    def __hash__(self):
        return hash(("$unpickling-fails", self.token))

    def __repr__(self):
        return "<mpspec unpickling-fails %s>" % self.token


class ItemPlaceholder(object):
    """A decoded $unpicklable / $unpickling-fails value until its call: it pickles (the job's argv
    travels to actor processes) and make_call turns it into the object (_arm)."""

    def __init__(self, kind, token):
        self.kind = kind
        self.token = token

    def json(self):
        return {self.kind: self.token}

    def arm(self):
        return Unpicklable(self.token) if self.kind == "$unpicklable" else UnpicklingFails(self.token)


def _arm(v, objects=None):
    if isinstance(v, ItemPlaceholder):
        return v.arm()
    if isinstance(v, ObjectRef):
        return objects[v.k]
    if isinstance(v, list):
        return [_arm(x, objects) for x in v]
    if isinstance(v, dict):
        return {k: _arm(x, objects) for k, x in v.items()}
    from .callables import WorkerCallable
    if isinstance(v, WorkerCallable) and any(isinstance(x, ObjectRef) for x in v.params.values()):
        # A callable of a call's argv whose object parameter is {"$object": K} (set_event).
        return WorkerCallable(v.name, dict((k, _arm(x, objects)) for k, x in v.params.items()))
    return v


def _decode_item_object(v, objects=None):
    kind = "$unpicklable" if "$unpicklable" in v else "$unpickling-fails"
    if len(v) != 1 or not isinstance(v[kind], str):
        raise ScenarioError("%s: expected {\"%s\": <token string>}" % (json.dumps(v), kind))
    return ItemPlaceholder(kind, v[kind])


# A string longer than this that repeats a unit of at most REPEAT_UNIT_MAX characters crosses the
# protocol as {"$repeat": [unit, n]} (its shortest unit), both ways.
REPEAT_MIN = 4096
REPEAT_UNIT_MAX = 64


def _decode_repeat(v, objects=None):
    parts = v.get("$repeat") if len(v) == 1 else None
    if (not isinstance(parts, list) or len(parts) != 2 or not isinstance(parts[0], str) or not parts[0]
            or not isinstance(parts[1], int) or isinstance(parts[1], bool) or parts[1] < 0):
        raise ScenarioError("%s is not a $repeat value: expected {\"$repeat\": [unit, n]}, a non-empty string and an int >= 0" % json.dumps(v))
    return parts[0] * parts[1]


def _repeat_json(s):
    for k in range(1, min(REPEAT_UNIT_MAX, len(s)) + 1):
        if len(s) % k == 0 and s == s[:k] * (len(s) // k):
            return {"$repeat": [s[:k], len(s) // k]}
    return s


# "$key" -> decoder(value, objects) of a JSON object {"$key": ...} that stands for a Python object.
VALUE_CONVENTIONS = {"$callable": _decode_callable, "$bytes": _decode_text_bytes, "$bytearray": _decode_text_bytes,
                     "$slice": _decode_slice, "$unpicklable": _decode_item_object,
                     "$unpickling-fails": _decode_item_object, "$repeat": _decode_repeat, "$object": _decode_object}


def decode_value(v, objects=None):
    """A JSON value from the runner as the Python value to pass: conventions decoded, recursively.
    objects: while decoding constructor arguments, the scenario's objects built so far (what
    {"$object": K} refers to); CallObjects(n) for a call's argv ({"$object": K} an ObjectRef that
    make_call resolves in the calling actor); None elsewhere (an item key), where $object is refused."""
    if isinstance(v, list):
        return [decode_value(x, objects) for x in v]
    if isinstance(v, dict):
        special = [k for k in v if k.startswith("$")]
        if special:
            decoder = VALUE_CONVENTIONS.get(special[0]) if len(special) == 1 else None
            if decoder is None:
                raise ScenarioError("%s: unknown value convention %s (known: %s)" % (
                    json.dumps(v), ", ".join(special), ", ".join(sorted(VALUE_CONVENTIONS))))
            return decoder(v, objects)
        return {k: decode_value(x, objects) for k, x in v.items()}
    return v


