"""Test-wide settings, applied before any kernel is imported.

Numba does not check array bounds by default (an out-of-range index reads
garbage silently), so the tests compile every kernel with bounds checking, into
a cache of their own so that the checked build never mixes with the normal one.
"""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("NUMBA_BOUNDSCHECK", "1")
if os.environ["NUMBA_BOUNDSCHECK"] == "1":
    os.environ["NUMBA_CACHE_DIR"] = str(
        Path(tempfile.gettempdir()) / f"tui-lab-test-numba-{os.getuid()}")
