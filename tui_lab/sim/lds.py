"""Linear dynamical systems (7a-05) with the names pykalman users know.

`KalmanFilter(transition_matrices, observation_matrices, transition_covariance,
observation_covariance, initial_state_mean, initial_state_covariance)` with
`filter(y)`, `smooth(y)`, `loglikelihood(y)`, `em(y, n_iter)` and
`sample(T, random_state)`. Observations are (T, m); NaN marks a missing value.
Optional `controls` (T, k) enter through `control_matrices` (d, k):
x[t+1] = A x[t] + B u[t] + noise. No pykalman at run time.
"""

from dataclasses import dataclass

import numpy as np

from tui_lab.sim.kernels import lds as k


@dataclass(frozen=True)
class FilterResult:
    """Everything one filter pass computed (pykalman's filter returns the last two)."""

    predicted_means: np.ndarray  # (T, d)
    predicted_covariances: np.ndarray  # (T, d, d)
    filtered_means: np.ndarray
    filtered_covariances: np.ndarray
    gains: np.ndarray  # (T, d, m)
    loglikelihood: float


def _arrays(T: int, d: int, m: int, smoother: bool = False) -> list[np.ndarray]:
    """The outputs of a filter pass (predicted and filtered means and covariances,
    gains), and with `smoother` those of the smoother (means, covariances, gains),
    as views of one allocation: at T = 10,000 and d = 4, eight separate arrays
    cost more to allocate and first touch (page faults) than the smoother itself."""
    shapes = [(T, d), (T, d, d), (T, d), (T, d, d), (T, d, m)]
    if smoother:
        shapes += [(T, d), (T, d, d), (max(T - 1, 0), d, d)]
    sizes = [int(np.prod(s)) for s in shapes]
    block = np.empty(sum(sizes))
    ends = np.cumsum([0] + sizes)
    return [block[a:b].reshape(s) for a, b, s in zip(ends[:-1], ends[1:], shapes)]


class KalmanFilter:
    """A linear-Gaussian state space model (see module docstring)."""

    SAVED = ("transition_matrices", "observation_matrices", "transition_covariance",
             "observation_covariance", "initial_state_mean", "initial_state_covariance")

    def __init__(self, transition_matrices, observation_matrices, transition_covariance,
                 observation_covariance, initial_state_mean, initial_state_covariance,
                 control_matrices=None) -> None:
        f = lambda a: np.atleast_2d(np.asarray(a, dtype=np.float64))  # noqa: E731
        self.transition_matrices = f(transition_matrices)
        self.observation_matrices = f(observation_matrices)
        self.transition_covariance = f(transition_covariance)
        self.observation_covariance = f(observation_covariance)
        self.initial_state_mean = np.atleast_1d(np.asarray(initial_state_mean, dtype=np.float64))
        self.initial_state_covariance = f(initial_state_covariance)
        self.control_matrices = None if control_matrices is None else f(control_matrices)
        self._check()

    @property
    def n_dim_state(self) -> int:
        return self.transition_matrices.shape[0]

    @property
    def n_dim_obs(self) -> int:
        return self.observation_matrices.shape[0]

    def _check(self) -> None:
        d, m = self.n_dim_state, self.n_dim_obs
        shapes = {"transition_matrices": (d, d), "observation_matrices": (m, d),
                  "transition_covariance": (d, d), "observation_covariance": (m, m),
                  "initial_state_mean": (d,), "initial_state_covariance": (d, d)}
        for name, shape in shapes.items():
            if getattr(self, name).shape != shape:
                raise ValueError(f"{name} has shape {getattr(self, name).shape}; "
                                 f"expected {shape}")

    def _obs(self, y) -> np.ndarray:
        y = np.asarray(y, dtype=np.float64)
        y = y[:, None] if y.ndim == 1 else y
        if y.ndim != 2 or y.shape[1] != self.n_dim_obs:
            raise ValueError(f"observations must be (T, {self.n_dim_obs}), got {y.shape}")
        return y

    def _controls(self, T: int, controls) -> np.ndarray:
        if controls is None or self.control_matrices is None:
            return np.zeros((T, self.n_dim_state))
        u = np.asarray(controls, dtype=np.float64).reshape(T, -1)
        return u @ self.control_matrices.T

    def filter_full(self, y, controls=None) -> FilterResult:
        """Predicted and filtered means and covariances, gains and log-likelihood."""
        Y = self._obs(y)
        return self._filter(Y, controls, _arrays(len(Y), self.n_dim_state, self.n_dim_obs))

    def _filter(self, Y, controls, out) -> FilterResult:
        T, d, m = len(Y), self.n_dim_state, self.n_dim_obs
        out = out[:5]
        ll = k.kalman_filter(self.transition_matrices, self.observation_matrices,
                             self.transition_covariance, self.observation_covariance,
                             np.zeros(d), np.zeros(m), self.initial_state_mean,
                             self.initial_state_covariance, Y, self._controls(T, controls),
                             *out, *k.sizes(d, m))
        if not np.isfinite(ll):
            raise FloatingPointError("an innovation covariance was not positive definite")
        return FilterResult(*out, float(ll))

    def filter(self, y, controls=None) -> tuple[np.ndarray, np.ndarray]:
        """(filtered state means (T, d), filtered covariances (T, d, d))."""
        r = self.filter_full(y, controls)
        return r.filtered_means, r.filtered_covariances

    def loglikelihood(self, y, controls=None) -> float:
        return self.filter_full(y, controls).loglikelihood

    def smooth_full(self, y, controls=None):
        """(smoothed means, smoothed covariances, smoother gains, filter result)."""
        Y = self._obs(y)
        T, d = len(Y), self.n_dim_state
        out = _arrays(T, d, self.n_dim_obs, smoother=True)
        r = self._filter(Y, controls, out)
        xs, Ps, J = out[5:]
        if not k.rts_smoother(self.transition_matrices, r.predicted_means,
                              r.predicted_covariances, r.filtered_means,
                              r.filtered_covariances, xs, Ps, J, k.sizes(d)[0]):
            raise FloatingPointError("a predicted covariance was not positive definite")
        return xs, Ps, J, r

    def smooth(self, y, controls=None) -> tuple[np.ndarray, np.ndarray]:
        """(smoothed state means (T, d), smoothed covariances (T, d, d))."""
        xs, Ps, _, _ = self.smooth_full(y, controls)
        return xs, Ps

    def em_step(self, y) -> float:
        """One EM iteration on all parameters; returns the log-likelihood before it."""
        Y = self._obs(y)
        mu, V, J, r = self.smooth_full(Y)
        T = len(Y)
        Exx = V + np.einsum("ti,tj->tij", mu, mu)  # E[x_t x_t']
        Exx1 = np.einsum("tij,tkj->tik", V[1:], J) + np.einsum("ti,tj->tij", mu[1:], mu[:-1])
        seen = ~np.isnan(Y).any(axis=1)
        Ys, mus = Y[seen], mu[seen]
        C = (Ys.T @ mus) @ np.linalg.inv(Exx[seen].sum(0))
        res = Ys - mus @ C.T
        R = (res.T @ res + np.einsum("ij,tjk,lk->il", C, V[seen], C)) / max(seen.sum(), 1)
        A = Exx1.sum(0) @ np.linalg.inv(Exx[:-1].sum(0))
        Q = (Exx[1:].sum(0) - A @ Exx1.sum(0).T - Exx1.sum(0) @ A.T
             + A @ Exx[:-1].sum(0) @ A.T) / max(T - 1, 1)
        self.observation_matrices, self.observation_covariance = C, _sym(R)
        self.transition_matrices, self.transition_covariance = A, _sym(Q)
        self.initial_state_mean = mu[0].copy()
        self.initial_state_covariance = _sym(V[0].copy())
        return r.loglikelihood

    def em(self, y, n_iter: int = 10) -> "KalmanFilter":
        """Run n_iter EM iterations (pykalman's name); the history is in em_history_."""
        self.em_history_ = [self.em_step(y) for _ in range(n_iter)]
        return self

    def sample(self, n_timesteps: int, random_state=None, controls=None):
        """(states (T, d), observations (T, m)) drawn from the model."""
        rng = np.random.default_rng(random_state)
        d, m = self.n_dim_state, self.n_dim_obs
        U = self._controls(n_timesteps, controls)
        x = rng.multivariate_normal(self.initial_state_mean, self.initial_state_covariance)
        states, obs = np.empty((n_timesteps, d)), np.empty((n_timesteps, m))
        w = rng.multivariate_normal(np.zeros(d), self.transition_covariance, n_timesteps)
        v = rng.multivariate_normal(np.zeros(m), self.observation_covariance, n_timesteps)
        for t in range(n_timesteps):
            states[t] = x
            obs[t] = self.observation_matrices @ x + v[t]
            x = self.transition_matrices @ x + U[t] + w[t]
        return states, obs


def _sym(P: np.ndarray) -> np.ndarray:
    return 0.5 * (P + P.T)
