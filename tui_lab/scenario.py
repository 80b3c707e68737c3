"""Scenario files: TOML data loaded into frozen dataclasses and validated on load.

A scenario names a model, a task and how to train, plus the lecture sections it
teaches and notes for the student. Nothing in a file is ever executed: it is read
with `tomllib` and checked field by field against the dataclasses of
`tui_lab.specs`. Every problem raises `ScenarioError`, whose message names the
file, the key path and what was expected.
"""

import dataclasses
import difflib
import math
import re
import tomllib
import typing
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from tui_lab.specs import MODEL_SPECS, TASK_SPECS, TrainingSpec

MAX_FILE_BYTES = 1 << 20
DEFAULT_SCENARIO = "adder"
COMPATIBLE_TASKS = {"rnn": ("binary_addition", "delay"), "lstm": ("delay",),
                    "ffn": ("binary_addition",), "memory_cell": ("given",),
                    "lstm_file": ("given",), "hmm": ("casino", "regimes"),
                    "memory_sweep": ("kbits",),
                    "lds": ("tracking", "oscillator")}
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_SECTION_RE = re.compile(r"^7[a-e]-\d\d$")


class ScenarioError(Exception):
    """A scenario file that cannot be used; the message says where and why."""

    def __init__(self, source: str, key: str, message: str) -> None:
        self.source, self.key, self.message = source, key, message
        where = f"{source}: {key}" if key else source
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Scenario:
    """One validated scenario file."""

    name: str
    title: str
    sections: tuple[str, ...]
    notes: str
    model_kind: str
    model: Any  # an instance of MODEL_SPECS[model_kind]
    task_kind: str
    task: Any  # an instance of TASK_SPECS[task_kind]
    training: TrainingSpec
    source: str = "<string>"
    text: str = ""  # the TOML it was read from (a save carries it)

    def with_training(self, **changes: Any) -> "Scenario":
        """A copy with some training settings changed (for --seed, --updates)."""
        training = dataclasses.replace(self.training, **changes)
        return dataclasses.replace(self, training=training)

    def with_model(self, **changes: Any) -> "Scenario":
        """A copy with some model settings changed (unchecked: for tests and tools;
        it no longer matches its file's text, so it cannot be saved)."""
        return dataclasses.replace(self, model=dataclasses.replace(self.model, **changes),
                                   text="")

    def with_task(self, **changes: Any) -> "Scenario":
        """A copy with some task settings changed (unchecked: for tests and tools;
        it no longer matches its file's text, so it cannot be saved)."""
        return dataclasses.replace(self, task=dataclasses.replace(self.task, **changes),
                                   text="")


def _type_name(tp: Any) -> str:
    if typing.get_origin(tp) is tuple:
        inner = typing.get_args(tp)[0]
        return "a list of " + {int: "integers", float: "numbers", str: "strings"}[inner]
    return {int: "an integer", float: "a number", bool: "true or false",
            str: "a string"}[tp]


def _check_scalar(value: Any, tp: Any, meta: dict, source: str, key: str) -> Any:
    ok = {
        bool: isinstance(value, bool),
        int: isinstance(value, int) and not isinstance(value, bool),
        float: isinstance(value, (int, float)) and not isinstance(value, bool),
        str: isinstance(value, str),
    }[tp]
    lo, hi, choices = meta.get("min"), meta.get("max"), meta.get("choices") or ()
    expected = _type_name(tp)
    if lo is not None and hi is not None:
        expected += f" from {lo:g} to {hi:g}"
    if choices:
        expected = "one of " + ", ".join(repr(c) for c in choices)
    if not ok:
        raise ScenarioError(source, key, f"expected {expected}, got {value!r}")
    if tp is float:
        value = float(value)
        if not math.isfinite(value):
            raise ScenarioError(source, key, f"expected {expected}, got {value!r}")
    if choices and value not in choices:
        hint = difflib.get_close_matches(str(value), [str(c) for c in choices], 1)
        extra = f" (did you mean {hint[0]!r}?)" if hint else ""
        raise ScenarioError(source, key, f"expected {expected}, got {value!r}{extra}")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ScenarioError(source, key, f"expected {expected}, got {value!r}"
                            + (" (over the limit)" if hi is not None and value > hi else ""))
    return value


def _check_value(value: Any, tp: Any, meta: dict, source: str, key: str) -> Any:
    if typing.get_origin(tp) is tuple:
        if not isinstance(value, list):
            raise ScenarioError(source, key, f"expected {_type_name(tp)}, got {value!r}")
        if len(value) > 64:
            raise ScenarioError(source, key, "expected at most 64 items")
        inner = typing.get_args(tp)[0]
        return tuple(_check_scalar(v, inner, meta, source, f"{key}[{i}]")
                     for i, v in enumerate(value))
    return _check_scalar(value, tp, meta, source, key)


def _unknown_key(key: str, known: list[str], source: str, path: str) -> ScenarioError:
    hint = difflib.get_close_matches(key, known, 1)
    extra = f"; did you mean {hint[0]!r}?" if hint else f"; known keys: {', '.join(known)}"
    return ScenarioError(source, f"{path}{key}", f"unknown key{extra}")


def _build(cls: type, table: Any, source: str, path: str, skip: tuple = ()) -> Any:
    """Validate a TOML table against a spec dataclass and build it."""
    if not isinstance(table, dict):
        raise ScenarioError(source, path.rstrip("."), f"expected a table, got {table!r}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for key in table:
        if key not in fields and key not in skip:
            raise _unknown_key(key, sorted(fields) + list(skip), source, path)
    values = {}
    for name, f in fields.items():
        if name in table:
            values[name] = _check_value(table[name], hints[name], dict(f.metadata),
                                        source, f"{path}{name}")
        elif f.default is dataclasses.MISSING:
            raise ScenarioError(source, f"{path}{name}", "missing required key")
    return cls(**values)


def _kind(table: Any, registry: dict, source: str, section: str) -> str:
    if not isinstance(table, dict):
        raise ScenarioError(source, section, f"expected a table, got {table!r}")
    kind = table.get("kind")
    if kind is None:
        raise ScenarioError(source, f"{section}.kind", "missing required key "
                            f"(one of {', '.join(map(repr, registry))})")
    return _check_scalar(kind, str, {"choices": tuple(registry)}, source, f"{section}.kind")


_TOP_KEYS = ["name", "title", "sections", "notes", "model", "task", "training"]


def _top_string(data: dict, key: str, source: str, pattern: re.Pattern | None = None,
                what: str = "", default: str | None = None) -> str:
    if key not in data:
        if default is not None:
            return default
        raise ScenarioError(source, key, "missing required key")
    value = data[key]
    if not isinstance(value, str) or (pattern and not pattern.match(value)):
        raise ScenarioError(source, key, f"expected {what or 'a string'}, got {value!r}")
    if len(value) > 20_000:
        raise ScenarioError(source, key, "expected at most 20000 characters")
    return value


def parse_scenario(text: str, source: str = "<string>") -> Scenario:
    """Validate scenario TOML text; `source` names the file in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(source, "", f"not valid TOML: {exc}") from None
    for key in data:
        if key not in _TOP_KEYS:
            raise _unknown_key(key, _TOP_KEYS, source, "")
    name = _top_string(data, "name", source, _NAME_RE,
                       "a short lowercase name like 'adder-3' (letters, digits, - and _)")
    title = _top_string(data, "title", source)
    notes = _top_string(data, "notes", source, default="")
    sections = data.get("sections")
    if (not isinstance(sections, list) or not sections
            or not all(isinstance(s, str) and _SECTION_RE.match(s) for s in sections)):
        raise ScenarioError(source, "sections", "expected a non-empty list of lecture "
                            f"sections like \"7c-04\", got {sections!r}")
    for section in ("model", "task"):
        if section not in data:
            raise ScenarioError(source, section, "missing required table")
    model_kind = _kind(data["model"], MODEL_SPECS, source, "model")
    task_kind = _kind(data["task"], TASK_SPECS, source, "task")
    if task_kind not in COMPATIBLE_TASKS.get(model_kind, ()):
        raise ScenarioError(source, "task.kind", f"a {model_kind!r} model cannot run "
                            f"task {task_kind!r}; expected one of "
                            f"{', '.join(map(repr, COMPATIBLE_TASKS[model_kind]))}")
    model = _build(MODEL_SPECS[model_kind], data["model"], source, "model.", ("kind",))
    task = _build(TASK_SPECS[task_kind], data["task"], source, "task.", ("kind",))
    training = _build(TrainingSpec, data.get("training", {}), source, "training.")
    for key, message in getattr(model, "check_task", lambda t: [])(task):
        raise ScenarioError(source, key, message)
    offered = getattr(model, "OPTIMIZERS", ("sgd",))
    if training.optimizer not in offered:
        raise ScenarioError(source, "training.optimizer", f"a {model_kind!r} model offers "
                            f"{', '.join(map(repr, offered))}; got {training.optimizer!r}")
    return Scenario(name, title, tuple(sections), notes, model_kind, model,
                    task_kind, task, training, source, text)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; every failure is a `ScenarioError`."""
    path = Path(path)
    source = str(path)
    try:
        if path.is_dir():
            raise ScenarioError(source, "", "expected a scenario file, found a directory")
        with path.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except ScenarioError:
        raise
    except FileNotFoundError:
        raise ScenarioError(source, "", "no such file") from None
    except PermissionError:
        raise ScenarioError(source, "", "permission denied (cannot read the file)") from None
    except OSError as exc:
        raise ScenarioError(source, "", f"cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError(source, "", f"file is larger than {MAX_FILE_BYTES // 1024} KiB; "
                            "a scenario is a short TOML file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(source, "", "not a text file (expected UTF-8 TOML)") from None
    return parse_scenario(text, source)


def _scenario_folder() -> Path:
    """Installed: the package `tui_lab.scenarios`; in a source checkout: `scenarios/`."""
    try:
        return Path(str(resources.files("tui_lab.scenarios")))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / "scenarios"


def builtin_scenario_paths() -> list[Path]:
    """The scenario files shipped with tui-lab, sorted by name."""
    return sorted(_scenario_folder().glob("*.toml"), key=lambda p: p.name)


def builtin_scenarios() -> list[Scenario]:
    """Every shipped scenario, loaded (they are tested to be valid)."""
    return [load_scenario(p) for p in builtin_scenario_paths()]


def resolve_scenario(name_or_path: str) -> Scenario:
    """Load a scenario by file path, or by the name of a shipped scenario."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists() or "/" in name_or_path:
        return load_scenario(path)
    names = {p.stem: p for p in builtin_scenario_paths()}
    if name_or_path in names:
        return load_scenario(names[name_or_path])
    hint = difflib.get_close_matches(name_or_path, list(names), 1)
    extra = f"; did you mean {hint[0]!r}?" if hint else ""
    raise ScenarioError(name_or_path, "", "no such scenario file or shipped scenario "
                        f"(see `tui-lab list`){extra}")
