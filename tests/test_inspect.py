"""`tui-lab inspect-lstm`: your own nn.LSTM weights in the gate viewer."""

import json

import numpy as np
import pytest

from tui_lab.cli import inspect_scenario, main
from tui_lab.sim.inspect import InspectSession
from tui_lab.sim.lstm import LSTM
from tui_lab.ui.app import LabApp
from tui_lab.ui.panes.gates import GatesPane


@pytest.fixture()
def files(tmp_path):
    net = LSTM(2, 4, 1, np.random.default_rng(1), output="linear")
    arrays = net.to_torch_arrays()
    del arrays["out_weight"], arrays["out_bias"]  # a bare nn.LSTM state_dict
    np.savez(tmp_path / "w.npz", **arrays)
    x = np.random.default_rng(2).normal(size=(12, 2))
    np.save(tmp_path / "x.npy", x)
    np.savetxt(tmp_path / "x.csv", x, delimiter=",")
    return tmp_path, net, x


def test_inspect_json_matches_the_net(files, capsys):
    tmp, net, x = files
    for name in ("x.npy", "x.csv"):
        assert main(["inspect-lstm", str(tmp / "w.npz"), str(tmp / name), "--json"]) == 0
        out = json.loads(capsys.readouterr().out)
        assert out["cells"] == 4 and out["steps"] == 12
        np.testing.assert_allclose(out["final_cell"], net.run(x[None]).cell[0, -1],
                                   rtol=1e-9)


@pytest.mark.parametrize("make,message", [
    (lambda t: np.save(t / "x.npy", np.zeros((5, 3))), "input has shape (5, 3)"),
    (lambda t: np.save(t / "x.npy", np.array([{"a": 1}], dtype=object)),
     "cannot read the input"),
    (lambda t: np.save(t / "x.npy", np.full((5, 2), np.nan)), "finite numbers"),
    (lambda t: np.savez(t / "w.npz", weight_ih_l0=np.zeros((7, 2))),
     "missing array 'weight_hh_l0'"),
    (lambda t: np.savez(t / "w.npz", weight_ih_l0=np.zeros((7, 2)), weight_hh_l0=np.zeros((7, 1))),
     "weight_ih_l0 has shape (7, 2)"),
])
def test_bad_files_exit_2_with_a_message(files, make, message, capsys):
    tmp, _, _ = files
    make(tmp)
    assert main(["inspect-lstm", str(tmp / "w.npz"), str(tmp / "x.npy"), "--json"]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


async def test_gate_viewer_opens_your_lstm(files):
    tmp, _, _ = files
    scenario = inspect_scenario(str(tmp / "w.npz"), str(tmp / "x.npy"))
    InspectSession(scenario)
    app = LabApp(scenario)
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(400):
            if app.report.snapshot is not None and isinstance(app.focused, GatesPane):
                break
            await pilot.pause(0.05)
        assert app.views == ("gates",) and app.report.state == "given weights"
        pane = app.query_one(GatesPane)
        assert "keep gate (forget)" in str(pane.query_one("#gates-head").render())
        await pilot.press("end")
        assert "t=11 cell 1:" in str(pane.query_one("#gates-numbers").render())


def test_export_then_inspect_round_trip(tmp_path, capsys):
    out = tmp_path / "trained.npz"
    assert main(["run", "delay-lstm", "--updates", "30", "--export-lstm", str(out),
                 "--json"]) == 0
    capsys.readouterr()
    net = LSTM.load_npz(out, output="logistic")
    assert (net.I, net.H, net.O) == (3, 8, 1)
    with np.load(out, allow_pickle=False) as data:
        assert data["weight_ih_l0"].shape == (32, 3) and data["weight_hh_l0"].shape == (32, 8)
    # the same run again gives the same weights (runs are reproducible)
    again = tmp_path / "again.npz"
    assert main(["run", "delay-lstm", "--updates", "30", "--export-lstm", str(again),
                 "--json"]) == 0
    np.testing.assert_array_equal(LSTM.load_npz(again).theta, LSTM.load_npz(out).theta)
    assert main(["run", "adder", "--updates", "10", "--export-lstm",
                 str(tmp_path / "x.npz")]) == 2
    assert "has no LSTM" in capsys.readouterr().err
    assert not list(tmp_path.glob("tmp*.npz"))  # no temporary files left behind
