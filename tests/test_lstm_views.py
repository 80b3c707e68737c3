"""The memory cell (7e-04), the gate viewer and the gradient-vs-lag view at 80x24."""

import numpy as np
import pytest

from tui_lab.scenario import resolve_scenario
from tui_lab.sim.memory_cell import run_cell
from tui_lab.sim.session import Status, open_session
from tui_lab.ui.app import LabApp
from tui_lab.ui.panes.cell import CellGrid
from tui_lab.ui.panes.gates import GatesPane
from tui_lab.ui.panes.lag import LagPane

SIZE = (80, 24)


def test_the_17_example_by_hand():
    s = open_session(resolve_scenario("memory-cell"))
    assert s.status is Status.GIVEN and s.done
    r = s.run()
    # keep 0 / write 1 stores 1.7; keep 1 holds it; read 1 at step 7 outputs it
    np.testing.assert_allclose(r.cell, [1.7] * 8)
    np.testing.assert_allclose(r.output, [0] * 7 + [1.7])
    assert r.readout_step == 7
    np.testing.assert_allclose(r.grad, [1.0] * 8)  # stays 1 along the keep chain
    s.edit("keep", 4, -0.1)  # keep 0.9 at step 4
    r = s.run()
    assert r.output[7] == pytest.approx(1.7 * 0.9)
    np.testing.assert_allclose(r.grad, [0.9, 0.9, 0.9, 0.9, 1, 1, 1, 1])
    s.edit("write", 5, +1.0)  # write the input of step 5 (-1.1) over the stored value
    r = s.run()
    assert r.cell[5] == pytest.approx(1.7 * 0.9 - 1.1)
    s.edit("keep", 4, +5)  # gates stay in [0, 1]
    assert s.values["keep"][4] == 1.0
    s.reset()
    assert s.run().output[7] == pytest.approx(1.7)


def test_run_cell_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    x, keep, write, read = rng.normal(size=6), rng.random(6), rng.random(6), rng.random(6)
    r = run_cell(x, keep, write, read)
    R = r.readout_step
    for s in range(R + 1):  # perturb the cell at step s through an extra input there
        bumped = x.copy()
        eps = 1e-6
        bumped[s] += eps / write[s]
        assert (run_cell(bumped, keep, write, read).output[R] - r.output[R]) / eps == \
            pytest.approx(r.grad[s], rel=1e-6)


async def test_memory_cell_view_edits_with_plus_and_minus():
    app = LabApp(resolve_scenario("memory-cell"))
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(200):
            if app.report.snapshot is not None and isinstance(app.focused, CellGrid):
                break
            await pilot.pause(0.05)
        assert app.views == ("cell",) and app.report.state == "given weights"
        assert app.check_action("view", ("stepper",)) is False
        await pilot.press("right", "right", "right", "right", "minus")
        for _ in range(200):
            if app.report.snapshot.extra["cell"].keep[4] < 1.0:
                break
            await pilot.pause(0.05)
        run = app.report.snapshot.extra["cell"]
        assert run.keep[4] == pytest.approx(0.9) and run.output[7] == pytest.approx(1.53)
        assert app.report.snapshot.learning_rate == 0.05  # minus edited, it did not lower lr
        await pilot.press("space")  # nothing to train: a notice, no crash
        await pilot.pause(0.2)
        assert app.is_running and app.report.state == "given weights"


async def test_gates_and_lag_views_for_the_lstm():
    app = LabApp(resolve_scenario("delay-lstm"))
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(400):
            if app.report.snapshot is not None:
                break
            await pilot.pause(0.05)
        assert app.views == ("chart", "gates", "lag")
        await pilot.press("4")
        gates = app.query_one(GatesPane)
        assert app.focused is gates
        assert "keep gate (forget)" in str(gates.query_one("#gates-head").render())
        await pilot.press("g", "right", "down")
        assert "write gate (input)" in str(gates.query_one("#gates-head").render())
        assert "t=1 cell 2:" in str(gates.query_one("#gates-numbers").render())
        await pilot.press("5")
        lag = app.query_one(LagPane)
        before = app.report.snapshot.extra["lag_scale"]
        await pilot.press("greater_than_sign")
        for _ in range(200):
            if app.report.snapshot.extra["lag_scale"] != before:
                break
            await pilot.pause(0.05)
        assert app.report.snapshot.extra["lag_scale"] == 2 * before
        assert "random RNN, U radius 2" in str(lag.query_one("#lag-numbers").render())
