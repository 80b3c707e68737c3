"""Benchmark the Kalman filter and filter + RTS smoother.

State dimension 2 and 4, observation dimension 1 and 2, T = 10,000; against a
plain-NumPy twin in the same run, and against pykalman and filterpy (the test
extra) when installed. Run from the repository root:  python bench/bench_lds.py
"""

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tui_lab.sim.lds import KalmanFilter  # noqa: E402

T = 10_000


def best(fn, repeats=3):
    fn()
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return min(out)


def numpy_filter(kf, y):
    """The plain-NumPy twin: the same filter written with numpy matrix products."""
    A, C, Q, R = (kf.transition_matrices, kf.observation_matrices, kf.transition_covariance,
                  kf.observation_covariance)
    x, P = kf.initial_state_mean, kf.initial_state_covariance
    n = len(x)
    means = np.empty((len(y), n))
    covs = np.empty((len(y), n, n))
    for t in range(len(y)):
        if t:
            x, P = A @ x, A @ P @ A.T + Q
        S = C @ P @ C.T + R
        K = P @ C.T @ np.linalg.inv(S)
        x = x + K @ (y[t] - C @ x)
        IKC = np.eye(n) - K @ C
        P = IKC @ P @ IKC.T + K @ R @ K.T
        P = 0.5 * (P + P.T)
        means[t], covs[t] = x, P
    return means, covs


def system(d, m, seed=0):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(d, d))
    A *= 0.95 / np.abs(np.linalg.eigvals(A)).max()
    return KalmanFilter(A, rng.normal(size=(m, d)), np.eye(d) * 0.1, np.eye(m), np.zeros(d),
                        np.eye(d))


def references(kf, y):
    out = {}
    try:
        import pykalman
        pk = pykalman.KalmanFilter(kf.transition_matrices, kf.observation_matrices,
                                   kf.transition_covariance, kf.observation_covariance,
                                   initial_state_mean=kf.initial_state_mean,
                                   initial_state_covariance=kf.initial_state_covariance)
        out["pykalman"] = (best(lambda: pk.filter(y), 1), best(lambda: pk.smooth(y), 1))
    except ImportError:
        out["pykalman"] = (float("nan"), float("nan"))
    try:
        from filterpy.kalman import KalmanFilter as FP
        f = FP(dim_x=kf.n_dim_state, dim_z=kf.n_dim_obs)
        f.F, f.H = kf.transition_matrices, kf.observation_matrices
        f.Q, f.R = kf.transition_covariance, kf.observation_covariance
        f.x, f.P = kf.initial_state_mean.reshape(-1, 1).copy(), kf.initial_state_covariance.copy()
        z = y.reshape(len(y), kf.n_dim_obs, 1)

        def fp_filter():
            f.x, f.P = kf.initial_state_mean.reshape(-1, 1).copy(), kf.initial_state_covariance.copy()
            return f.batch_filter(z)

        def fp_smooth():
            mu, cov, _, _ = fp_filter()
            return f.rts_smoother(mu, cov)
        out["filterpy"] = (best(fp_filter, 1), best(fp_smooth, 1))
    except ImportError:
        out["filterpy"] = (float("nan"), float("nan"))
    return out


def main():
    print(f"Kalman filter and filter + smoother, T = {T:,} (seconds; ours best of 10, "
          "the twin and the references one run each)")
    print(f"{'d':>2} {'m':>2} {'what':<16} {'ours':>9} {'numpy':>8} {'pykalman':>9} "
          f"{'filterpy':>9} {'vs numpy':>9} {'vs pyk':>7} {'vs fpy':>7}")
    for d in (2, 4):
        for m in (1, 2):
            kf = system(d, m)
            _, y = kf.sample(T, random_state=1)
            ours_f = best(lambda: kf.filter(y), 10)
            ours_s = best(lambda: kf.smooth(y), 10)
            twin = best(lambda: numpy_filter(kf, y), 1)
            ref = references(kf, y)
            for what, ours, i in (("filter", ours_f, 0), ("filter+smoother", ours_s, 1)):
                pk, fp = ref["pykalman"][i], ref["filterpy"][i]
                tw = twin if i == 0 else float("nan")
                print(f"{d:>2} {m:>2} {what:<16} {ours:9.5f} {tw:8.4f} {pk:9.4f} {fp:9.4f} "
                      f"{tw / ours:8.0f}x {pk / ours:6.0f}x {fp / ours:6.0f}x")


if __name__ == "__main__":
    main()
