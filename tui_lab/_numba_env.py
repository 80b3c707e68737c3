"""Point Numba's on-disk cache at a folder keyed by the kernels' sources, before
any kernel is compiled.

Kernels use `cache=True`. Numba checks a cached kernel only against its own
source file, but the machine code it stores includes the functions the kernel
calls from other files (`vexp`, `optim`): after an edit of `vexp.py` alone, the
LSTM kernels would load from the cache with the old exp inside (this happened
while developing; the results changed only once `lstm.py` itself was edited).
So the cache goes to a folder named after a digest of every kernel file,
`$XDG_CACHE_HOME/tui-lab/numba/<digest>` (or `~/.cache/...`, or the temp
folder when there is no usable home): any change of any kernel recompiles all
of them. Bounds-checked builds (`NUMBA_BOUNDSCHECK=1`, as the tests run) get a
folder of their own. Folders of other digests unused for 30 days are removed.
A `NUMBA_CACHE_DIR` the user set is left alone. This module imports nothing
heavy, and it runs from `tui_lab/__init__.py`, so it always runs before numba
is imported by us.
"""

import hashlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import MutableMapping

PACKAGE_DIR = Path(__file__).resolve().parent
KEEP_SECONDS = 30 * 24 * 3600


def user_cache_dir(env: MutableMapping[str, str]) -> Path:
    """`$XDG_CACHE_HOME/tui-lab/numba`, or `~/.cache/tui-lab/numba`."""
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tui-lab" / "numba"


def kernels_digest(package_dir: Path = PACKAGE_DIR) -> str:
    """A digest of every kernel source file (names and contents)."""
    h = hashlib.sha256()
    for path in sorted((package_dir / "sim" / "kernels").glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def configure_numba_cache(env: MutableMapping[str, str] = os.environ,
                          package_dir: Path = PACKAGE_DIR) -> str | None:
    """Set `NUMBA_CACHE_DIR` (see the module's note); return the folder chosen,
    or None when the user chose one."""
    if env.get("NUMBA_CACHE_DIR"):
        return None
    name = kernels_digest(package_dir)
    if env.get("NUMBA_BOUNDSCHECK") == "1":
        name += "-boundscheck"
    bases = [Path(tempfile.gettempdir()) / f"tui-lab-numba-{os.getuid()}"]
    try:
        bases.insert(0, user_cache_dir(env))
    except RuntimeError:  # no home folder to be found
        pass
    for base in bases:
        folder = base / name
        try:
            folder.mkdir(parents=True, exist_ok=True)
            os.utime(folder)  # marks it used, for the pruning below
        except OSError:
            continue
        _prune(base, keep=name)
        break
    else:
        return None  # nowhere writable: Numba's default, next to the sources
    env["NUMBA_CACHE_DIR"] = str(folder)
    if "numba" in sys.modules and env is os.environ:  # imported before us: tell it too
        from numba.core import config
        config.CACHE_DIR = str(folder)
    return str(folder)


def _prune(base: Path, keep: str) -> None:
    """Remove the other digests' folders in base unused for KEEP_SECONDS."""
    cutoff = time.time() - KEEP_SECONDS
    try:
        entries = list(base.iterdir())
    except OSError:
        return
    for entry in entries:
        try:
            if entry.name != keep and entry.is_dir() and entry.stat().st_mtime < cutoff:
                shutil.rmtree(entry, ignore_errors=True)
        except OSError:
            pass
