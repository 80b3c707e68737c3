"""Point Numba's on-disk cache somewhere writable before any kernel is compiled.

Kernels use `cache=True`. Numba caches next to the source by default; in a
read-only install that fails at import ("no locator available"). When the user
has not chosen `NUMBA_CACHE_DIR` and the package folder is not writable, use the
user's cache folder instead. This module imports nothing heavy, and it runs from
`tui_lab/__init__.py`, so it always runs before numba is imported by us.
"""

import os
import sys
from pathlib import Path
from typing import Callable, MutableMapping

PACKAGE_DIR = Path(__file__).resolve().parent


def user_cache_dir(env: MutableMapping[str, str]) -> Path:
    """`$XDG_CACHE_HOME/tui-lab/numba`, or `~/.cache/tui-lab/numba`."""
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tui-lab" / "numba"


def configure_numba_cache(
    env: MutableMapping[str, str] = os.environ,
    package_dir: Path = PACKAGE_DIR,
    writable: Callable[[Path], bool] = lambda p: os.access(p, os.W_OK),
) -> str | None:
    """Set `NUMBA_CACHE_DIR` if needed; return the folder chosen, or None."""
    if env.get("NUMBA_CACHE_DIR") or writable(package_dir / "sim" / "kernels"):
        return None
    folder = user_cache_dir(env)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        import tempfile
        folder = Path(tempfile.gettempdir()) / f"tui-lab-numba-{os.getuid()}"
        folder.mkdir(parents=True, exist_ok=True)
    env["NUMBA_CACHE_DIR"] = str(folder)
    if "numba" in sys.modules and env is os.environ:  # imported before us: tell it too
        from numba.core import config
        config.CACHE_DIR = str(folder)
    return str(folder)
