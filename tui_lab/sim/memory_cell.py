"""One LSTM memory cell with its gates given step by step (7e-03, 7e-04).

The lecture's cell: a linear unit with a self-link, guarded by gates,

    c[t] = keep[t] * c[t-1] + write[t] * x[t]      (c[-1] = 0)
    y[t] = read[t] * c[t]

In 7e-04's example keep is 0 and write is 1 while the value 1.7 arrives from
the rest of the net, keep is 1 for several steps, and read is 1 at the end: the
cell outputs 1.7. Backwards, the gradient of the read-out y[R] with respect to
the cell at an earlier step s is read[R] * keep[s+1] * ... * keep[R]: along a
chain of keep = 1 it stays exactly 1; any keep below 1 shrinks it.
"""

from dataclasses import dataclass, replace

import numpy as np

from tui_lab.scenario import Scenario
from tui_lab.sim.session import Session, Snapshot, Status, frozen_array

GATES = ("input", "keep", "write", "read")  # the rows a student can edit
EDIT_STEP = {"input": 0.1, "keep": 0.1, "write": 0.1, "read": 0.1}


@dataclass(frozen=True)
class CellRun:
    """A memory cell's inputs, gates and what they compute, per step (T,)."""

    input: np.ndarray
    keep: np.ndarray
    write: np.ndarray
    read: np.ndarray
    cell: np.ndarray
    output: np.ndarray
    readout_step: int  # R: the last step with the largest read gate
    grad: np.ndarray  # d y[R] / d c[s] for s <= R, NaN after R


def run_cell(x, keep, write, read) -> CellRun:
    x, keep, write, read = (np.asarray(v, dtype=np.float64) for v in (x, keep, write, read))
    T = len(x)
    c = np.empty(T)
    prev = 0.0
    for t in range(T):
        prev = keep[t] * prev + write[t] * x[t]
        c[t] = prev
    y = read * c
    R = int(T - 1 - np.argmax(read[::-1]))
    grad = np.full(T, np.nan)
    g = read[R]
    for s in range(R, -1, -1):
        grad[s] = g
        g *= keep[s]
    return CellRun(x, keep, write, read, c, y, R, grad)


class MemoryCellSession(Session):
    """A hand-set memory cell: nothing to train; the student edits the gates."""

    SAVED = ("values",)  # the student's edits

    @staticmethod
    def warmup() -> None:
        """No kernels: the cell is a few multiplications."""

    def __init__(self, scenario: Scenario, seed: int | None = None) -> None:
        super().__init__(scenario, seed)
        self.reset()

    def reset(self, seed: int | None = None) -> None:
        m = self.scenario.model
        self.values = {"input": np.array(m.inputs), "keep": np.array(m.keep),
                       "write": np.array(m.write), "read": np.array(m.read)}
        self.updates = 0
        self.status = Status.GIVEN
        self.message = "the gates are given by the scenario: edit them with + and -"

    def train(self, n: int) -> dict:
        return {"updates": 0, "status": self.status.value}

    def edit(self, gate: str, step: int, delta: float) -> None:
        """Change one value; gates stay in [0, 1]."""
        v = self.values[gate]
        value = v[step] + delta
        v[step] = round(value if gate == "input" else min(max(value, 0.0), 1.0), 6)

    def run(self) -> CellRun:
        return run_cell(self.values["input"], self.values["keep"], self.values["write"],
                        self.values["read"])

    def snapshot(self) -> Snapshot:
        r = self.run()
        return self._snapshot(
            metrics={"read-out": float(r.output[r.readout_step])},
            extra={"cell": replace(r, **{k: frozen_array(getattr(r, k)) for k in (
                "input", "keep", "write", "read", "cell", "output", "grad")})})

    def summary(self) -> dict:
        r = self.run()
        return {"scenario": self.scenario.name, "seed": self.seed, "updates": 0,
                "restarts": 0, "state": self.status.value, "message": self.message,
                "readout_step": r.readout_step, "readout": float(r.output[r.readout_step]),
                "cell": r.cell.tolist(), "gradient": np.nan_to_num(r.grad, nan=0.0).tolist()}
