"""Scenario files: good ones load, bad ones give one clear ScenarioError."""

from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from tui_lab.scenario import (ScenarioError, builtin_scenario_paths, builtin_scenarios,
                              load_scenario, parse_scenario, resolve_scenario)

ROOT = Path(__file__).resolve().parents[1]
GOOD = (ROOT / "scenarios" / "adder.toml").read_text()


def _with(old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new, 1)


BAD = [
    # (text, key named in the message, what the message says)
    ("name = 'x'\ntitle = ", "", "not valid TOML"),
    ("", "name", "missing required key"),
    (_with('name = "adder"', 'name = "Adder Net"'), "name", "short lowercase name"),
    (_with('name = "adder"', 'nmae = "adder"'), "nmae", "did you mean 'name'?"),
    (_with('sections = ["7c-03", "7c-04", "7c-05", "7c-06"]', 'sections = ["week 7"]'),
     "sections", "lecture sections like"),
    (_with("hidden = 3", "hiden = 3"), "model.hiden", "did you mean 'hidden'?"),
    (_with("hidden = 3", "hidden = 1000000000"), "model.hidden",
     "expected an integer from 1 to 512, got 1000000000 (over the limit)"),
    (_with("hidden = 3", 'hidden = "3"'), "model.hidden", "expected an integer"),
    (_with("hidden = 3", "hidden = 3.5"), "model.hidden", "expected an integer"),
    (_with("hidden = 3", "hidden = true"), "model.hidden", "expected an integer"),
    (_with("learn_initial_state = true", "learn_initial_state = 1"),
     "model.learn_initial_state", "expected true or false"),
    (_with('kind = "rnn"', 'kind = "rnm"'), "model.kind", "did you mean 'rnn'?"),
    (_with('kind = "rnn"', 'flavour = "rnn"'), "model.kind", "missing required key"),
    (_with("updates = 2000000", "updates = 1000000000000"), "training.updates",
     "over the limit"),
    (_with("learning_rate = 0.05", "learning_rate = nan"), "training.learning_rate",
     "expected a number from"),
    (_with("learning_rate = 0.05", "learning_rate = -1"), "training.learning_rate",
     "expected a number from"),
    (_with('optimizer = "sgd"', 'optimizer = "adma"'), "training.optimizer",
     "expected one of 'sgd'"),
    (_with("test_lengths = [16, 32, 64]", "test_lengths = [16, 128]"),
     "task.test_lengths[1]", "from 1 to 64"),
    (_with("test_lengths = [16, 32, 64]", "test_lengths = 16"), "task.test_lengths",
     "a list of integers"),
    (_with("[training]", "training = 3\n[trainingx]"), "trainingx", "unknown key"),
    (GOOD.replace("[task]", "[tasks]"), "tasks", "did you mean 'task'?"),
    (GOOD + "\n[extra]\nx = 1\n", "extra", "unknown key"),
    (GOOD.split("[task]")[0], "task", "missing required table"),
]


@pytest.mark.parametrize("text,key,expected", BAD, ids=[f"{i}-{b[1]}" for i, b in enumerate(BAD)])
def test_bad_scenarios_name_file_key_and_expectation(text, key, expected):
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "bad.toml")
    assert info.value.source == "bad.toml"
    assert info.value.key == key
    assert expected in str(info.value)
    assert str(info.value).startswith(f"bad.toml: {key}" if key else "bad.toml: ")


def test_bad_files(tmp_path):
    cases = {
        "missing.toml": (None, "no such file"),
        "binary.toml": (b"\x00\xff\xfe garbage", "not a text file"),
        "huge.toml": (b"# x\n" * 300_000, "larger than 1024 KiB"),
        "empty.toml": (b"", "missing required key"),
    }
    for name, (content, expected) in cases.items():
        path = tmp_path / name
        if content is not None:
            path.write_bytes(content)
        with pytest.raises(ScenarioError, match=expected) as info:
            load_scenario(path)
        assert str(path) in str(info.value)
    with pytest.raises(ScenarioError, match="found a directory"):
        load_scenario(tmp_path)


def test_unreadable_file(tmp_path, monkeypatch):
    path = tmp_path / "locked.toml"
    path.write_text(GOOD)

    def deny(self, *args, **kwargs):  # root reads any file, so deny by hand
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", deny)
    with pytest.raises(ScenarioError, match="permission denied") as info:
        load_scenario(path)
    assert str(path) in str(info.value)


def test_shipped_scenarios_are_valid_and_named_after_their_files():
    paths = builtin_scenario_paths()
    assert paths, "no scenarios shipped"
    for path, scenario in zip(paths, builtin_scenarios()):
        assert scenario.name == path.stem
        assert scenario.notes.strip() and scenario.sections


def test_resolve_by_name_and_by_path():
    assert resolve_scenario("adder").name == "adder"
    assert resolve_scenario(str(ROOT / "scenarios" / "adder.toml")).model.hidden == 3
    with pytest.raises(ScenarioError, match="did you mean 'adder'"):
        resolve_scenario("addr")


def test_values_load_into_frozen_dataclasses():
    s = parse_scenario(GOOD, "x.toml")
    assert s.model.hidden == 3 and s.task.test_lengths == (16, 32, 64)
    assert isinstance(s.training.learning_rate, float)
    with pytest.raises(AttributeError):
        s.model.hidden = 4  # frozen
    assert s.with_training(seed=9).training.seed == 9 and s.training.seed != 9


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_raise_only_scenario_errors(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "f.toml"
    path.write_bytes(data)
    try:
        load_scenario(path)
    except ScenarioError:
        pass


_toml_values = st.recursive(
    st.none().map(lambda _: 0) | st.booleans() | st.integers() | st.floats()
    | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)


def _to_toml(d: dict) -> str:
    import json
    lines = []
    for key, value in d.items():
        if isinstance(value, dict):
            continue
        lines.append(f"{json.dumps(key)} = {_toml_literal(value)}")
    for key, value in d.items():
        if isinstance(value, dict):
            lines.append(f"[{json.dumps(key)}]")
            lines += [f"{json.dumps(k)} = {_toml_literal(v)}" for k, v in value.items()
                      if not isinstance(v, dict)]
    return "\n".join(lines)


def _toml_literal(v) -> str:
    import json
    import math
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_literal(x) for x in v if not isinstance(x, dict)) + "]"
    if isinstance(v, dict):
        return "{}"
    return json.dumps(v)


_structured = st.fixed_dictionaries(
    {}, optional={"name": _toml_values, "title": _toml_values, "sections": _toml_values,
                  "model": st.dictionaries(st.sampled_from(["kind", "hidden", "init_scale",
                                                            "learn_initial_state"]),
                                           _toml_values | st.just("rnn"), max_size=4),
                  "task": st.dictionaries(st.sampled_from(["kind", "bits", "test_lengths"]),
                                          _toml_values | st.just("binary_addition")),
                  "training": st.dictionaries(st.text(max_size=12), _toml_values)})


@settings(max_examples=300, deadline=None)
@given(_structured)
def test_arbitrary_toml_raises_only_scenario_errors(doc):
    try:
        parse_scenario(_to_toml(doc), "fuzz.toml")
    except ScenarioError:
        pass
