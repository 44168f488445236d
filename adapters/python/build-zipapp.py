#!/usr/bin/env python3
"""Build the Python adapter as one file to copy: a zipapp of the package mpspec_py.

    python3 adapters/python/build-zipapp.py [OUT]      (npm run build:python-adapter)
    python3 OUT --module multiprocessing [...]         (the same options as mpspec_adapter.py)

OUT defaults to dist/mpspec_adapter.pyz. Standard library only (zipapp)."""
import os
import shutil
import sys
import tempfile
import zipapp

here = os.path.dirname(os.path.abspath(__file__))
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "..", "dist", "mpspec_adapter.pyz")
os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
with tempfile.TemporaryDirectory() as d:
    shutil.copytree(os.path.join(here, "mpspec_py"), os.path.join(d, "mpspec_py"),
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    zipapp.create_archive(d, out, interpreter="/usr/bin/env python3", main="mpspec_py.__main__:main")
print(os.path.normpath(out))
