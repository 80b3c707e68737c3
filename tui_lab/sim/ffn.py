"""A memoryless feed-forward net that sees every bit at once (7a-03, 7c-02).

For addition it takes both numbers whole, `width` bits each, so the number of
digits is fixed when the net is built and every column has weights of its own:
what it learns about the low columns says nothing about the high ones.
"""

import numpy as np

from tui_lab.sim.kernels import ffn as k


class FeedForwardNet:
    """I inputs -> H logistic hidden units -> O logistic outputs."""

    SAVED = ("theta", "velocity")

    def __init__(self, n_in: int, hidden: int, n_out: int, rng: np.random.Generator, *,
                 init_scale: float = 0.1) -> None:
        self.I, self.H, self.O = int(n_in), int(hidden), int(n_out)
        self.theta = rng.normal(0.0, init_scale, size=k.n_params(self.I, self.H, self.O))
        self.velocity = np.zeros_like(self.theta)

    def params(self) -> dict[str, np.ndarray]:
        """Copies of W1 (H, I), b1 (H,), W2 (O, H), b2 (O,)."""
        I, H, O = self.I, self.H, self.O
        ends = np.cumsum([0, H * I, H, O * H, O])
        shapes = [(H, I), (H,), (O, H), (O,)]
        return {n: self.theta[ends[i]:ends[i + 1]].reshape(shapes[i]).copy()
                for i, n in enumerate(["W1", "b1", "W2", "b2"])}

    def is_finite(self) -> bool:
        return bool(np.isfinite(self.theta).all())

    def train_chunk(self, X: np.ndarray, Y: np.ndarray, idx: np.ndarray, batch: int,
                    lr: float, momentum: float, clip: float) -> np.ndarray:
        """Run len(idx) // batch updates; return the losses (nats/bit) of those done."""
        n = len(idx) // batch
        losses = np.empty(n)
        done = k.train_chunk(self.theta, self.velocity, self.I, self.H, self.O, X, Y,
                             idx.astype(np.int64, copy=False), batch, float(lr),
                             float(momentum), float(clip), losses)
        return losses[: done + (1 if done < n else 0)]

    def forward(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Output probabilities (N, O) and hidden activities (N, H) for X (N, I)."""
        hidden = np.empty((len(X), self.H))
        logits = np.empty((len(X), self.O))
        k.predict(self.theta, self.I, self.H, self.O, X, hidden, logits)
        return 1.0 / (1.0 + np.exp(-logits)), hidden

    def score(self, X: np.ndarray, Y: np.ndarray) -> tuple[float, float]:
        """Mean cross-entropy per output bit, and the fraction of examples all right."""
        ce, right = k.score(self.theta, self.I, self.H, self.O, X, Y)
        return float(ce), float(right)

    def loss_grad(self, X: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray]:
        """Objective (cross-entropy summed over outputs, batch mean) and its gradient."""
        grad = np.empty_like(self.theta)
        return float(k.loss_grad(self.theta, self.I, self.H, self.O, X, Y, grad)), grad
