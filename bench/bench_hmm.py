"""Benchmark the HMM kernels: forward-backward, one Baum-Welch iteration, Viterbi.

8 states, 16 symbols, T = 100,000 (and a 1-D Gaussian case), against a
plain-NumPy scaled forward-backward in the same run and against hmmlearn (the
test extra) with both its implementations. Run from the repository root:
    python bench/bench_hmm.py
"""

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tui_lab.sim.hmm import CategoricalHMM, GaussianHMM  # noqa: E402

N, K, T = 8, 16, 100_000


def best_time(fn, repeats: int = 3) -> float:
    fn()
    return min(_timed(fn) for _ in range(repeats))


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def numpy_forward_backward(pi, A, B):
    """The plain-NumPy twin: scaled forward-backward, vectorised over states."""
    T_, N_ = B.shape
    alpha = np.empty((T_, N_))
    c = np.empty(T_)
    a = pi * B[0]
    c[0] = a.sum()
    alpha[0] = a / c[0]
    for t in range(1, T_):
        a = (alpha[t - 1] @ A) * B[t]
        c[t] = a.sum()
        alpha[t] = a / c[t]
    beta = np.ones((T_, N_))
    for t in range(T_ - 2, -1, -1):
        beta[t] = A @ (B[t + 1] * beta[t + 1]) / c[t + 1]
    return np.log(c).sum(), alpha * beta


def main() -> None:
    rng = np.random.default_rng(0)
    ours = CategoricalHMM(N, K)
    ours.startprob_ = rng.dirichlet(np.ones(N))
    ours.transmat_ = rng.dirichlet(np.ones(N), N)
    ours.emissionprob_ = rng.dirichlet(np.ones(K), N)
    X, _ = ours.sample(T, random_state=0)
    g = GaussianHMM(N)
    g.startprob_, g.transmat_ = ours.startprob_, ours.transmat_
    g.means_ = np.linspace(-3, 3, N)[:, None]
    g.covars_ = np.full((N, 1), 0.5)
    Xg, _ = g.sample(T, random_state=0)
    rows = []
    B = ours.emissionprob_[:, X[:, 0]].T.copy()
    rows.append(("forward-backward, categorical", best_time(lambda: ours.predict_proba(X)),
                 best_time(lambda: numpy_forward_backward(ours.startprob_, ours.transmat_, B), 1)))
    rows.append(("Baum-Welch iteration, categorical",
                 best_time(lambda: _copy(ours).em_step(X)), None))
    rows.append(("Viterbi, categorical", best_time(lambda: ours.decode(X)), None))
    rows.append(("forward-backward, Gaussian", best_time(lambda: g.predict_proba(Xg)), None))
    rows.append(("Baum-Welch iteration, Gaussian", best_time(lambda: _copy(g).em_step(Xg)), None))
    refs = hmmlearn_times(ours, g, X, Xg)
    print(f"HMM kernels, {N} states, {K} symbols, T = {T:,} (seconds, best of 3)")
    print(f"{'':<34} {'ours':>8} {'numpy':>8} {'hmmlearn scaling':>17} {'hmmlearn log':>13}"
          f" {'vs scaling':>10} {'vs log':>7}")
    for (name, ours_t, np_t), (scal, logi) in zip(rows, refs):
        print(f"{name:<34} {ours_t:8.4f} {np_t if np_t else float('nan'):8.3f} "
              f"{scal:17.4f} {logi:13.4f} {scal / ours_t:9.1f}x {logi / ours_t:6.1f}x")


def _copy(m):
    import copy
    return copy.deepcopy(m)


def hmmlearn_times(ours, g, X, Xg):
    try:
        from hmmlearn import hmm
    except ImportError:
        return [(float("nan"), float("nan"))] * 5
    out = {}
    for impl in ("scaling", "log"):
        c = hmm.CategoricalHMM(N, n_features=K, implementation=impl, init_params="", n_iter=1,
                               tol=-1)
        c.startprob_, c.transmat_, c.emissionprob_ = (ours.startprob_, ours.transmat_,
                                                      ours.emissionprob_)
        gg = hmm.GaussianHMM(N, implementation=impl, init_params="", n_iter=1, tol=-1)
        gg.startprob_, gg.transmat_, gg.means_ = g.startprob_, g.transmat_, g.means_
        gg.covars_ = g.covars_.copy()
        out[impl] = [best_time(lambda: c.predict_proba(X)),
                     best_time(lambda: _copy(c).fit(X)),
                     best_time(lambda: c.decode(X)),
                     best_time(lambda: gg.predict_proba(Xg)),
                     best_time(lambda: _copy(gg).fit(Xg))]
    return list(zip(out["scaling"], out["log"]))


if __name__ == "__main__":
    main()
