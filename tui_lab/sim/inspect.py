"""Open your own LSTM (PyTorch nn.LSTM weights in an .npz) on your own input sequence.

Nothing trains: the session runs the net once and the gate viewer shows the
keep / write / read gates and cells. Files are read with allow_pickle=False; a
wrong shape or name is a `WeightsError` that names the file and the array.
"""

from pathlib import Path

import numpy as np

from tui_lab.scenario import Scenario
from tui_lab.sim.lstm import LSTM, WeightsError
from tui_lab.sim.session import Session, Snapshot, Status, frozen_array, frozen_mapping


def load_inputs(path: str | Path, n_in: int) -> np.ndarray:
    """An input sequence (T, n_in) from .npy or .csv (comma separated, one step a line)."""
    path = Path(path)
    try:
        if path.suffix == ".npy":
            x = np.load(path, allow_pickle=False)
        elif path.suffix == ".csv":
            x = np.loadtxt(path, delimiter=",", ndmin=2)
        else:
            raise WeightsError(f"{path}: expected a .npy or .csv input sequence")
    except FileNotFoundError:
        raise WeightsError(f"{path}: no such file") from None
    except (OSError, ValueError) as exc:
        raise WeightsError(f"{path}: cannot read the input sequence ({exc})") from None
    x = np.asarray(x)
    if x.ndim == 1 and n_in == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[1] != n_in or len(x) == 0:
        raise WeightsError(f"{path}: input has shape {x.shape}; the weights expect "
                           f"(T, {n_in}) with T >= 1")
    if not np.issubdtype(x.dtype, np.number) or not np.isfinite(x).all():
        raise WeightsError(f"{path}: the input must be finite numbers")
    return x.astype(np.float64)


def resolve(scenario: Scenario, name: str) -> Path:
    """A path from the scenario, relative to the scenario file's folder."""
    p = Path(name)
    return p if p.is_absolute() else Path(scenario.source).parent / p


class InspectSession(Session):
    """A loaded LSTM and one input sequence, for the gate viewer."""

    @staticmethod
    def warmup() -> None:
        LSTM(1, 1, 1, np.random.default_rng(0)).run(np.zeros((1, 2, 1)))

    def __init__(self, scenario: Scenario, seed: int | None = None) -> None:
        super().__init__(scenario, seed)
        m = scenario.model
        self.net = LSTM.load_npz(resolve(scenario, m.weights), output=m.output)
        self.x = load_inputs(resolve(scenario, m.inputs), self.net.I)
        self.reset()

    def reset(self, seed: int | None = None) -> None:
        self.updates = 0
        self.status = Status.GIVEN
        self.message = (f"{self.net.H} cells, {self.net.I} inputs, {len(self.x)} steps, "
                        f"from {self.scenario.model.weights}")

    def train(self, n: int) -> dict:
        return {"updates": 0, "status": self.status.value}

    def snapshot(self) -> Snapshot:
        tr = self.net.run(self.x[None])
        gates = {"keep": tr.keep[0], "write": tr.write[0], "read": tr.read[0],
                 "cell": tr.cell[0], "output": tr.output[0, :, 0]}
        return self._snapshot(
            metrics={"cells": self.net.H, "steps": len(self.x)},
            extra={"gates": frozen_mapping({k: frozen_array(v) for k, v in gates.items()})})

    def summary(self) -> dict:
        tr = self.net.run(self.x[None])
        return {"scenario": self.scenario.name, "seed": self.seed, "updates": 0,
                "restarts": 0, "state": self.status.value, "message": self.message,
                "cells": self.net.H, "steps": len(self.x),
                "final_cell": tr.cell[0, -1].tolist(), "final_hidden": tr.hidden[0, -1].tolist()}
