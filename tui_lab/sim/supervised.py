"""The training loop shared by the supervised sessions (adder, delay task, ...).

A run is *learned* when held-out accuracy reaches `training.target_accuracy`
(100 % by default); then training stops, since training on at a constant rate
can blow a learned net up. It is *stuck* when the held-out loss and accuracy
have not improved for `stuck_after` updates; if the scenario allows, it then
restarts from fresh weights drawn from the next seed of its stream (counted in
`restarts`, never hidden). It has *diverged* when a loss or weight is not
finite, and is *out of budget* after `training.updates` updates in all.

Subclasses say what the data and the net are: `_make_data`, `_new_net`,
`_n_train`, `_train_net`, `_score_heldout`, and what else to show: `_extra`,
`_summary_extra`, `extra_metrics`.
"""

from abc import abstractmethod

import numpy as np

from tui_lab.scenario import Scenario
from tui_lab.sim.session import History, Session, Snapshot, Status, frozen_array

LOSS, ACCURACY = "loss", "held-out accuracy"
_IMPROVEMENT = 1e-3  # relative drop of held-out loss that counts as progress


class SupervisedSession(Session):
    """Minibatch training with evaluation, restarts and a bounded history."""

    loss_label = LOSS  # the chart's name for the loss series
    SAVED = ("updates", "restarts", "status", "message", "learning_rate", "momentum",
             "history", "net", "_index_rng", "_attempt_updates", "_best", "_last_progress",
             "_block_loss", "_block_n", "loss", "heldout_loss", "heldout_accuracy",
             "evaluated_at")

    def __init__(self, scenario: Scenario, seed: int | None = None) -> None:
        super().__init__(scenario, seed)
        self.history = History(2)
        self.reset(self.seed)

    # ------------------------------------------------------------ subclasses
    @abstractmethod
    def _make_data(self, rng: np.random.Generator):
        """The run's data (train and held-out), drawn from rng."""

    @abstractmethod
    def _new_net(self, rng: np.random.Generator):
        """Fresh weights for an attempt."""

    @abstractmethod
    def _n_train(self) -> int:
        """How many training examples the update indices range over."""

    @abstractmethod
    def _train_net(self, idx: np.ndarray) -> np.ndarray:
        """Run len(idx) // batch updates; return their losses (fewer if it diverged)."""

    @abstractmethod
    def _score_heldout(self) -> tuple[float, float]:
        """Held-out loss and accuracy of the current net."""

    def extra_metrics(self) -> dict[str, float]:
        """More named figures for the status line (for example accuracy by length)."""
        return {}

    def _extra(self) -> dict:
        return {}

    def _summary_extra(self) -> dict:
        return {}

    # ----------------------------------------------------------------- set-up
    def reset(self, seed: int | None = None) -> None:
        if seed is not None:
            self.seed = int(seed)
        self.data = self._make_data(np.random.default_rng([self.seed, 0]))
        self.updates = 0
        self.restarts = 0
        self.history.clear()
        self.status, self.message = Status.READY, ""
        self._start_attempt()

    def _start_attempt(self) -> None:
        self.net = self._new_net(np.random.default_rng([self.seed, 1, self.restarts]))
        self._index_rng = np.random.default_rng([self.seed, 2, self.restarts])
        self._attempt_updates = 0
        self._best = (np.inf, -1.0)  # held-out loss, accuracy
        self._last_progress = 0
        self._block_loss, self._block_n = 0.0, 0
        self.loss = float("nan")
        self.heldout_loss = float("nan")
        self.heldout_accuracy = 0.0
        self.evaluated_at = -1  # `updates` at the last held-out evaluation

    # --------------------------------------------------------------- training
    def train(self, n: int) -> dict:
        tr = self.scenario.training
        done = 0
        while done < n and self.status is Status.READY:
            k = min(tr.eval_every - self._block_n, n - done, tr.updates - self.updates)
            idx = self._index_rng.integers(0, self._n_train(), size=k * tr.batch)
            losses = self._train_net(idx)
            ok = len(losses) == k and np.isfinite(losses[-1]) and self.net.is_finite()
            m = len(losses) if ok else max(len(losses) - 1, 0)
            self.updates += m
            self._attempt_updates += m
            done += m
            self._block_loss += float(losses[:m].sum())
            self._block_n += m
            if not ok:
                self._stop(Status.DIVERGED, "a loss or weight became infinite or NaN "
                           f"after {self.updates} updates; lower the learning rate "
                           "or set training.clip")
                break
            if self._block_n >= tr.eval_every:
                self._evaluate()
            if self.status is Status.READY and self.updates >= tr.updates:
                self._stop(Status.BUDGET, f"the update budget ({tr.updates}) is spent "
                           f"before the target held-out accuracy")
        return self.metrics()

    def _stop(self, status: Status, message: str) -> None:
        self.status, self.message = status, message

    def _evaluate(self) -> None:
        self.loss = self._block_loss / max(self._block_n, 1)
        self._block_loss, self._block_n = 0.0, 0
        self.heldout_loss, self.heldout_accuracy = self._score_heldout()
        self.evaluated_at = self.updates
        self.history.append(self.updates, self.loss, self.heldout_accuracy)
        target = self.scenario.training.target_accuracy
        if self.heldout_accuracy >= target:
            self._stop(Status.LEARNED, f"held-out accuracy {self.heldout_accuracy:.1%} "
                       f"(target {target:.0%}) after {self.updates} updates")
            return
        best_loss, best_acc = self._best
        if (self.heldout_loss < best_loss * (1 - _IMPROVEMENT)
                or self.heldout_accuracy > best_acc):
            self._best = (min(best_loss, self.heldout_loss),
                          max(best_acc, self.heldout_accuracy))
            self._last_progress = self._attempt_updates
        elif self._attempt_updates - self._last_progress >= self.scenario.training.stuck_after:
            self._on_stuck()

    def _on_stuck(self) -> None:
        tr = self.scenario.training
        if tr.restart_when_stuck and self.restarts < tr.max_restarts:
            self.restarts += 1
            self._start_attempt()
        else:
            self._stop(Status.STUCK, f"no progress for {tr.stuck_after} updates "
                       f"(held-out accuracy {self.heldout_accuracy:.1%})")

    # ---------------------------------------------------------------- display
    def metrics(self) -> dict:
        return {"updates": self.updates, "loss": self.loss,
                "heldout_accuracy": self.heldout_accuracy, "restarts": self.restarts,
                "status": self.status.value}

    def snapshot(self) -> Snapshot:
        x, y = self.history.arrays()
        metrics = {"loss": self.loss, "held-out": self.heldout_accuracy,
                   **self.extra_metrics()}
        return self._snapshot(
            x, {self.loss_label: y[:, 0], ACCURACY: y[:, 1]}, metrics=metrics,
            params={k: frozen_array(v) for k, v in self.net.params().items()},
            extra=self._extra())

    def summary(self) -> dict:
        return {
            "scenario": self.scenario.name, "seed": self.seed, "updates": self.updates,
            "restarts": self.restarts, "state": self.status.value,
            "message": self.message, "loss": _json_float(self.loss),
            "heldout_accuracy": self.heldout_accuracy, **self._summary_extra(),
        }


def _json_float(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None
