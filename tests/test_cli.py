"""The command line: run, list, check, and exit status 2 on bad input."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tui_lab.cli import main

ROOT = Path(__file__).resolve().parents[1]
ADDER = str(ROOT / "scenarios" / "adder.toml")


def test_run_json_ends_with_a_learned_final_object(capsys):
    assert main(["run", ADDER, "--json", "--seed", "1"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    final = lines[-1]
    assert final["final"] is True and all("final" not in x for x in lines[:-1])
    assert final["scenario"] == "adder" and final["seed"] == 1
    assert final["state"] == "learned" and final["heldout_accuracy"] == 1.0
    assert final["accuracy_by_length"] == {"8": 1.0, "16": 1.0, "32": 1.0, "64": 1.0}
    assert final["updates"] > 0 and final["restarts"] >= 0 and final["seconds"] >= 0


def test_run_budget_and_summary(capsys):
    assert main(["run", "adder", "--updates", "300"]) == 0
    out = capsys.readouterr().out
    assert "adder: budget spent after 300 updates" in out


@pytest.mark.parametrize("argv,message", [
    (["run", "nosuch"], "no such scenario"),
    (["run", "adder", "--updates", "1000000000001"], "expected 1 to 1000000000"),
    (["run", "adder", "--seed", "x"], "expected an integer"),
    (["run"], "the following arguments are required"),
    (["check", "/nonexistent.toml"], "no such file"),
    (["nosuch.toml"], "no such file"),
])
def test_bad_input_exits_2_with_one_clear_line(argv, message, capsys):
    assert main(argv) == 2
    captured = capsys.readouterr()
    text = captured.err + captured.out
    assert message in text and "Traceback" not in text


def test_check_reports_each_file(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(Path(ADDER).read_text().replace("hidden = 3", "hiden = 3"))
    assert main(["check", ADDER, str(bad)]) == 2
    out = capsys.readouterr().out
    assert f"ok    {ADDER}" in out
    assert f"{bad}: model.hiden: unknown key; did you mean 'hidden'?" in out
    assert "1 fine, 1 with errors" in out
    assert main(["check", ADDER]) == 0


def test_list_shows_the_shipped_scenarios(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["name", "model", "sections", "title"]
    assert any(line.startswith("adder ") and " rnn " in line and "7c-03" in line
               for line in out)


def test_python_dash_m_entry_point():
    proc = subprocess.run([sys.executable, "-m", "tui_lab", "check", ADDER],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "1 fine, 0 with errors" in proc.stdout


def test_bad_scenario_in_subprocess_has_no_traceback(tmp_path):
    bad = tmp_path / "broken.toml"
    bad.write_text("name = [")
    proc = subprocess.run([sys.executable, "-m", "tui_lab", "run", str(bad)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"tui-lab: {bad}: not valid TOML")
    assert "Traceback" not in proc.stderr


def test_warmup_compiles_every_session(capsys):
    assert main(["warmup"]) == 0
    out = capsys.readouterr().out
    assert "8/8" in out and "all kernels compiled and cached" in out
