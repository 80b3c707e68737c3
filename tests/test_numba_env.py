"""Numba's cache goes to the user's cache folder when the package folder is read-only."""

from pathlib import Path

from tui_lab._numba_env import configure_numba_cache


def test_read_only_package_uses_user_cache(tmp_path):
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    chosen = configure_numba_cache(env, tmp_path / "pkg", writable=lambda p: False)
    assert chosen == str(tmp_path / "cache" / "tui-lab" / "numba")
    assert env["NUMBA_CACHE_DIR"] == chosen and Path(chosen).is_dir()


def test_writable_package_keeps_numba_default(tmp_path):
    env: dict = {}
    assert configure_numba_cache(env, tmp_path, writable=lambda p: True) is None
    assert "NUMBA_CACHE_DIR" not in env


def test_users_choice_wins(tmp_path):
    env = {"NUMBA_CACHE_DIR": "/somewhere"}
    assert configure_numba_cache(env, tmp_path, writable=lambda p: False) is None
    assert env["NUMBA_CACHE_DIR"] == "/somewhere"


def test_read_only_install_runs_in_a_subprocess(tmp_path):
    """A copy of the package in a folder the process may not write still runs."""
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
            "e.os.access = lambda p, m: False;"  # root can write anywhere: pretend not
            "os.environ.pop('NUMBA_CACHE_DIR', None);"
            "print(e.configure_numba_cache());"
            "from tui_lab.sim.adder import AdderSession; AdderSession.warmup()")
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env.update(PYTHONPATH=str(tmp_path / "site"), XDG_CACHE_HOME=str(tmp_path / "xdg"))
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    cache = tmp_path / "xdg" / "tui-lab" / "numba"
    assert proc.stdout.strip() == str(cache)
    assert list(cache.rglob("*.nbi")), "the kernels were not cached in the user folder"


def test_read_only_home_and_install_fall_back_to_the_temp_folder(tmp_path):
    """No writable package folder and no usable home: the cache goes to the temp
    folder, and a session still compiles and trains (then the app's CLI runs)."""
    import os
    import subprocess
    import sys

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the home folder should be")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    code = ("import os, tui_lab._numba_env as e;"
            "e.os.access = lambda p, m: False;"
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
    assert folder == str(tmp / f"tui-lab-numba-{os.getuid()}") and updates == "100"
