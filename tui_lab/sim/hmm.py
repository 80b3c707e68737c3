"""Hidden Markov models (7a-06) with the names hmmlearn users know.

`CategoricalHMM` (symbols 0..K-1) and `GaussianHMM` (one-dimensional
observations) share `startprob_`, `transmat_`, `score`, `predict_proba`,
`decode`, `predict`, `fit` (with a `monitor_` history) and `sample`. X is
(T,) or (T, 1); `lengths` splits it into several sequences, as in hmmlearn.
No hmmlearn is needed at run time.
"""

from dataclasses import dataclass, field

import numpy as np

from tui_lab.sim.kernels import hmm as k

MIN_VARIANCE = 1e-6


@dataclass
class ConvergenceMonitor:
    """Log-likelihood after each EM iteration, and whether it converged."""

    tol: float = 1e-4
    history: list = field(default_factory=list)

    @property
    def converged(self) -> bool:
        return len(self.history) >= 2 and abs(self.history[-1] - self.history[-2]) < self.tol


def _starts(n: int, lengths) -> np.ndarray:
    if lengths is None:
        return np.array([0, n], dtype=np.int64)
    lengths = np.asarray(lengths, dtype=np.int64)
    if lengths.min(initial=1) < 1 or lengths.sum() != n:
        raise ValueError(f"lengths must be positive and sum to {n}, got {lengths.tolist()}")
    return np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)


def _safe_log(a: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(a)


class _BaseHMM:
    def __init__(self, n_components: int, n_iter: int = 10, tol: float = 1e-4) -> None:
        self.n_components = int(n_components)
        self.n_iter = n_iter
        self.monitor_ = ConvergenceMonitor(tol)
        N = self.n_components
        self.startprob_ = np.full(N, 1.0 / N)
        self.transmat_ = np.full((N, N), 1.0 / N)

    # subclasses: _likelihood(x) -> (table, idx), the likelihood of state j at
    # step t being table[idx[t], j]; _update_emissions(x, gamma)
    def _obs(self, X) -> np.ndarray:
        x = np.asarray(X)
        return x[:, 0] if x.ndim == 2 else x

    def _posteriors(self, X, lengths, want_xi: bool = True):
        x = self._obs(X)
        starts = _starts(len(x), lengths)
        table, idx = self._likelihood(x)
        gamma = np.empty((len(x), self.n_components))
        xi = np.empty((self.n_components, self.n_components))
        loglik = k.forward_backward(self.startprob_, self.transmat_, table, idx, starts, gamma,
                                    xi, want_xi)
        return x, starts, loglik, gamma, xi

    def score(self, X, lengths=None) -> float:
        """Log-likelihood of X under the model (forward algorithm)."""
        return float(self._posteriors(X, lengths, False)[2])

    def predict_proba(self, X, lengths=None) -> np.ndarray:
        """State posteriors (T, N): P(state at t | all observations)."""
        return self._posteriors(X, lengths, False)[3]

    def decode(self, X, lengths=None) -> tuple[float, np.ndarray]:
        """Viterbi: (log-probability of the best path, the path)."""
        x = self._obs(X)
        starts = _starts(len(x), lengths)
        path = np.empty(len(x), dtype=np.int64)
        table, idx = self._likelihood(x)
        logp = k.viterbi(_safe_log(self.startprob_), np.ascontiguousarray(_safe_log(self.transmat_).T),
                         _safe_log(table), idx, starts, path)
        return float(logp), path

    def predict(self, X, lengths=None) -> np.ndarray:
        return self.decode(X, lengths)[1]

    def em_step(self, X, lengths=None) -> float:
        """One Baum-Welch iteration; returns the log-likelihood before the update."""
        x, starts, loglik, gamma, xi = self._posteriors(X, lengths)
        self.startprob_ = gamma[starts[:-1]].sum(0) / (len(starts) - 1)
        rows = xi.sum(1, keepdims=True)
        self.transmat_ = np.where(rows > 0, xi / np.where(rows > 0, rows, 1), self.transmat_)
        self._update_emissions(x, gamma)
        return float(loglik)

    def fit(self, X, lengths=None) -> "_BaseHMM":
        """Baum-Welch until converged or n_iter; the monitor keeps the history."""
        for _ in range(self.n_iter):
            self.monitor_.history.append(self.em_step(X, lengths))
            if self.monitor_.converged:
                break
        return self


class CategoricalHMM(_BaseHMM):
    """Discrete symbols 0..n_features-1; emissionprob_ (N, K)."""

    SAVED = ("startprob_", "transmat_", "emissionprob_")

    def __init__(self, n_components: int, n_features: int, **kwargs) -> None:
        super().__init__(n_components, **kwargs)
        self.n_features = int(n_features)
        self.emissionprob_ = np.full((n_components, n_features), 1.0 / n_features)

    def _likelihood(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The transposed emission table, indexed by the symbols themselves."""
        x = np.asarray(x, dtype=np.int64)
        if len(x) and (x.min() < 0 or x.max() >= self.n_features):
            raise ValueError(f"symbols must be 0 to {self.n_features - 1}")
        return np.ascontiguousarray(self.emissionprob_.T), x

    def _update_emissions(self, x, gamma) -> None:
        counts = np.empty((self.n_components, self.n_features))
        k.emission_counts(gamma, np.asarray(x, dtype=np.int64), counts)
        rows = counts.sum(1, keepdims=True)
        self.emissionprob_ = np.where(rows > 0, counts / np.where(rows > 0, rows, 1),
                                      self.emissionprob_)

    def sample(self, n: int, random_state=None) -> tuple[np.ndarray, np.ndarray]:
        """(X (n, 1) symbols, states (n,)), like hmmlearn."""
        rng = np.random.default_rng(random_state)
        states = np.empty(n, dtype=np.int64)
        symbols = np.empty(n, dtype=np.int64)
        k.sample(self.startprob_, self.transmat_, np.cumsum(self.emissionprob_, axis=1),
                 rng.random(n), rng.random(n), states, symbols)
        return symbols[:, None], states


class GaussianHMM(_BaseHMM):
    """One-dimensional Gaussian emissions: means_ (N, 1), covars_ (N, 1)."""

    SAVED = ("startprob_", "transmat_", "means_", "covars_")

    def __init__(self, n_components: int, **kwargs) -> None:
        super().__init__(n_components, **kwargs)
        self.means_ = np.zeros((n_components, 1))
        self.covars_ = np.ones((n_components, 1))
        self._scratch = None  # likelihood buffers kept between calls on same-length data

    def _likelihood(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """B (T, N), the densities at every step, indexed by the step."""
        shape = (len(x), self.n_components)
        if self._scratch is None or self._scratch[0].shape != shape:  # reused: no page faults
            self._scratch = (np.empty(shape), np.empty(shape, np.int64),
                             np.arange(len(x), dtype=np.int64))
        B, pow2, idx = self._scratch
        k.gaussian_likelihood(self.means_[:, 0], self.covars_[:, 0],
                              np.asarray(x, dtype=np.float64), B, pow2)
        return B, idx

    def _update_emissions(self, x, gamma) -> None:
        N = self.n_components
        w, mu, var = np.empty(N), np.empty(N), np.empty(N)
        k.gaussian_stats(gamma, np.asarray(x, dtype=np.float64), w, mu, var)
        ok = w > 0
        mu = np.where(ok, mu, self.means_[:, 0])
        var = np.where(ok, var, self.covars_[:, 0])
        self.means_ = mu[:, None]
        self.covars_ = np.maximum(var, MIN_VARIANCE)[:, None]

    def sample(self, n: int, random_state=None) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(random_state)
        states = np.empty(n, dtype=np.int64)
        dummy = np.empty(n, dtype=np.int64)
        k.sample(self.startprob_, self.transmat_, np.ones((self.n_components, 1)),
                 rng.random(n), rng.random(n), states, dummy)
        x = rng.normal(self.means_[states, 0], np.sqrt(self.covars_[states, 0]))
        return x[:, None], states
