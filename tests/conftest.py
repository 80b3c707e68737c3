"""Test-wide settings, applied before any kernel is imported.

Numba does not check array bounds by default (an out-of-range index reads
garbage silently), so the tests compile every kernel with bounds checking; the
checked build gets a cache folder of its own (`tui_lab._numba_env`), so it never
mixes with the normal one.
"""

import os

os.environ.setdefault("NUMBA_BOUNDSCHECK", "1")
