"""Synthetic data for the HMM scenarios, drawn from a known "true" model.

The dishonest casino (a classic of HMM textbooks): a fair die and a loaded one
that shows a six half the time; the casino switches dice now and then. The
regime-switching signal: a one-dimensional Gaussian whose mean and spread
change with a hidden regime.
"""

import numpy as np

from tui_lab.sim.hmm import CategoricalHMM, GaussianHMM


def casino(to_loaded: float, to_fair: float, loaded_six: float) -> CategoricalHMM:
    """State 0 = fair die, 1 = loaded die; symbols 0..5 are faces 1..6."""
    m = CategoricalHMM(2, 6)
    m.startprob_ = np.array([1.0, 0.0])
    m.transmat_ = np.array([[1 - to_loaded, to_loaded], [to_fair, 1 - to_fair]])
    loaded = np.full(6, (1 - loaded_six) / 5)
    loaded[5] = loaded_six
    m.emissionprob_ = np.vstack([np.full(6, 1 / 6), loaded])
    return m


def regimes(means, stds, stay: float) -> GaussianHMM:
    """N regimes with the given means and standard deviations; each lasts 1/(1-stay) on average."""
    N = len(means)
    m = GaussianHMM(N)
    m.startprob_ = np.full(N, 1.0 / N)
    m.transmat_ = np.full((N, N), (1 - stay) / max(N - 1, 1))
    np.fill_diagonal(m.transmat_, stay if N > 1 else 1.0)
    m.means_ = np.asarray(means, dtype=float)[:, None]
    m.covars_ = (np.asarray(stds, dtype=float) ** 2)[:, None]
    return m
