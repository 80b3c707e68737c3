"""The stepper's trace (sim) and pane (Pilot at 80x24)."""

import numpy as np
import pytest
from textual.widgets import Input, Label

from tui_lab.scenario import resolve_scenario
from tui_lab.sim.rnn import adder_net
from tui_lab.sim.session import open_session
from tui_lab.sim.stepper import parse_number, trace
from tui_lab.ui.app import LabApp
from tui_lab.ui.panes.automaton import automaton_text
from tui_lab.ui.panes.stepper import StepperGrid, StepperPane, explain, grid_rows
from tui_lab.ui.trainer import Phase, Report


@pytest.mark.parametrize("text,value", [("0", 0), ("11", 11), ("0b1011", 11), ("0B11", 3),
                                        (" 1_000 ", 1000), (str(2**64 - 1), 2**64 - 1)])
def test_parse_number(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text,message", [("", "type a number"), ("12x", "decimal number"),
                                          ("0b102", "binary digits"), ("-3", "expected 0 to"),
                                          (str(2**64), "at most 64 bits")])
def test_parse_number_errors(text, message):
    with pytest.raises(ValueError, match=message):
        parse_number(text)


def test_trace_of_the_hand_built_adder():
    net = adder_net()
    a, b = 2**64 - 1, 1
    tr = trace(net.params(), a, b)
    assert tr.n_bits == 64 and tr.T == 67
    assert tr.net_sum == tr.true_sum == 2**64
    assert all(tr.right(t) for t in range(2, tr.T))
    assert tr.right(0) is None and tr.right(1) is None
    # the output at time t answers column t - 2
    for t in range(2, tr.T):
        assert tr.target[t] == ((a + b) >> (t - 2)) & 1
    np.testing.assert_array_equal(tr.hidden[0], net.params()["h0"])
    assert tr.state[0] == -1 and tr.state[1] == 2  # 1 + 1: (carry, print 0)
    rows = dict(grid_rows(tr))
    assert rows["answers"][2].strip() == "c0" and rows["a bit"][0] == " 1 "
    assert "answers column 3 (two steps back)" in explain(tr, 5)


def test_trace_labels_hidden_vectors_with_learned_states():
    s = open_session(resolve_scenario("adder"), seed=0)
    while not s.done:
        s.train(5000)
    snap = s.snapshot()
    tr = trace(dict(snap.params), 11, 6, snap.extra["automaton"])
    assert tr.net_sum == 17
    np.testing.assert_array_equal(tr.learned_state[1:6], tr.state[1:6])
    assert "≈ state (carry, print 0)" in explain(tr, 2)  # 1 + 0 ... column 1 of 11 + 6
    text = automaton_text(snap.extra["automaton"]).plain
    assert "→ 4 states" in text and "agree with 7c-03: 100%" in text


def _learned_report():
    s = open_session(resolve_scenario("adder"), seed=1)
    while not s.done:
        s.train(1000)
    return Report(Phase.PAUSED, s.snapshot(), 0.0, 1000)


async def test_stepper_pane_at_80x24():
    app = LabApp(resolve_scenario("adder"), autostart=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.show_report(_learned_report())
        await pilot.press("2")
        pane = app.query_one(StepperPane)
        grid = app.query_one(StepperGrid)
        assert app.focused is grid and grid.trace is not None
        await pilot.press("i")
        assert app.focused.id == "a"
        await pilot.press(*"0b1011", "tab", *"6", "enter")
        assert grid.trace.a == 11 and grid.trace.b == 6
        sums = str(pane.query_one("#sums", Label).render())
        assert "a=11 b=6" in sums and "net 17 ✓" in sums and "true 17" in sums
        await pilot.press("right", "right", "l")
        assert grid.cursor == 3
        assert "t=3: column 3 enters (a=1, b=0)" in str(pane.query_one("#explain").render())
        await pilot.press("end")
        assert grid.cursor == grid.trace.T - 1
        await pilot.press("home")
        assert grid.cursor == 0
        # long numbers scroll with the cursor
        pane.query_one("#a", Input).value = str(2**64 - 1)
        pane.query_one("#b", Input).value = "1"
        await pilot.press("i", "enter")
        await pilot.press("end")
        rendered = str(grid.render())
        assert "c64" in rendered and "time ◄" in rendered
        # a malformed number gets a message in place, and nothing breaks
        await pilot.press("i")
        pane.query_one("#a", Input).value = "12x"
        await pilot.press("enter")
        error = str(pane.query_one("#error", Label).render())
        assert "a: expected a decimal number, got '12x'" in error
        assert grid.trace.a == 2**64 - 1 and app.is_running


async def test_automaton_view_and_feed_forward_messages():
    app = LabApp(resolve_scenario("adder"), autostart=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.show_report(_learned_report())
        await pilot.press("3")
        text = str(app.query_one("#automaton-text").content)
        assert "→ 4 states" in text and "✓ the 4-state automaton" in text
        ffn = open_session(resolve_scenario("adder-ffn"))
        ffn.train(10)
        app.show_report(Report(Phase.PAUSED, ffn.snapshot()))
        await pilot.pause()
        assert "hidden units of a recurrent net" in str(app.query_one("#automaton-text").content)
        await pilot.press("2")
        assert "every bit at once" in str(app.query_one("#sums").render())
