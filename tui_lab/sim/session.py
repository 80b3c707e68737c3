"""Sessions: a model, its data and its training state, behind one small interface.

A `Session` is built from a `Scenario`. `train(n)` runs up to n updates and
returns metrics; `snapshot()` returns an immutable `Snapshot` with everything a
display needs (histories, metrics, read-only parameter copies). The UI's worker
thread owns a session; nothing else touches it while it trains.

Each (model kind, task kind) pair maps to a Session subclass in `SESSIONS`;
adding a model means adding its module and one line there.
"""

import importlib
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import Any, Mapping

import numpy as np

from tui_lab.scenario import Scenario


class Status(str, Enum):
    """Where a session stands. Only READY sessions train further."""

    READY = "ready"
    LEARNED = "learned"
    STUCK = "stuck"
    DIVERGED = "diverged"
    BUDGET = "budget spent"
    DONE = "sweep done"  # a sweep of many fits has run them all
    GIVEN = "given weights"  # nothing to train: a hand-set model to step through


def frozen_array(a: np.ndarray) -> np.ndarray:
    """A read-only copy, safe to hand to another thread."""
    out = np.array(a, copy=True)
    out.flags.writeable = False
    return out


def frozen_mapping(d: Mapping) -> Mapping:
    return MappingProxyType(dict(d))


class History:
    """A bounded history of (x, y1, y2, ...) points for live charts.

    Keeps at most `capacity` points: when full, neighbouring pairs are averaged
    and every later point stands for twice as many raw points. Appending is O(1)
    amortised and a chart drawn from it costs the same after a million updates
    as after a hundred.
    """

    def __init__(self, n_series: int, capacity: int = 256) -> None:
        if capacity < 4 or capacity % 2:
            raise ValueError("capacity must be an even number >= 4")
        self.capacity, self.n_series = capacity, n_series
        self.clear()

    def clear(self) -> None:
        self._x = np.empty(self.capacity)
        self._y = np.empty((self.capacity, self.n_series))
        self._len = 0
        self.stride = 1  # raw points per stored point
        self._pending_x = 0.0
        self._pending_y = np.zeros(self.n_series)
        self._pending_n = 0

    def append(self, x: float, *ys: float) -> None:
        self._pending_x = x
        self._pending_y += ys
        self._pending_n += 1
        if self._pending_n < self.stride:
            return
        if self._len == self.capacity:
            half = self.capacity // 2
            self._x[:half] = self._x[1::2]
            self._y[:half] = 0.5 * (self._y[0::2] + self._y[1::2])
            self._len = half
            self.stride *= 2
            if self._pending_n < self.stride:
                return
        self._x[self._len] = self._pending_x
        self._y[self._len] = self._pending_y / self._pending_n
        self._len += 1
        self._pending_y[:] = 0.0
        self._pending_n = 0

    def state(self) -> dict[str, np.ndarray]:
        """Everything needed to rebuild this history (for saves)."""
        return {"x": self._x[: self._len].copy(), "y": self._y[: self._len].copy(),
                "counters": np.array([self.stride, self._pending_n]),
                "pending": np.r_[self._pending_x, self._pending_y]}

    def set_state(self, state: dict[str, np.ndarray]) -> None:
        x, y = np.asarray(state["x"], float), np.asarray(state["y"], float)
        if y.ndim != 2 or y.shape[1] != self.n_series or len(x) != len(y) \
                or len(x) > self.capacity:
            raise ValueError(f"a history of {self.n_series} series and at most "
                             f"{self.capacity} points; found shapes {x.shape}, {y.shape}")
        self.clear()
        self._len = len(x)
        self._x[: self._len], self._y[: self._len] = x, y
        self.stride, self._pending_n = (int(v) for v in state["counters"])
        self._pending_x, self._pending_y = float(state["pending"][0]), state["pending"][1:].copy()

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Read-only copies: x (n,), y (n, n_series)."""
        return frozen_array(self._x[: self._len]), frozen_array(self._y[: self._len])


@dataclass(frozen=True)
class Snapshot:
    """Everything the UI draws of a session at one moment. Immutable."""

    scenario: str
    title: str
    model_kind: str
    status: Status
    message: str  # why it stopped, or "" while ready
    updates: int
    seed: int
    restarts: int
    learning_rate: float
    momentum: float
    history_x: np.ndarray  # (n,) update counts
    history: Mapping[str, np.ndarray]  # series name -> (n,), aligned with history_x
    metrics: Mapping[str, float]  # named current values, for the status line
    params: Mapping[str, np.ndarray] = field(default_factory=dict)  # read-only copies
    extra: Mapping[str, Any] = field(default_factory=dict)  # model-specific


class Session(ABC):
    """A trainable model on a task, built from a scenario (see module docstring)."""

    SAVED: tuple[str, ...] = ()
    """Attributes a save keeps (see `tui_lab.saves`); empty: nothing to save."""

    def __init__(self, scenario: Scenario, seed: int | None = None) -> None:
        self.scenario = scenario
        self.seed = scenario.training.seed if seed is None else int(seed)
        self.learning_rate = scenario.training.learning_rate
        self.momentum = scenario.training.momentum
        self.status = Status.READY
        self.message = ""

    @property
    def done(self) -> bool:
        """True once the run has stopped (learned, stuck, diverged, out of budget)."""
        return self.status is not Status.READY

    def set_learning_rate(self, lr: float) -> None:
        """Change the step size between updates."""
        if not (np.isfinite(lr) and lr > 0):
            raise ValueError(f"learning rate must be a positive number, got {lr!r}")
        self.learning_rate = float(lr)

    def _snapshot(self, history_x=None, history=None, **fields) -> Snapshot:
        """A Snapshot with the fields every session shares filled in from self.

        `history` maps series names to (n,) arrays aligned with `history_x`; the
        rest (metrics, params, extra) come as keyword arguments.
        """
        mapped = {k: frozen_mapping(v) for k, v in fields.items()
                  if k in ("metrics", "params", "extra")}
        return Snapshot(
            scenario=self.scenario.name, title=self.scenario.title,
            model_kind=self.scenario.model_kind, status=self.status, message=self.message,
            updates=getattr(self, "updates", 0), seed=self.seed,
            restarts=getattr(self, "restarts", 0), learning_rate=self.learning_rate,
            momentum=self.momentum,
            history_x=frozen_array(np.empty(0) if history_x is None else history_x),
            history=frozen_mapping({k: frozen_array(v) for k, v in (history or {}).items()}),
            **mapped)

    def after_load(self) -> None:
        """Called after a save's state is put back. A run that stopped only because
        a shorter budget was asked for (tui-lab run --updates) may go on."""
        if self.status is Status.BUDGET and self.updates < self.scenario.training.updates:
            self.status, self.message = Status.READY, ""

    @staticmethod
    @abstractmethod
    def warmup() -> None:
        """Compile every kernel the session uses (slow once, then cached)."""

    @classmethod
    def warmup_for(cls, scenario: Scenario) -> None:
        """Compile (or load) only the kernels this scenario uses: each one loaded
        costs memory (the LSTM's float32 and float64 kernels about 11 MiB)."""
        cls.warmup()

    @abstractmethod
    def train(self, n: int) -> dict:
        """Run up to n updates (fewer if the run stops); return current metrics."""

    @abstractmethod
    def reset(self, seed: int | None = None) -> None:
        """Start again from fresh weights (and data) for `seed`, or the same seed."""

    @abstractmethod
    def snapshot(self) -> Snapshot:
        """An immutable picture of the session for display."""

    @abstractmethod
    def summary(self) -> dict:
        """JSON-ready final figures (see `tui-lab run --json`)."""


SESSIONS: dict[tuple[str, str], str] = {
    ("rnn", "binary_addition"): "tui_lab.sim.adder:AdderSession",
    ("ffn", "binary_addition"): "tui_lab.sim.adder:FeedForwardAdderSession",
    ("lstm", "delay"): "tui_lab.sim.delay:DelaySession",
    ("rnn", "delay"): "tui_lab.sim.delay:DelaySession",
    ("memory_cell", "given"): "tui_lab.sim.memory_cell:MemoryCellSession",
    ("lstm_file", "given"): "tui_lab.sim.inspect:InspectSession",
    ("hmm", "casino"): "tui_lab.sim.hmm_session:HMMSession",
    ("hmm", "regimes"): "tui_lab.sim.hmm_session:HMMSession",
    ("memory_sweep", "kbits"): "tui_lab.sim.kbits:MemorySweepSession",
    ("lds", "tracking"): "tui_lab.sim.lds_session:LDSSession",
    ("lds", "oscillator"): "tui_lab.sim.lds_session:LDSSession",
}
"""(model kind, task kind) -> "module:class" of its Session; imported on demand."""


def session_class(scenario: Scenario) -> type[Session]:
    """The Session subclass that runs a scenario."""
    module, name = SESSIONS[(scenario.model_kind, scenario.task_kind)].split(":")
    return getattr(importlib.import_module(module), name)


def open_session(scenario: Scenario, seed: int | None = None) -> Session:
    """Build the session for a scenario."""
    return session_class(scenario)(scenario, seed)
