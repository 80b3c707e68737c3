"""The long-delay task (7d-03, 7e) for an LSTM or a plain RNN, as a session.

The same data for both models: the LSTM carries the marked bit across the
delay in a memory cell whose keep gate stays on; the logistic RNN's error
signal shrinks at every step back (7d-03), so it stays near chance. Every
snapshot carries a probe sequence's trace (the LSTM's keep / write / read
gates and cells, or the RNN's hidden units) and the gradient-vs-lag curves.
"""

import numpy as np

from tui_lab.sim.lstm import LSTM, PRECISIONS
from tui_lab.sim.rnn import LogisticRNN
from tui_lab.sim.session import frozen_array, frozen_mapping
from tui_lab.sim.supervised import SupervisedSession
from tui_lab.sim.tasks import delay as task

N_IN = 3  # value, marker, recall cue
LAG_SCALES = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0)


def lag_norms(state_grads: np.ndarray, answer_step: int) -> np.ndarray:
    """Gradient norm at lag k = 0 .. answer_step: |d loss / d state[answer - k]|."""
    norms = np.linalg.norm(state_grads[: answer_step + 1], axis=1)
    return norms[::-1].copy()


def random_rnn(hidden: int, scale: float, seed: int = 0) -> LogisticRNN:
    """A logistic RNN whose recurrent weights have spectral radius `scale`.

    Biases put the fixed point at activity 0.5, where each unit's slope is 1/4,
    so one backward step multiplies the error by about scale / 4: below 4 it
    vanishes, above 4 it explodes (7d-03), until the units saturate.
    """
    rng = np.random.default_rng(seed)
    U = rng.normal(size=(hidden, hidden))
    U *= scale / max(np.abs(np.linalg.eigvals(U)).max(), 1e-12)
    W = rng.normal(0, 0.1, size=(hidden, N_IN))
    net = LogisticRNN(hidden, rng, n_in=N_IN, learn_initial_state=False)
    net.set_params(W=W, U=U, b=-0.5 * U.sum(1), h0=np.full(hidden, 0.5))
    return net


class DelaySession(SupervisedSession):
    """An LSTM or a logistic RNN on the delay task."""

    loss_label = "loss (nats/answer)"
    SAVED = (*SupervisedSession.SAVED, "lag_scale")

    def __init__(self, scenario, seed=None) -> None:
        self.lag_scale = 1.0
        super().__init__(scenario, seed)

    @staticmethod
    def warmup(precisions: tuple[str, ...] = tuple(PRECISIONS)) -> None:
        X, Y = task.make_sequences(2, 3, 1, np.random.default_rng(0))
        M = (Y >= 0).astype(float)
        if precisions:  # the RNN scenario uses no LSTM kernel
            lstm = LSTM(N_IN, 2, 1, np.random.default_rng(0))
            lstm.warmup(X, Y[..., None], M, precisions)
            lstm.state_grads(X[0], Y[0, :, None], M[0])
        rnn = LogisticRNN(2, np.random.default_rng(0), n_in=N_IN)
        rnn.train_chunk(X, Y, np.zeros(2, np.int64), 1, 0.1, 0.5, 1.0)
        rnn.score(X, Y)
        rnn.forward(X)
        rnn.state_grads(X[0], Y[0])

    @classmethod
    def warmup_for(cls, scenario) -> None:
        m = scenario.model
        cls.warmup((m.precision,) if scenario.model_kind == "lstm" else ())

    @property
    def is_lstm(self) -> bool:
        return self.scenario.model_kind == "lstm"

    def _make_data(self, rng: np.random.Generator) -> task.DelayData:
        t = self.scenario.task
        return task.make_data(t.delay, t.prefix, t.train_sequences, t.heldout, rng)

    def _new_net(self, rng: np.random.Generator):
        m = self.scenario.model
        if self.is_lstm:
            return LSTM(N_IN, m.hidden, 1, rng, output=m.output,
                        init_scale=m.init_scale or None, forget_bias=m.forget_bias,
                        precision=m.precision)
        return LogisticRNN(m.hidden, rng, n_in=N_IN, init_scale=m.init_scale,
                           initial_state=m.initial_state,
                           learn_initial_state=m.learn_initial_state)

    def _n_train(self) -> int:
        return len(self.data.X_train)

    def _train_net(self, idx: np.ndarray) -> np.ndarray:
        tr, d = self.scenario.training, self.data
        if self.is_lstm:
            return self.net.train_chunk(d.X_train, d.Y_train[..., None], d.M_train, idx,
                                        tr.batch, tr.optimizer, self.learning_rate,
                                        self.momentum, tr.clip)
        return self.net.train_chunk(d.X_train, d.Y_train, idx, tr.batch,
                                    self.learning_rate, self.momentum, tr.clip)

    def _score_heldout(self) -> tuple[float, float]:
        d = self.data
        if not self.is_lstm:
            return self.net.score(d.X_heldout, d.Y_heldout)
        p = self.net.run(d.X_heldout).output[..., 0]  # (N, T)
        has = d.Y_heldout >= 0
        y = d.Y_heldout[has]
        q = np.clip(p[has], 1e-12, 1 - 1e-12)
        ce = float(-(y * np.log(q) + (1 - y) * np.log(1 - q)).mean())
        right = ((p > 0.5) == (d.Y_heldout > 0.5)) | ~has
        return ce, float(right.all(axis=1).mean())

    # ------------------------------------------------------------------ views
    def probe(self) -> tuple[np.ndarray, np.ndarray, int]:
        """The first held-out sequence: inputs (T, 3), targets (T,), answer step."""
        x, y = self.data.X_heldout[0], self.data.Y_heldout[0]
        return x, y, int(np.flatnonzero(y >= 0)[0])

    def gradient_vs_lag(self) -> dict[str, np.ndarray]:
        """Gradient norm against lag on the probe, for this net and a scaled RNN."""
        x, y, answer = self.probe()
        curves = {}
        if self.is_lstm:
            dh, dc = self.net.state_grads(x, y[:, None], (y >= 0).astype(float))
            curves["LSTM (h, c)"] = lag_norms(np.hstack([dh, dc]), answer)
            rnn = random_rnn(self.scenario.model.hidden, self.lag_scale)
            label = f"random RNN, U radius {self.lag_scale:g}"
        else:
            curves["this RNN"] = lag_norms(self.net.state_grads(x, y), answer)
            rnn = LogisticRNN.from_params(self.net.params())
            rnn.set_params(U=rnn.params()["U"] * self.lag_scale)
            label = f"this RNN, U x {self.lag_scale:g}"
        curves[label] = lag_norms(rnn.state_grads(x, y), answer)
        return curves

    def set_lag_scale(self, up: bool) -> None:
        i = min(range(len(LAG_SCALES)), key=lambda j: abs(LAG_SCALES[j] - self.lag_scale))
        self.lag_scale = LAG_SCALES[min(max(i + (1 if up else -1), 0), len(LAG_SCALES) - 1)]

    def _extra(self) -> dict:
        x, y, answer = self.probe()
        extra = {"probe_inputs": frozen_array(x), "answer_step": answer,
                 "lag": frozen_mapping({k: frozen_array(v)
                                        for k, v in self.gradient_vs_lag().items()}),
                 "lag_scale": self.lag_scale}
        if self.is_lstm:
            tr = self.net.run(x[None])
            extra["gates"] = frozen_mapping({
                "keep": frozen_array(tr.keep[0]), "write": frozen_array(tr.write[0]),
                "read": frozen_array(tr.read[0]), "cell": frozen_array(tr.cell[0]),
                "output": frozen_array(tr.output[0, :, 0])})
        else:
            p, hidden = self.net.forward(x[None])
            extra["gates"] = frozen_mapping({"hidden": frozen_array(hidden[0]),
                                             "output": frozen_array(p[0])})
        return extra

    def _summary_extra(self) -> dict:
        lag = self.gradient_vs_lag()
        return {"delay": self.scenario.task.delay,
                "gradient_at_max_lag": {k: float(v[-1]) for k, v in lag.items()}}
