"""Numba's cache folder: keyed by every kernel source, in the user's cache folder
(or the temp folder), pruned of old digests; the user's NUMBA_CACHE_DIR wins."""

import os
import time
from pathlib import Path

from tui_lab._numba_env import KEEP_SECONDS, configure_numba_cache, kernels_digest


def _package(root: Path) -> Path:
    kernels = root / "pkg" / "sim" / "kernels"
    kernels.mkdir(parents=True)
    (kernels / "lstm.py").write_text("from vexp import exp\n")
    (kernels / "vexp.py").write_text("def exp(x): return 1 + x\n")
    return root / "pkg"


def test_cache_folder_is_keyed_by_every_kernel_source(tmp_path):
    """Numba checks a cached kernel against its own file only; editing a file it
    calls into (vexp.py) must move the whole cache."""
    pkg = _package(tmp_path)
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    first = configure_numba_cache(env, pkg)
    assert first == str(tmp_path / "cache" / "tui-lab" / "numba" / kernels_digest(pkg))
    assert env["NUMBA_CACHE_DIR"] == first and Path(first).is_dir()
    (pkg / "sim" / "kernels" / "vexp.py").write_text("def exp(x): return 1 + x + x * x / 2\n")
    second = configure_numba_cache({"XDG_CACHE_HOME": env["XDG_CACHE_HOME"]}, pkg)
    assert second != first and Path(second).parent == Path(first).parent
    checked = configure_numba_cache({"XDG_CACHE_HOME": env["XDG_CACHE_HOME"],
                                     "NUMBA_BOUNDSCHECK": "1"}, pkg)
    assert checked == second + "-boundscheck"  # checked builds never mix with normal ones


def test_digests_unused_for_30_days_are_removed(tmp_path):
    pkg = _package(tmp_path)
    base = tmp_path / "cache" / "tui-lab" / "numba"
    old, recent = base / "0123456789abcdef", base / "fedcba9876543210"
    for folder, age in ((old, KEEP_SECONDS + 3600), (recent, KEEP_SECONDS - 3600)):
        (folder / "deep").mkdir(parents=True)
        (folder / "deep" / "k.nbi").write_bytes(b"cached")
        os.utime(folder, (time.time() - age, time.time() - age))
    chosen = configure_numba_cache({"XDG_CACHE_HOME": str(tmp_path / "cache")}, pkg)
    assert not old.exists() and recent.exists() and Path(chosen).is_dir()


def test_users_choice_wins(tmp_path):
    env = {"NUMBA_CACHE_DIR": "/somewhere"}
    assert configure_numba_cache(env, _package(tmp_path)) is None
    assert env["NUMBA_CACHE_DIR"] == "/somewhere"


def _suffix() -> str:
    return "-boundscheck" if os.environ.get("NUMBA_BOUNDSCHECK") == "1" else ""


def test_an_install_caches_in_the_user_folder_not_beside_its_sources(tmp_path):
    """A copy of the package, as pip installs it, compiles into the user's cache
    folder (so a read-only install works) and writes nothing into itself."""
    import os
    import shutil
    import subprocess
    import sys
    import tui_lab

    src = Path(tui_lab.__file__).parent
    dest = tmp_path / "site" / "tui_lab"
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("__pycache__", "*.nbi", "*.nbc"))
    # Shipped scenarios live in the package as tui_lab/scenarios in an install.
    root = Path(__file__).resolve().parents[1]
    shutil.copytree(root / "scenarios", dest / "scenarios")
    code = ("import os, tui_lab._numba_env as e;"
            "os.environ.pop('NUMBA_CACHE_DIR', None);"
            "print(e.configure_numba_cache());"
            "from tui_lab.sim.adder import AdderSession; AdderSession.warmup()")
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env.update(PYTHONPATH=str(tmp_path / "site"), XDG_CACHE_HOME=str(tmp_path / "xdg"))
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    cache = tmp_path / "xdg" / "tui-lab" / "numba" / (kernels_digest(dest) + _suffix())
    assert proc.stdout.strip() == str(cache)
    assert list(cache.rglob("*.nbi")), "the kernels were not cached in the user folder"
    assert not list(dest.rglob("*.nbi")), "the install wrote a cache beside its sources"


def test_read_only_home_and_install_fall_back_to_the_temp_folder(tmp_path):
    """No usable home: the cache goes to the temp folder, and a session still
    compiles and trains."""
    import os
    import subprocess
    import sys

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the home folder should be")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    code = ("import os, tui_lab._numba_env as e;"
            "os.environ.pop('NUMBA_CACHE_DIR', None);"
            "print(e.configure_numba_cache());"
            "from tui_lab.sim.session import open_session;"
            "from tui_lab.scenario import resolve_scenario;"
            "s = open_session(resolve_scenario('adder')); s.warmup(); s.train(100);"
            "print(s.updates)")
    env = {k: v for k, v in os.environ.items()
           if k not in ("NUMBA_CACHE_DIR", "XDG_CACHE_HOME")}
    env.update(HOME=str(blocker / "home"), TMPDIR=str(tmp))
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=300, cwd=tmp_path, check=False)
    assert proc.returncode == 0, proc.stderr
    folder, updates = proc.stdout.split()
    expected = tmp / f"tui-lab-numba-{os.getuid()}" / (kernels_digest() + _suffix())
    assert folder == str(expected) and updates == "100"
