"""mpspec adapter for Python multiprocessing-style modules: the JSON-lines protocol loop.

    python3 -m mpspec_py --module multiprocessing
        [--start-method fork|spawn|forkserver] [--actors processes|threads]
        [--profile multiprocessing|threading] [--no-pool] [--warm N]

(or adapters/python/mpspec_adapter.py, or the one-file zipapp: npm run build:python-adapter).
"""

import argparse
import json
import os
import signal
import sys
import time

from . import protocol
from .adapter import Adapter
from .protocol import PROTOCOL_VERSION, log, send_message


def parse(argv):
    p = argparse.ArgumentParser(prog="mpspec_adapter", description="mpspec JSON-lines adapter for multiprocessing-style Python modules")
    p.add_argument("--module", default="multiprocessing", help="module exposing the multiprocessing API")
    p.add_argument("--start-method", choices=["fork", "spawn", "forkserver"], default=None)
    p.add_argument("--actors", choices=["processes", "threads"], default=None)
    p.add_argument("--profile", choices=["multiprocessing", "threading"], default=None)
    p.add_argument("--no-pool", action="store_true", help="start actor processes per scenario even where they could be pooled")
    p.add_argument("--warm", type=int, default=3, help="pooled actor processes to start at the handshake (default 3)")
    return p.parse_args(argv)


_TERM = {signal.SIGTERM}


def _block_sigterm():
    # In the forking thread, until the child has its default SIGTERM: a SIGTERM that reached the
    # child between fork() and then would trip the inherited Python handler, whose flag CPython's
    # after-fork code clears: the signal lost, a terminate() right after start() left a child that
    # ran to exit code 0 (seen on CPython fork). Blocked, it stays pending until unblocked.
    signal.pthread_sigmask(signal.SIG_BLOCK, _TERM)


def _unblock_sigterm():
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _TERM)


def _default_sigterm():
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    except (ValueError, OSError):
        pass  # not the main thread of this child: on_term's own check still applies
    _unblock_sigterm()


def protect_forks():
    """A process forked from the adapter gets the default SIGTERM, and none sent to it is lost
    meanwhile (_block_sigterm)."""
    os.register_at_fork(before=_block_sigterm, after_in_parent=_unblock_sigterm, after_in_child=_default_sigterm)


def main(argv=None):
    opts = parse(argv)
    protocol.setup_stdio()

    adapter_pid = os.getpid()

    def on_term(signum, frame):
        if os.getpid() != adapter_pid:
            # A process forked from the adapter (a scenario's Process) inherited this handler: end as a
            # Python program with the default handler would, killed by SIGTERM (exitcode -15).
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)
            return
        engine = getattr(adapter, "engine", None)
        if engine is not None and engine.running:
            # During a scenario: the implementation's (engine.signalled says why); the run reports it.
            engine.signalled(time.monotonic_ns())
            return
        raise SystemExit(0)

    adapter = None
    signal.signal(signal.SIGTERM, on_term)
    # A process forked from the adapter (a Process, a Pool's workers) gets the default SIGTERM at
    # once: a Python-level handler runs only between bytecodes, so a child stuck in C (a lock
    # inherited held at fork) would never end, and Pool.terminate() would wait for it for ever.
    protect_forks()
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
                if not isinstance(offered, dict):
                    log("the start message lists no primitives: none offered")
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
