"""Remember one bit across a long delay (7d-03, 7e): the task plain RNNs fail.

Each step feeds three inputs: a random bit (the *value* channel), a *marker*
that is 1 at one early step s (chosen among the first `prefix` steps), and a
*recall* cue that is 1 at step s + delay. At the recall step the net must
output the value that was marked, `delay` steps earlier; every other value is
a distractor. There is no target elsewhere, so chance is 50 %.
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class DelayData:
    """Inputs X (N, T, 3), targets Y (N, T) (-1 where there is none), mask M (N, T)."""

    X_train: np.ndarray
    Y_train: np.ndarray
    X_heldout: np.ndarray
    Y_heldout: np.ndarray

    @property
    def M_train(self) -> np.ndarray:
        return (self.Y_train >= 0).astype(np.float64)

    @property
    def M_heldout(self) -> np.ndarray:
        return (self.Y_heldout >= 0).astype(np.float64)


def make_sequences(n: int, delay: int, prefix: int, rng: np.random.Generator):
    """n sequences of length prefix + delay: X (n, T, 3), Y (n, T) with -1 for no target."""
    T = prefix + delay
    X = np.zeros((n, T, 3))
    X[:, :, 0] = rng.integers(0, 2, (n, T))
    s = rng.integers(0, prefix, n)
    rows = np.arange(n)
    X[rows, s, 1] = 1.0
    X[rows, s + delay, 2] = 1.0
    Y = np.full((n, T), -1.0)
    Y[rows, s + delay] = X[rows, s, 0]
    return X, Y


def make_data(delay: int, prefix: int, train: int, heldout: int,
              rng: np.random.Generator) -> DelayData:
    X, Y = make_sequences(train + heldout, delay, prefix, rng)
    return DelayData(X[:train], Y[:train], X[train:], Y[train:])
