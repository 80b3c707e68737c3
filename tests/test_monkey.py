"""A seeded monkey: thousands of random key presses across every view while models
train must raise nothing (every pane, every scenario kind)."""

import random

import pytest

from tui_lab.scenario import resolve_scenario
from tui_lab.ui.app import LabApp

SCENARIOS = ["adder", "delay-lstm", "memory-cell", "hmm-casino", "hmm-kbits", "lds-missing",
             "lds-em"]
PRESSES = 2000 // len(SCENARIOS) + 1  # 2,002 in all (each press waits for the app to settle)
KEYS = (["space", "s", "r", "n", "plus", "minus", "left_square_bracket",
         "right_square_bracket", "e", "question_mark", "escape", "tab", "shift+tab", "enter",
         "left", "right", "up", "down", "home", "end", "pageup", "pagedown", "g", "i",
         "less_than_sign", "greater_than_sign", "t", "o", "f", "b", "m", "c", "p", "h", "l",
         "j", "k", "x", "w", "0", "5", "a", "z", "backspace"] + [str(d) for d in range(1, 10)])


@pytest.mark.parametrize("scenario", SCENARIOS)
async def test_random_keys_raise_nothing(scenario, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # w and x write saves and CSV files where they run
    rng = random.Random(f"monkey-{scenario}")
    app = LabApp(resolve_scenario(scenario))
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(400):
            if app.report.snapshot is not None:
                break
            await pilot.pause(0.05)
        for _ in range(PRESSES):
            await pilot.press(rng.choice(KEYS))
            assert app.is_running, "a key press ended the app"
        await pilot.press("escape", "escape")
        assert app.report.state in ("ready", "training", "paused", "learned", "stuck",
                                    "diverged", "budget spent", "given weights",
                                    "sweep done")
    assert app.return_code in (0, None)
