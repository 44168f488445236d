"""The CPython side of `npm run bench:pool` (bench/pool/main.ts).

    python3 bench/pool/cpython_pool.py --workload NAME --n N --rounds R --processes P [--timeout S]

Runs one workload of bench/pool/workloads.ts on multiprocessing.Pool or
concurrent.futures.ProcessPoolExecutor (start method fork) `rounds` times, a fresh pool each
round: the pool is made and warmed (a first map of 2 * P items) before the clock starts, and
only the map call is timed. Prints one JSON line: {"workload", "n", "rounds_ms", "ok": true}, or
{"workload", "ok": false, "error"} with exit status 1 (bad arguments: status 2). Every wait has a
timeout, and every pool is terminated or shut down before the round returns.
"""

import argparse
import json
import multiprocessing as mp
import sys
import time
from concurrent.futures import ProcessPoolExecutor


def square(x):
    return x * x


def sleep_1ms(x):
    time.sleep(0.001)


# name -> (api, function, value of item i): bench/pool/workloads.ts's, same names.
WORKLOADS = {
    "pool-map-small": ("pool", square, lambda i: i * i),
    "pool-map-1ms": ("pool", sleep_1ms, lambda i: None),
    "executor-map-small": ("executor", square, lambda i: i * i),
    "executor-map-1ms": ("executor", sleep_1ms, lambda i: None),
}


def one_round(name, n, processes, timeout):
    api, func, value = WORKLOADS[name]
    ctx = mp.get_context("fork")
    if api == "pool":
        pool = ctx.Pool(processes)
        try:
            pool.map_async(func, range(2 * processes)).get(timeout)
            t0 = time.perf_counter()
            values = pool.map_async(func, range(n)).get(timeout)
            ms = (time.perf_counter() - t0) * 1000
        finally:
            pool.terminate()
            pool.join()
    else:
        ex = ProcessPoolExecutor(processes, mp_context=ctx)
        try:
            list(ex.map(func, range(2 * processes), timeout=timeout))
            t0 = time.perf_counter()
            values = list(ex.map(func, range(n), timeout=timeout))
            ms = (time.perf_counter() - t0) * 1000
        finally:
            ex.shutdown(wait=True, cancel_futures=True)
    if len(values) != n or any(v != value(i) for i, v in enumerate(values)):
        raise ValueError(f"{name}: map did not give the expected values")
    return ms


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--workload", required=True, choices=sorted(WORKLOADS))
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--processes", type=int, default=2)
    p.add_argument("--timeout", type=float, default=120.0)
    a = p.parse_args()
    if a.n < 1 or a.rounds < 1 or a.processes < 1:
        p.error("--n, --rounds and --processes take positive integers")
    try:
        rounds = [one_round(a.workload, a.n, a.processes, a.timeout) for _ in range(a.rounds)]
    except Exception as e:  # reported as data: the caller prints it
        print(json.dumps({"workload": a.workload, "ok": False, "error": f"{type(e).__name__}: {e}"}))
        sys.exit(1)
    print(json.dumps({"workload": a.workload, "n": a.n, "rounds_ms": rounds, "ok": True}))


if __name__ == "__main__":
    main()
