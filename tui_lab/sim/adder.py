"""Binary addition (lecture 7c) as a training session: the RNN, and the
feed-forward net that cannot generalise (7c-02).

A run is *learned* when every held-out sum is right (the training loop, restarts
and stopping rules are `SupervisedSession`'s). Every snapshot carries the
accuracy by number length, the automaton read out of the hidden units (7c-06)
and the pair the stepper shows.
"""

import dataclasses

import numpy as np

from tui_lab.sim import automaton
from tui_lab.sim.ffn import FeedForwardNet
from tui_lab.sim.rnn import LogisticRNN, hidden_step
from tui_lab.sim.session import frozen_array, frozen_mapping
from tui_lab.sim.supervised import SupervisedSession
from tui_lab.sim.tasks import binary_addition as task
from tui_lab.specs import RNNSpec, TrainingSpec

AUTOMATON_SUMS = 300  # held-out sums whose hidden vectors the automaton is read from


class AdderSession(SupervisedSession):
    """Train `LogisticRNN` on binary addition; learned = every held-out sum right."""

    loss_label = "loss (nats/bit)"

    @staticmethod
    def warmup() -> None:
        rng = np.random.default_rng(0)
        net = LogisticRNN(2, rng)
        X, Y = task.encode(np.zeros((2, 3), np.uint8), np.ones((2, 3), np.uint8))
        net.train_chunk(X, Y, np.zeros(2, np.int64), 1, 0.1, 0.9, 1.0)
        net.forward(X)
        net.loss_grad(X, Y)
        net.score(X, Y)

    def _make_data(self, rng: np.random.Generator) -> task.AdditionData:
        t = self.scenario.task
        return task.make_data(t.bits, t.heldout, t.test_lengths, t.test_pairs, rng,
                              self._encode)

    def _encode(self, a_bits: np.ndarray, b_bits: np.ndarray):
        """Inputs and targets for bit arrays a, b (N, n): sequences by column."""
        return task.encode(a_bits, b_bits)

    def _new_net(self, rng: np.random.Generator):
        m = self.scenario.model
        return LogisticRNN(m.hidden, rng, init_scale=m.init_scale,
                           initial_state=m.initial_state,
                           learn_initial_state=m.learn_initial_state)

    def _n_train(self) -> int:
        return len(self.data.X_train)

    def _train_net(self, idx: np.ndarray) -> np.ndarray:
        tr = self.scenario.training
        return self.net.train_chunk(self.data.X_train, self.data.Y_train, idx, tr.batch,
                                    self.learning_rate, self.momentum, tr.clip)

    def _score_heldout(self) -> tuple[float, float]:
        return self.net.score(self.data.X_heldout, self.data.Y_heldout)

    def _start_attempt(self) -> None:
        super()._start_attempt()
        self._by_length: tuple[int, dict] | None = None

    def accuracy_by_length(self, fresh: bool = False) -> dict[int, float]:
        """Fraction of sums all right, by number length in bits (held-out included).

        As of the last held-out evaluation, like the held-out figure beside it
        (scoring every test set for every snapshot, ten a second, cost the
        feed-forward run a tenth of its training time); `fresh` scores the
        weights as they are now.
        """
        at = self.updates if fresh else self.evaluated_at
        if self._by_length is None or self._by_length[0] != at:
            held = (self.heldout_accuracy if at == self.evaluated_at
                    else self._score_heldout()[1])
            acc = {self.scenario.task.bits: held}
            for bits, (X, Y) in sorted(self.data.tests.items()):
                acc[bits] = self.net.score(X, Y)[1]
            self._by_length = (at, acc)
        return dict(self._by_length[1])

    def extra_metrics(self) -> dict[str, float]:
        return {f"{b}-bit": a for b, a in self.accuracy_by_length().items()}

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

    def _extra(self) -> dict:
        """The automaton and the stepper's pair, with the accuracy by length."""
        a, b = self.example_pair()
        return {"accuracy_by_length": frozen_mapping(self.accuracy_by_length()),
                "automaton": self.extract_automaton(),
                "example": (frozen_array(a), frozen_array(b))}

    def _summary_extra(self) -> dict:
        auto = self.extract_automaton()
        return {"accuracy_by_length": {str(b): a for b, a in
                                       self.accuracy_by_length(fresh=True).items()},
                "hidden_patterns": auto.n_patterns, "automaton_states": auto.n_states,
                "transition_agreement": auto.agreement}


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

    def reset(self, seed: int | None = None) -> None:
        super().reset(seed)
        self.rnn_by_length = self._reference_rnn()

    def _reference_rnn(self) -> dict[int, float]:
        """The 3-unit RNN trained on the same n-bit sums, for the side-by-side strip.

        It learns in a few milliseconds (restarts included), so it is trained
        here rather than loaded; it is tested on 16-, 32- and 64-bit sums.
        """
        t = self.scenario.task
        ref = dataclasses.replace(
            self.scenario, name="adder-reference", model_kind="rnn", model=RNNSpec(),
            task=dataclasses.replace(t, test_lengths=(16, 32, 64), test_pairs=200),
            training=TrainingSpec(learning_rate=0.05, momentum=0.5, eval_every=500,
                                  stuck_after=10_000, updates=500_000, seed=self.seed))
        rnn = AdderSession(ref)
        while not rnn.done:
            rnn.train(20_000)
        return rnn.accuracy_by_length(fresh=True)

    def extra_metrics(self) -> dict[str, float]:
        return {**super().extra_metrics(),
                **{f"RNN {b}-bit": a for b, a in self.rnn_by_length.items()}}

    def _extra(self) -> dict:
        return {"accuracy_by_length": frozen_mapping(self.accuracy_by_length()),
                "rnn_accuracy_by_length": frozen_mapping(self.rnn_by_length)}

    def _summary_extra(self) -> dict:
        return {"accuracy_by_length": {str(b): a for b, a in
                                       self.accuracy_by_length(fresh=True).items()},
                "rnn_accuracy_by_length": {str(b): a for b, a in self.rnn_by_length.items()},
                "width": self.scenario.model.width}
