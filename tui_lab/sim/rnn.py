"""A recurrent net of logistic units with one logistic output (7a-08, 7c-05).

The class validates, allocates and calls the kernels of `kernels/rnn.py`; it
holds the flat parameter vector and the momentum buffer.
"""

import numpy as np

from tui_lab.sim.kernels import rnn as k


def hidden_step(params: dict, h: np.ndarray, x: np.ndarray) -> np.ndarray:
    """One hidden update, h' = sigmoid(W x + U h + b), for h (M, H), x (M, I)."""
    a = x @ params["W"].T + h @ params["U"].T + params["b"]
    return 1.0 / (1.0 + np.exp(-a))


def adder_net(gain: float = 20.0) -> "LogisticRNN":
    """A hand-built 3-unit net that implements the adder's automaton exactly (7c-03).

    Unit i (i = 1, 2, 3) is on when a + b + carry >= i, where the carry is unit 2
    of the previous step. The sum bit a + b + carry mod 2 is then u1 - u2 + u3,
    which the output unit thresholds at 1/2. The four patterns 000, 100, 110,
    111 are the states (no carry, print 0), (no carry, print 1), (carry, print 0)
    and (carry, print 1).
    """
    net = LogisticRNN(3, np.random.default_rng(0), learn_initial_state=False,
                      initial_state=0.0)
    U = np.zeros((3, 3))
    U[:, 1] = gain
    net.set_params(W=np.full((3, 2), gain), U=U, b=gain * (0.5 - np.arange(1, 4)),
                   v=gain * np.array([1.0, -1.0, 1.0]), c=[-gain / 2], h0=np.zeros(3))
    return net


class LogisticRNN:
    """I inputs -> H fully interconnected logistic hidden units -> 1 logistic output.

    Args:
        hidden: H, the number of hidden units.
        rng: draws the initial weights (normal, std `init_scale`).
        initial_state: every unit's initial activity h0.
        learn_initial_state: whether training follows h0's gradient (7b-05).
    """

    SAVED = ("theta", "velocity")

    def __init__(self, hidden: int, rng: np.random.Generator, *, n_in: int = k.N_IN,
                 init_scale: float = 1.0, initial_state: float = 0.5,
                 learn_initial_state: bool = True) -> None:
        self.H, self.I = int(hidden), int(n_in)
        self.learn_initial_state = bool(learn_initial_state)
        self.theta = rng.normal(0.0, init_scale, size=k.n_params(self.H, self.I))
        self.theta[self._slices()["h0"]] = initial_state
        self.velocity = np.zeros_like(self.theta)

    def _slices(self) -> dict[str, slice]:
        H, I = self.H, self.I
        ends = np.cumsum([0, H * I, H * H, H, H, 1, H])
        names = ["W", "U", "b", "v", "c", "h0"]
        return {n: slice(int(ends[i]), int(ends[i + 1])) for i, n in enumerate(names)}

    def params(self) -> dict[str, np.ndarray]:
        """Copies of W (H, I), U (H, H), b (H,), v (H,), c (1,), h0 (H,)."""
        shapes = {"W": (self.H, self.I), "U": (self.H, self.H)}
        return {n: self.theta[s].reshape(shapes.get(n, (-1,))).copy()
                for n, s in self._slices().items()}

    def set_params(self, **arrays: np.ndarray) -> None:
        """Overwrite named parameters (W, U, b, v, c, h0) with given values."""
        for name, s in self._slices().items():
            if name in arrays:
                value = np.asarray(arrays[name], dtype=np.float64).ravel()
                if value.size != s.stop - s.start:
                    raise ValueError(f"{name} needs {s.stop - s.start} values, got {value.size}")
                self.theta[s] = value
        self.velocity[:] = 0.0

    def is_finite(self) -> bool:
        return bool(np.isfinite(self.theta).all())

    def train_chunk(self, X: np.ndarray, Y: np.ndarray, idx: np.ndarray, batch: int,
                    lr: float, momentum: float, clip: float) -> np.ndarray:
        """Run len(idx) // batch updates; return the losses (nats/bit) of those done."""
        n = len(idx) // batch
        losses = np.empty(n)
        done = k.train_chunk(self.theta, self.velocity, self.H, X, Y,
                             idx.astype(np.int64, copy=False), batch, float(lr),
                             float(momentum), float(clip), self.learn_initial_state, losses)
        return losses[: done + (1 if done < n else 0)]

    def forward(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Output probabilities (N, T) and hidden activities (N, T, H) for X (N, T, I)."""
        N, T, _ = X.shape
        logits = np.empty((N, T))
        hidden = np.empty((N, T, self.H))
        k.predict(self.theta, self.H, X, logits, hidden)
        return 1.0 / (1.0 + np.exp(-logits)), hidden

    def score(self, X: np.ndarray, Y: np.ndarray) -> tuple[float, float]:
        """Mean cross-entropy per bit, and the fraction of sequences all right."""
        ce, right = k.score(self.theta, self.H, X, Y)
        return float(ce), float(right)

    def state_grads(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """d loss / d h[t], (T, H), for one sequence x (T, I), y (T,)."""
        out = np.empty((len(x), self.H))
        k.state_grads(self.theta, self.H, x, y, out)
        return out

    @classmethod
    def from_params(cls, params: dict) -> "LogisticRNN":
        """A net with the given W (H, I), U, b, v, c, h0 (for example a snapshot's)."""
        H, I = np.shape(params["W"])
        net = cls(H, np.random.default_rng(0), n_in=I)
        net.set_params(**params)
        return net

    def loss_grad(self, X: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray]:
        """Objective (summed cross-entropy per sequence, batch mean) and its gradient."""
        grad = np.empty_like(self.theta)
        loss = k.loss_grad(self.theta, self.H, X, Y, self.learn_initial_state, grad)
        return float(loss), grad
