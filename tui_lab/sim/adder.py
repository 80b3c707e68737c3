"""Binary addition (lecture 7c) as a training session: the RNN, and the
feed-forward net that cannot generalise (7c-02).

A run is *learned* when every held-out sum is right (100 % held-out accuracy);
then training stops, since training on at a constant rate can blow a learned net
up. It is *stuck* when the held-out loss and accuracy have not improved for
`stuck_after` updates; if the scenario allows, it then restarts from fresh
weights drawn from the next seed of its stream (counted in `restarts`, never
hidden). It has *diverged* when a loss or weight is not finite.
"""

import numpy as np

from tui_lab.scenario import Scenario
from tui_lab.sim import automaton
from tui_lab.sim.ffn import FeedForwardNet
from tui_lab.sim.rnn import LogisticRNN, hidden_step
from tui_lab.sim.session import History, Session, Snapshot, Status, frozen_array, \
    frozen_mapping
from tui_lab.sim.tasks import binary_addition as task

LOSS, ACCURACY = "loss (nats/bit)", "held-out accuracy"
AUTOMATON_SUMS = 300  # held-out sums whose hidden vectors the automaton is read from
_IMPROVEMENT = 1e-3  # relative drop of held-out loss that counts as progress


class AdderSession(Session):
    """Train `LogisticRNN` on binary addition (see module docstring).

    Subclasses change the net and the data layout through `_new_net`, `_encode`
    and `_extra` (see `FeedForwardAdderSession`).
    """

    def __init__(self, scenario: Scenario, seed: int | None = None) -> None:
        super().__init__(scenario, seed)
        self.history = History(2)
        self.reset(self.seed)

    @staticmethod
    def warmup() -> None:
        rng = np.random.default_rng(0)
        net = LogisticRNN(2, rng)
        X, Y = task.encode(np.zeros((2, 3), np.uint8), np.ones((2, 3), np.uint8))
        net.train_chunk(X, Y, np.zeros(2, np.int64), 1, 0.1, 0.9, 1.0)
        net.forward(X)
        net.loss_grad(X, Y)
        net.score(X, Y)

    # ----------------------------------------------------------------- set-up
    def reset(self, seed: int | None = None) -> None:
        if seed is not None:
            self.seed = int(seed)
        t = self.scenario.task
        self.data = task.make_data(t.bits, t.heldout, t.test_lengths, t.test_pairs,
                                   np.random.default_rng([self.seed, 0]), self._encode)
        self.updates = 0
        self.restarts = 0
        self.history.clear()
        self.status, self.message = Status.READY, ""
        self._start_attempt()

    def _encode(self, a_bits: np.ndarray, b_bits: np.ndarray):
        """Inputs and targets for bit arrays a, b (N, n): sequences by column."""
        return task.encode(a_bits, b_bits)

    def _new_net(self, rng: np.random.Generator):
        m = self.scenario.model
        return LogisticRNN(m.hidden, rng, init_scale=m.init_scale,
                           initial_state=m.initial_state,
                           learn_initial_state=m.learn_initial_state)

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
        self._by_length: tuple[int, dict] | None = None

    # --------------------------------------------------------------- training
    def train(self, n: int) -> dict:
        tr = self.scenario.training
        done = 0
        while done < n and self.status is Status.READY:
            k = min(tr.eval_every - self._block_n, n - done, tr.updates - self.updates)
            idx = self._index_rng.integers(0, len(self.data.X_train), size=k * tr.batch)
            losses = self.net.train_chunk(self.data.X_train, self.data.Y_train, idx,
                                          tr.batch, self.learning_rate, self.momentum,
                                          tr.clip)
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
                           "without 100 % held-out accuracy")
        return self.metrics()

    def _stop(self, status: Status, message: str) -> None:
        self.status, self.message = status, message

    def _evaluate(self) -> None:
        self.loss = self._block_loss / max(self._block_n, 1)
        self._block_loss, self._block_n = 0.0, 0
        self.heldout_loss, self.heldout_accuracy = self._score(
            self.data.X_heldout, self.data.Y_heldout)
        self.history.append(self.updates, self.loss, self.heldout_accuracy)
        if self.heldout_accuracy == 1.0:
            self._stop(Status.LEARNED, f"every held-out sum is right after "
                       f"{self.updates} updates")
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

    def _score(self, X: np.ndarray, Y: np.ndarray) -> tuple[float, float]:
        """Mean cross-entropy per bit and fraction of sums with every bit right."""
        return self.net.score(X, Y)

    def accuracy_by_length(self) -> dict[int, float]:
        """Fraction of sums all right, by number length in bits (held-out included)."""
        if self._by_length is None or self._by_length[0] != self.updates:
            acc = {self.scenario.task.bits: self._score(self.data.X_heldout,
                                                        self.data.Y_heldout)[1]}
            for bits, (X, Y) in sorted(self.data.tests.items()):
                acc[bits] = self._score(X, Y)[1]
            self._by_length = (self.updates, acc)
        return dict(self._by_length[1])

    # ---------------------------------------------------------------- display
    def metrics(self) -> dict:
        return {"updates": self.updates, "loss": self.loss,
                "heldout_accuracy": self.heldout_accuracy, "restarts": self.restarts,
                "status": self.status.value}

    def extract_automaton(self) -> automaton.Automaton:
        """The automaton the net's hidden units implement now (7c-06)."""
        X = self.data.X_heldout[:AUTOMATON_SUMS]
        p, hidden = self.net.forward(X)
        params = self.net.params()
        return automaton.extract(hidden, X, (p > 0.5).astype(np.int64),
                                 lambda h, x: hidden_step(params, h, x))

    def example_pair(self) -> tuple[np.ndarray, np.ndarray]:
        """The first held-out pair, as bit arrays (a, b), least significant first."""
        n = self.scenario.task.bits
        X = self.data.X_heldout[0, :n]
        return X[:, 0].astype(np.uint8), X[:, 1].astype(np.uint8)

    def snapshot(self) -> Snapshot:
        x, y = self.history.arrays()
        by_length = self.accuracy_by_length()
        metrics = {"loss": self.loss, "held-out": self.heldout_accuracy}
        metrics.update({f"{b}-bit": a for b, a in by_length.items()})
        return Snapshot(
            scenario=self.scenario.name, title=self.scenario.title,
            model_kind=self.scenario.model_kind, status=self.status,
            message=self.message, updates=self.updates, seed=self.seed,
            restarts=self.restarts, learning_rate=self.learning_rate,
            momentum=self.momentum, history_x=x,
            history=frozen_mapping({LOSS: frozen_array(y[:, 0]),
                                    ACCURACY: frozen_array(y[:, 1])}),
            metrics=frozen_mapping(metrics),
            params=frozen_mapping({k: frozen_array(v) for k, v in self.net.params().items()}),
            extra=frozen_mapping({"accuracy_by_length": frozen_mapping(by_length),
                                  **self._extra()}),
        )

    def _extra(self) -> dict:
        """Model-specific snapshot contents: the automaton and the stepper's pair."""
        a, b = self.example_pair()
        return {"automaton": self.extract_automaton(),
                "example": (frozen_array(a), frozen_array(b))}

    def _summary_extra(self) -> dict:
        auto = self.extract_automaton()
        return {"hidden_patterns": auto.n_patterns, "automaton_states": auto.n_states,
                "transition_agreement": auto.agreement}

    def summary(self) -> dict:
        return {
            "scenario": self.scenario.name, "seed": self.seed, "updates": self.updates,
            "restarts": self.restarts, "state": self.status.value,
            "message": self.message, "loss": _json_float(self.loss),
            "heldout_accuracy": self.heldout_accuracy,
            "accuracy_by_length": {str(b): a for b, a in self.accuracy_by_length().items()},
            **self._summary_extra(),
        }


class FeedForwardAdderSession(AdderSession):
    """The memoryless baseline of 7c-02: every bit of both numbers at once.

    Trained on numbers below 2^bits but built `width` bits wide, so its weights
    for the high bits never learn anything; tests on longer numbers show it.
    """

    @staticmethod
    def warmup() -> None:
        net = FeedForwardNet(4, 3, 3, np.random.default_rng(0))
        X, Y = task.encode_flat(np.zeros((2, 2), np.uint8), np.ones((2, 2), np.uint8), 2)
        net.train_chunk(X, Y, np.zeros(2, np.int64), 1, 0.1, 0.9, 1.0)
        net.forward(X)
        net.loss_grad(X, Y)
        net.score(X, Y)

    def _encode(self, a_bits: np.ndarray, b_bits: np.ndarray):
        return task.encode_flat(a_bits, b_bits, self.scenario.model.width)

    def _new_net(self, rng: np.random.Generator):
        m = self.scenario.model
        return FeedForwardNet(2 * m.width, m.hidden, m.width + 1, rng,
                              init_scale=m.init_scale)

    def _extra(self) -> dict:
        return {}

    def _summary_extra(self) -> dict:
        return {"width": self.scenario.model.width}


def _json_float(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None
