"""Layering: the simulation never imports the UI stack (checked in a fresh process)."""

import subprocess
import sys

CODE = """
import sys, tui_lab.scenario, tui_lab.sim.session, tui_lab.sim.adder, tui_lab.sim.rnn
import tui_lab.sim.kernels.rnn, tui_lab.sim.tasks.binary_addition, tui_lab.ui.trainer
from tui_lab.sim.session import open_session
from tui_lab.scenario import resolve_scenario
open_session(resolve_scenario("adder")).train(10)
bad = sorted(m for m in sys.modules if m.split(".")[0] in ("textual", "rich", "plotext", "textual_plotext"))
print(",".join(bad))
"""


def test_sim_imports_no_ui_package():
    proc = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""


def test_cli_list_does_not_load_numba_or_textual():
    code = ("import sys; from tui_lab.cli import main; main(['list']);"
            "print('LOADED', sorted(m for m in ('numba', 'textual') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "LOADED []" in proc.stdout
