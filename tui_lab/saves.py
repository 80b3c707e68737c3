"""Saving a run and resuming it: one `.npz` file, written atomically.

A save holds the scenario's TOML text (so it opens without the original file),
the seed, the session's class, and the session's state: every attribute named
in its `SAVED` tuple (and, inside those, in theirs: the net's weights and
optimiser buffers, an HMM's tables, a history, a random generator's state).
Everything is a plain array, so loading uses `allow_pickle=False`.

Writes go to a temporary file in the same folder, flushed to disk, then
renamed over the target: a reader (or a crash, or kill -9) sees the old file
or the new one, never half of one.
"""

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from tui_lab.scenario import parse_scenario
from tui_lab.sim.session import History, Session, Status, open_session

SAVE_FORMAT = 1
STATE = "state/"


class SaveError(ValueError):
    """A save that cannot be written or read; the message names the file and key."""

    def __init__(self, source: str, key: str, message: str) -> None:
        self.source, self.key, self.message = source, key, message
        super().__init__(f"{source}: {key}: {message}" if key else f"{source}: {message}")


def atomic_write(path: str | Path, write) -> Path:
    """Call write(binary file) on a temporary file beside `path`, then rename it
    into place (see module docstring). Returns the path."""
    path = Path(path).expanduser()
    folder = path.resolve().parent
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        os.chmod(tmp, _mode_for(path))
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _mode_for(path: Path) -> int:
    """The file's own permissions if it exists, else what the umask allows (a
    temporary file starts private, which a save should not stay)."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def atomic_savez(path: str | Path, arrays: dict[str, np.ndarray]) -> Path:
    return atomic_write(path, lambda fh: np.savez(fh, **arrays))


# ------------------------------------------------------------------ state
def _get(obj: Any, name: str) -> Any:
    return obj[name] if isinstance(obj, dict) else getattr(obj, name)


def encode(obj: Any, prefix: str = "") -> dict[str, np.ndarray]:
    """The arrays that stand for `obj`'s SAVED attributes, by dotted name."""
    out: dict[str, np.ndarray] = {}
    for name in obj.SAVED:
        value, key = _get(obj, name), prefix + name
        if hasattr(value, "SAVED"):
            out.update(encode(value, key + "."))
        elif isinstance(value, dict):
            for k, v in value.items():
                out[f"{key}.{k}"] = np.asarray(v)
        elif isinstance(value, History):
            out.update({f"{key}.{k}": v for k, v in value.state().items()})
        elif isinstance(value, np.random.Generator):
            out[key] = np.array(json.dumps(value.bit_generator.state))
        elif isinstance(value, Status):
            out[key] = np.array(value.value)
        else:
            out[key] = np.asarray(value)
    return out


def decode(obj: Any, arrays: dict[str, np.ndarray], source: str, prefix: str = "") -> None:
    """Put saved arrays back into `obj`, checking names and shapes."""
    def need(key: str) -> np.ndarray:
        if key not in arrays:
            raise SaveError(source, STATE + key, "missing from the save")
        return arrays[key]

    for name in obj.SAVED:
        current, key = _get(obj, name), prefix + name
        if hasattr(current, "SAVED"):
            decode(current, arrays, source, key + ".")
            continue
        if isinstance(current, dict):
            new = {k: need(f"{key}.{k}").copy() for k in current}
        elif isinstance(current, History):
            current.set_state({k[len(key) + 1:]: v for k, v in arrays.items()
                               if k.startswith(key + ".")})
            continue
        elif isinstance(current, np.random.Generator):
            current.bit_generator.state = json.loads(str(need(key)))
            continue
        elif isinstance(current, Status):
            new = Status(str(need(key)))
        elif isinstance(current, np.ndarray):
            new = need(key)
            if new.shape != current.shape:
                raise SaveError(source, STATE + key, f"expected shape {current.shape}, "
                                f"found {new.shape}")
            new = new.astype(current.dtype, copy=True)
        elif isinstance(current, tuple):
            new = tuple(need(key).tolist())
        else:
            new = type(current)(need(key).item()) if current is not None else need(key).item()
        if isinstance(obj, dict):
            obj[name] = new
        else:
            setattr(obj, name, new)


# ------------------------------------------------------------------- files
def save_session(session: Session, path: str | Path) -> Path:
    """Write the session's scenario and state to `path` (.npz) atomically."""
    if not getattr(session, "SAVED", ()):
        raise SaveError(str(path), "", f"a {session.scenario.model_kind!r} run has nothing "
                        "of its own to save")
    if not session.scenario.text:
        raise SaveError(str(path), "", "this run's scenario has no text to save with it")
    arrays = {"tui_lab_save": np.array(SAVE_FORMAT),
              "scenario_toml": np.array(session.scenario.text),
              "session_class": np.array(type(session).__name__),
              "seed": np.array(session.seed)}
    arrays.update({STATE + k: v for k, v in encode(session).items()})
    try:
        return atomic_savez(path, arrays)
    except OSError as exc:
        raise SaveError(str(path), "", f"cannot write: {exc.strerror or exc}") from None


def load_session(path: str | Path) -> Session:
    """Rebuild a saved session: its scenario, fresh data from its seed, then its state."""
    source = str(path)
    path = Path(path).expanduser()
    try:
        with open(path, "rb") as fh:
            if fh.read(4) != b"PK\x03\x04":
                raise SaveError(source, "", "not a tui-lab save: expected an .npz file "
                                "(a zip archive of arrays)")
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except FileNotFoundError:
        raise SaveError(source, "", "no such file") from None
    except IsADirectoryError:
        raise SaveError(source, "", "expected a .npz save file, found a directory") from None
    except PermissionError:
        raise SaveError(source, "", "permission denied (cannot read the file)") from None
    except (OSError, ValueError, EOFError) as exc:
        raise SaveError(source, "", f"not a tui-lab save (.npz) ({exc})") from None
    for key in ("tui_lab_save", "scenario_toml", "session_class", "seed"):
        if key not in arrays:
            raise SaveError(source, key, "missing: not a tui-lab save")
    if int(arrays["tui_lab_save"]) != SAVE_FORMAT:
        raise SaveError(source, "tui_lab_save", f"format {int(arrays['tui_lab_save'])}; "
                        f"this tui-lab reads format {SAVE_FORMAT}")
    scenario = parse_scenario(str(arrays["scenario_toml"]), f"{source} (its scenario)")
    session = open_session(scenario, int(arrays["seed"]))
    if type(session).__name__ != str(arrays["session_class"]):
        raise SaveError(source, "session_class", f"saved by {arrays['session_class']}, "
                        f"but the scenario runs {type(session).__name__}")
    state = {k[len(STATE):]: v for k, v in arrays.items() if k.startswith(STATE)}
    try:
        decode(session, state, source)
    except (ValueError, TypeError, KeyError) as exc:
        raise SaveError(source, "state", f"does not fit this scenario ({exc})") from None
    session.after_load()
    return session


def export_csv(snapshot, path: str | Path) -> Path:
    """The snapshot's chart histories as CSV (updates, then one column per series),
    written atomically. Raises SaveError when there is nothing to export."""
    if len(snapshot.history_x) == 0:
        raise SaveError(str(path), "", "no history yet: train first, then export")
    names = list(snapshot.history)
    rows = [",".join(["updates", *(f'"{n}"' for n in names)])]
    for i, x in enumerate(snapshot.history_x):
        rows.append(",".join([f"{x:.10g}", *(f"{snapshot.history[n][i]:.10g}" for n in names)]))
    text = "\n".join(rows) + "\n"
    try:
        return atomic_write(path, lambda fh: fh.write(text.encode("utf-8")))
    except OSError as exc:
        raise SaveError(str(path), "", f"cannot write: {exc.strerror or exc}") from None


__all__ = ["export_csv", "SaveError", "atomic_savez", "atomic_write", "load_session",
           "save_session"]
