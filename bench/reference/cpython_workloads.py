"""The CPython side of `npm run bench:reference` (bench/reference/main.ts).

    python3 bench/reference/cpython_workloads.py --workload NAME[,NAME...] --n N [--rounds R] [--timeout S]
    python3 bench/reference/cpython_workloads.py --info

Runs each workload on multiprocessing (start method fork) `rounds` times and prints one JSON line
per workload: {"workload", "n", "rounds_ms", "ok": true}; on a failed check or an error
{"workload", "ok": false, "error"} and exit status 1 (bad arguments: status 2). `--n` is the count
of the workload's definition in bench/reference/workloads.ts (the same on both sides).

Every round starts fresh objects and processes (fork: they inherit the objects), waits until every
actor is ready (a Barrier of the actors and the parent, which releases them together), and each
actor times its own loop with time.perf_counter(); the round's time is the slowest actor's. Actors
report through a Queue. Every blocking call has a timeout (`--timeout`, default 60 s; the parent
waits up to LOOP_TIMEOUTS of them for an actor's whole loop), and every process is joined, or
terminated, before the round returns.
"""

import argparse
import json
import multiprocessing as mp
import platform
import queue
import statistics
import sys
import time
import traceback

TIMEOUT = 60.0
# A whole loop of an actor (many calls) may take this many timeouts before the parent gives up on it.
LOOP_TIMEOUTS = 10


class CheckFailed(Exception):
    pass


def must(ok, what):
    if not ok:
        raise TimeoutError(f"{what} timed out after {TIMEOUT} s")


# --- actors: each returns a small dict that the workload's check reads -------------------------------


def lock_loop(o, n, role):
    lock = o["lock"]
    acquire, release, t = lock.acquire, lock.release, TIMEOUT
    for _ in range(n):
        if not acquire(True, t):
            must(False, "Lock.acquire")
        release()
    return {"done": n}


def put_numbers(o, n, role, first=0):
    put, t = o["q"].put, TIMEOUT
    for i in range(first, first + n):
        put(i, True, t)
    return {"put": n}


def put_strings(o, n, role, first=0):
    put, t = o["q"].put, TIMEOUT
    for i in range(first, first + n):
        put("item-%d" % i, True, t)
    return {"put": n}


def get_numbers(o, n, role):
    get, t = o["q"].get, TIMEOUT
    total = 0
    for _ in range(n):
        total += get(True, t)  # queue.Empty after the timeout
    return {"count": n, "sum": total}


def get_strings(o, n, role):
    get, t = o["q"].get, TIMEOUT
    total = 0
    for _ in range(n):
        s = get(True, t)
        if s[:5] != "item-":
            raise CheckFailed(f"unexpected item {s!r}")
        total += int(s[5:])
    return {"count": n, "sum": total}


def pipe_a(o, n, role):
    conn = o["pipe"][0]
    send, poll, recv, t = conn.send, conn.poll, conn.recv, TIMEOUT
    wrong = 0
    for i in range(n):
        send(i)
        if not poll(t):
            must(False, "Connection.poll")
        if recv() != i:
            wrong += 1
    return {"count": n, "wrong": wrong}


def pipe_b(o, n, role):
    conn = o["pipe"][1]
    send, poll, recv, t = conn.send, conn.poll, conn.recv, TIMEOUT
    for _ in range(n):
        if not poll(t):
            must(False, "Connection.poll")
        send(recv())
    return {"count": n}


def barrier_loop(o, n, role):
    wait, t = o["barrier"].wait, TIMEOUT
    indices = 0
    for _ in range(n):
        indices += wait(t)  # BrokenBarrierError after the timeout
    return {"count": n, "indices": indices}


def event_a(o, n, role):
    e1, e2, t = o["e1"], o["e2"], TIMEOUT
    for _ in range(n):
        e1.set()
        if not e2.wait(t):
            must(False, "Event.wait")
        e2.clear()
    return {"count": n}


def event_b(o, n, role):
    e1, e2, t = o["e1"], o["e2"], TIMEOUT
    for _ in range(n):
        if not e1.wait(t):
            must(False, "Event.wait")
        e1.clear()
        e2.set()
    return {"count": n}


def value_loop(o, n, role):
    v, t = o["v"], TIMEOUT
    lock = v.get_lock()
    acquire, release = lock.acquire, lock.release
    for _ in range(n):
        # `with v.get_lock(): v.value += 1`, with a timeout on the acquire
        if not acquire(True, t):
            must(False, "RLock.acquire")
        try:
            v.value += 1
        finally:
            release()
    return {"count": n}


# --- checks: None when right, else what is wrong -----------------------------------------------------


def sum_range(n):
    return n * (n - 1) // 2


def check_lock(n, o, results):
    done = sum(r["done"] for r in results)
    return None if done == n * len(results) else f"{done} acquire/release pairs, expected {n * len(results)}"


def check_queue(n, o, results):
    got = [r for r in results if "count" in r]
    count = sum(r["count"] for r in got)
    total = sum(r["sum"] for r in got)
    if count != n or total != sum_range(n):
        return f"consumers got {count} items summing to {total}, expected {n} summing to {sum_range(n)}"
    if not o["q"].empty():
        return "the queue is not empty after the consumers got every item"
    return None


def check_pipe(n, o, results):
    a, b = results
    if a["count"] != n or b["count"] != n:
        return f"{a['count']} round trips at A, {b['count']} at B, expected {n}"
    if a["wrong"]:
        return f"{a['wrong']} values came back different"
    if o["pipe"][0].poll(0) or o["pipe"][1].poll(0):
        return "messages left in the pipe"
    return None


def check_barrier(n, o, results):
    count = sum(r["count"] for r in results)
    indices = sum(r["indices"] for r in results)
    # each generation hands out the indices 0 and 1
    if count != 2 * n or indices != n:
        return f"{count} waits returned with indices summing to {indices}, expected {2 * n} and {n}"
    if o["barrier"].broken:
        return "the barrier is broken"
    return None


def check_events(n, o, results):
    if any(r["count"] != n for r in results):
        return f"cycles {[r['count'] for r in results]}, expected {n} each"
    if o["e1"].is_set() or o["e2"].is_set():
        return "an event is still set after the last cycle"
    return None


def check_value(n, o, results):
    value = o["v"].get_obj().value
    return None if value == 2 * n else f"the Value ends at {value}, expected {2 * n}"


# --- workloads (names and counts as in bench/reference/workloads.ts) ----------------------------------


def halves(n):
    return [(0, n // 2), (n // 2, n - n // 2)]


def queue_2to2(put, get):
    def roles(n):
        (f0, n0), (f1, n1) = halves(n)
        return [
            (put, n0, {"first": f0}),
            (put, n1, {"first": f1}),
            (get, n0, {}),
            (get, n1, {}),
        ]

    return roles


WORKLOADS = {
    "lock-uncontended": (lambda c: {"lock": c.Lock()}, lambda n: [(lock_loop, n, {})], check_lock),
    "lock-contended": (lambda c: {"lock": c.Lock()}, lambda n: [(lock_loop, n, {}), (lock_loop, n, {})], check_lock),
    "queue-1to1-numbers": (lambda c: {"q": c.Queue()}, lambda n: [(put_numbers, n, {}), (get_numbers, n, {})], check_queue),
    "queue-1to1-strings": (lambda c: {"q": c.Queue()}, lambda n: [(put_strings, n, {}), (get_strings, n, {})], check_queue),
    "queue-2to2-numbers": (lambda c: {"q": c.Queue()}, queue_2to2(put_numbers, get_numbers), check_queue),
    "queue-2to2-strings": (lambda c: {"q": c.Queue()}, queue_2to2(put_strings, get_strings), check_queue),
    "pipe-roundtrip": (lambda c: {"pipe": c.Pipe()}, lambda n: [(pipe_a, n, {}), (pipe_b, n, {})], check_pipe),
    "barrier-cycles": (lambda c: {"barrier": c.Barrier(2)}, lambda n: [(barrier_loop, n, {}), (barrier_loop, n, {})], check_barrier),
    "event-pingpong": (lambda c: {"e1": c.Event(), "e2": c.Event()}, lambda n: [(event_a, n, {}), (event_b, n, {})], check_events),
    "value-increments": (lambda c: {"v": c.Value("i", 0)}, lambda n: [(value_loop, n, {}), (value_loop, n, {})], check_value),
}


def actor(fn, objects, n, kwargs, role, start, results):
    """One process: wait for the start, time the loop, report (role, seconds, result, error)."""
    try:
        start.wait(TIMEOUT)
        t0 = time.perf_counter()
        result = fn(objects, n, role, **kwargs)
        elapsed = time.perf_counter() - t0
        results.put((role, elapsed, result, None))
    except BaseException:  # reported, so that the parent fails with the actor's traceback
        results.put((role, None, None, traceback.format_exc()))


def run_round(ctx, name, n):
    """One round of a workload: its time in seconds (the slowest actor's); raises on a failed check."""
    setup, roles_of, check = WORKLOADS[name]
    objects = setup(ctx)
    roles = roles_of(n)
    start = ctx.Barrier(len(roles) + 1)
    results = ctx.Queue()
    procs = [
        ctx.Process(target=actor, args=(fn, objects, k, kwargs, role, start, results), daemon=True)
        for role, (fn, k, kwargs) in enumerate(roles)
    ]
    try:
        for p in procs:
            p.start()
        start.wait(TIMEOUT)  # every actor is ready: this releases them together
        reports = []
        for _ in procs:
            report = results.get(True, LOOP_TIMEOUTS * TIMEOUT)  # queue.Empty after that
            if report[3] is not None:  # an actor failed: the others may wait for it (finally ends them)
                raise RuntimeError(f"actor {report[0]} failed:\n{report[3]}")
            reports.append(report)
        for p in procs:
            p.join(TIMEOUT)
            if p.exitcode != 0:
                raise RuntimeError(f"actor process {p.pid} exited with {p.exitcode}")
        reports.sort(key=lambda r: r[0])
        problem = check(n, objects, [r[2] for r in reports])
        if problem is not None:
            raise CheckFailed(f"{name}: check failed: {problem}")
        return max(r[1] for r in reports)
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()
                p.join(5)


def main():
    global TIMEOUT
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--info", action="store_true", help="print the Python version as JSON and exit")
    parser.add_argument("--workload", help="comma-separated workload names")
    parser.add_argument("--n", type=int)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=TIMEOUT)
    args = parser.parse_args()
    if args.info:
        print(json.dumps({"python": platform.python_version(), "implementation": platform.python_implementation()}))
        return 0
    names = (args.workload or "").split(",")
    unknown = [w for w in names if w not in WORKLOADS]
    if unknown or args.n is None or args.n < 1 or args.rounds < 1 or not args.timeout > 0:
        parser.error(f"need --workload among {', '.join(WORKLOADS)} (got {unknown}), --n >= 1, --rounds >= 1, --timeout > 0")
    TIMEOUT = args.timeout
    ctx = mp.get_context("fork")
    status = 0
    for name in names:
        try:
            times = [run_round(ctx, name, args.n) * 1000 for _ in range(args.rounds)]
            out = {"workload": name, "n": args.n, "rounds_ms": times, "median_ms": statistics.median(times), "ok": True}
        except (Exception, KeyboardInterrupt) as e:
            out = {"workload": name, "n": args.n, "ok": False, "error": f"{type(e).__name__}: {e}"}
            status = 1
        print(json.dumps(out), flush=True)
        if status:
            break
    return status


if __name__ == "__main__":
    sys.exit(main())
