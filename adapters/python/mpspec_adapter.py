#!/usr/bin/env python3
"""mpspec adapter for Python multiprocessing-style modules: the launcher of the package mpspec_py
beside this file (spec/protocol/README.md, "The Python adapter"). Standard library only.

    python3 mpspec_adapter.py --module multiprocessing
        [--start-method fork|spawn|forkserver] [--actors processes|threads]
        [--profile multiprocessing|threading] [--no-pool] [--warm N]

One file to copy instead: `npm run build:python-adapter` writes dist/mpspec_adapter.pyz, run as
`python3 mpspec_adapter.pyz --module ...`.
"""

import os
import sys

_here = os.path.dirname(os.path.abspath(__file__))
if _here not in sys.path:
    sys.path.insert(0, _here)

# What earlier versions of this one-file adapter offered to importers (tests, tools).
from mpspec_py.adapter import Adapter  # noqa: E402,F401
from mpspec_py.values import (ScenarioError, decode_value, make_call, qualified_name,  # noqa: E402,F401
                              raised_outcome, returned_outcome)

if __name__ == "__main__":
    from mpspec_py.__main__ import main
    sys.exit(main())
