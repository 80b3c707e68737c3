"""Saves: every shipped scenario round-trips, resumes exactly, survives kill -9,
and a bad file gets a one-line error naming it."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tui_lab.saves import SaveError, export_csv, load_session, save_session
from tui_lab.scenario import ScenarioError, builtin_scenarios, resolve_scenario
from tui_lab.sim.session import open_session

NAMES = [s.name for s in builtin_scenarios()]


def _same(a, b) -> bool:
    ok = a.updates == b.updates and a.status == b.status and a.seed == b.seed
    ok &= np.array_equal(a.history_x, b.history_x)
    ok &= all(np.allclose(a.history[k], b.history[k], equal_nan=True) for k in a.history)
    ok &= a.params.keys() == b.params.keys()
    return ok and all(np.array_equal(a.params[k], b.params[k]) for k in a.params)


@pytest.mark.parametrize("name", NAMES)
def test_a_saved_run_resumes_where_it_stopped(name, tmp_path):
    s = open_session(resolve_scenario(name))
    s.warmup()
    if not s.done:
        s.train(120)
    path = save_session(s, tmp_path / "run.npz")
    r = load_session(path)
    assert type(r) is type(s) and r.scenario.name == name
    assert _same(s.snapshot(), r.snapshot())
    if not s.done and name != "hmm-kbits":  # (the sweep restarts its fit in progress)
        s.train(150)
        r.train(150)  # the same updates from the same state: the same numbers
        assert _same(s.snapshot(), r.snapshot())
        assert s.snapshot().metrics.keys() == r.snapshot().metrics.keys()


def test_the_memory_cells_edits_are_kept(tmp_path):
    s = open_session(resolve_scenario("memory-cell"))
    s.edit("keep", 3, -0.5)
    r = load_session(save_session(s, tmp_path / "cell.npz"))
    assert r.values["keep"][3] == s.values["keep"][3] != resolve_scenario(
        "memory-cell").model.keep[3]


def test_a_scenario_changed_in_code_is_not_saved_as_its_file(tmp_path):
    sc = resolve_scenario("hmm-kbits").with_model(states=2)
    with pytest.raises(SaveError, match="no text to save"):
        save_session(open_session(sc), tmp_path / "x.npz")


def test_a_sweep_save_restores_its_tables(tmp_path):
    s = open_session(resolve_scenario("hmm-kbits"))
    while s.job_index < 3:
        s.train(200)
    r = load_session(save_session(s, tmp_path / "sweep.npz"))
    assert r.job_index == 3
    np.testing.assert_array_equal(r.hmm_recall, s.hmm_recall)
    assert not np.isnan(r.hmm_recall[0, :3]).any()


def _corrupt(tmp_path, **changes) -> Path:
    s = open_session(resolve_scenario("adder"))
    s.train(10)
    good = save_session(s, tmp_path / "good.npz")
    with np.load(good, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    for k, v in changes.items():
        if v is None:
            del arrays[k.replace("__", "/")]
        else:
            arrays[k.replace("__", "/")] = v
    bad = tmp_path / "bad.npz"
    np.savez(bad, **arrays)
    return bad


def test_bad_saves_are_named_with_the_key(tmp_path):
    cases = [
        ({"state__net.theta": np.zeros(5)}, "state/net.theta: expected shape"),
        ({"state__net.velocity": None}, "state/net.velocity: missing from the save"),
        ({"tui_lab_save": np.array(99)}, "tui_lab_save: format 99"),
        ({"scenario_toml": None}, "scenario_toml: missing: not a tui-lab save"),
        ({"session_class": np.array("DelaySession")}, "session_class: saved by DelaySession"),
    ]
    for changes, message in cases:
        with pytest.raises(SaveError, match=message):
            load_session(_corrupt(tmp_path, **changes))
    with pytest.raises(ScenarioError, match=r"bad.npz \(its scenario\): model.hidden"):
        text = resolve_scenario("adder").text.replace("hidden = 3", "hidden = -1")
        load_session(_corrupt(tmp_path, scenario_toml=np.array(text)))


def test_files_that_are_not_saves(tmp_path):
    (tmp_path / "text.npz").write_text("hello")
    (tmp_path / "folder.npz").mkdir()
    np.savez(tmp_path / "other.npz", a=np.zeros(3))
    np.save(tmp_path / "array.npy", np.zeros(3))
    for name, message in [("missing.npz", "no such file"),
                          ("text.npz", "not a tui-lab save: expected an .npz file"),
                          ("folder.npz", "found a directory"),
                          ("other.npz", "tui_lab_save: missing"),
                          ("array.npy", "not a tui-lab save")]:
        with pytest.raises(SaveError, match=message):
            load_session(tmp_path / name)


def test_a_save_killed_midway_leaves_the_previous_file_intact(tmp_path):
    """A child process saves a large run over and over; kill -9 it at random
    moments: the file on disk always loads, and is one of the complete saves."""
    target = tmp_path / "run.npz"
    code = (
        "import sys, numpy as np\n"
        "from tui_lab.saves import save_session\n"
        "from tui_lab.scenario import resolve_scenario\n"
        "from tui_lab.sim.session import open_session\n"
        "s = open_session(resolve_scenario('adder-ffn'))\n"
        "i = 0\n"
        "while True:\n"
        "    s.updates = i\n"
        "    save_session(s, sys.argv[1])\n"
        "    print(i, flush=True)\n"
        "    i += 1\n")
    rng = np.random.default_rng(0)
    seen = 0
    for _ in range(6):
        proc = subprocess.Popen([sys.executable, "-c", code, str(target)],
                                stdout=subprocess.PIPE, text=True)
        proc.stdout.readline()  # one save done: the file exists
        time.sleep(float(rng.uniform(0.0, 0.3)))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        r = load_session(target)  # never half a file
        assert r.updates >= 0 and r.scenario.name == "adder-ffn"
        seen += 1
    assert seen == 6
    assert sum(1 for _ in tmp_path.iterdir()) >= 1


def test_csv_export(tmp_path):
    s = open_session(resolve_scenario("adder"))
    with pytest.raises(SaveError, match="no history yet"):
        export_csv(s.snapshot(), tmp_path / "h.csv")
    s.train(1000)
    path = export_csv(s.snapshot(), tmp_path / "h.csv")
    lines = path.read_text().splitlines()
    assert lines[0] == 'updates,"loss (nats/bit)","held-out accuracy"'
    rows = np.array([[float(v) for v in line.split(",")] for line in lines[1:]])
    snap = s.snapshot()
    np.testing.assert_allclose(rows[:, 0], snap.history_x)
    np.testing.assert_allclose(rows[:, 2], snap.history["held-out accuracy"], rtol=1e-9)


def test_cli_save_csv_and_open_errors(tmp_path, capsys):
    from tui_lab.cli import main

    assert main(["run", "hmm-casino", "--updates", "5", "--save", str(tmp_path / "c.npz"),
                 "--csv", str(tmp_path / "c.csv")]) == 0
    assert load_session(tmp_path / "c.npz").updates == 5
    assert (tmp_path / "c.csv").read_text().count("\n") == 6
    assert main(["open", str(tmp_path / "nothing.npz")]) == 2
    assert "nothing.npz: no such file" in capsys.readouterr().err
    assert main(["run", "adder", "--updates", "5", "--save",
                 str(tmp_path / "no" / "dir.npz")]) == 2
    assert "cannot write" in capsys.readouterr().err


async def test_the_save_key_writes_a_run_the_app_can_resume(tmp_path, monkeypatch):
    from tui_lab.ui.app import LabApp

    monkeypatch.chdir(tmp_path)
    app = LabApp(resolve_scenario("adder"))
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(600):
            if app.report.snapshot is not None:
                break
            await pilot.pause(0.05)
        for _ in range(3):
            await pilot.press("s")
        await pilot.press("w")
        await pilot.pause()
        await pilot.press("enter")  # the proposed name: adder.npz here
        for _ in range(200):
            if (tmp_path / "adder.npz").exists():
                break
            await pilot.pause(0.05)
    r = load_session(tmp_path / "adder.npz")
    assert r.updates == 3
    app = LabApp(r.scenario, resume=r)
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(600):
            if app.report.snapshot is not None:
                break
            await pilot.pause(0.05)
        assert app.report.snapshot.updates == 3 and app.report.state == "paused"


def test_a_home_relative_path_is_expanded(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    s = open_session(resolve_scenario("adder"))
    path = save_session(s, "~/run.npz")
    assert path == tmp_path / "run.npz" and load_session("~/run.npz").updates == 0
