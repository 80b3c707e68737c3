"""Kalman filtering you can step, smoothing, and EM (7a-05), as a session.

Without `model.learn` the filter and smoother run with the true parameters
(nothing to train: status "given weights") and the student steps through the
predict / update cycle. With it, one update is one EM iteration from random
parameters, and the chart shows the log-likelihood climbing. Summary figures
compare the observations, the filtered and the smoothed estimates of the
first state component (the position) with the truth, and count how often the
filtered ±2σ band covers it.
"""

import numpy as np

from tui_lab.scenario import Scenario
from tui_lab.sim.lds import KalmanFilter
from tui_lab.sim.session import History, Session, Snapshot, Status, frozen_array
from tui_lab.sim.tasks import tracking

LOGLIK, COVERAGE = "log-likelihood per step", "±2σ covers the truth"


def summary_figures(truth: np.ndarray, y: np.ndarray, filt_mean, filt_var, smooth_mean):
    """RMSE of observations, filtered and smoothed estimates; band coverage (first component)."""
    seen = ~np.isnan(y)
    rmse = lambda e: float(np.sqrt(np.mean(e ** 2)))  # noqa: E731
    inside = np.abs(filt_mean - truth) <= 2 * np.sqrt(filt_var)
    return {"obs RMSE": rmse(y[seen] - truth[seen]) if seen.any() else float("nan"),
            "filtered RMSE": rmse(filt_mean - truth),
            "smoothed RMSE": rmse(smooth_mean - truth),
            "2σ coverage": float(inside.mean())}


class LDSSession(Session):
    """A true linear dynamical system, its data, and a filter (true or learned)."""

    SAVED = ("updates", "status", "message", "loglik", "history", "model")

    @staticmethod
    def warmup() -> None:
        kf = tracking.constant_velocity(1.0, 0.1, 1.0)
        _, y = kf.sample(5, random_state=0)
        kf.smooth(y)
        kf.em_step(y)

    def __init__(self, scenario: Scenario, seed: int | None = None) -> None:
        super().__init__(scenario, seed)
        self.history = History(2)
        self.reset(self.seed)

    def _true_model(self) -> KalmanFilter:
        t = self.scenario.task
        if self.scenario.task_kind == "tracking":
            return tracking.constant_velocity(t.dt, t.accel_noise, t.obs_noise)
        return tracking.oscillator(t.period, t.damping, t.process_noise, t.obs_noise)

    def reset(self, seed: int | None = None) -> None:
        if seed is not None:
            self.seed = int(seed)
        t = self.scenario.task
        self.truth = self._true_model()
        self.states, y = self.truth.sample(t.length, random_state=[self.seed, 0])
        if t.missing_from >= 0:
            y[t.missing_from:t.missing_from + t.missing_steps] = np.nan
        self.y = y
        self.updates = 0
        self.history.clear()
        self.loglik = float("nan")
        if self.scenario.model.learn:
            self.model = self._random_model(np.random.default_rng([self.seed, 1]))
            self.status, self.message = Status.READY, ""
        else:
            self.model = self.truth
            self.status = Status.GIVEN
            self.message = "filtering with the true parameters: step through it in view 9"

    def _random_model(self, rng: np.random.Generator) -> KalmanFilter:
        d, m, s = self.truth.n_dim_state, self.truth.n_dim_obs, self.scenario.model.init_scale
        return KalmanFilter(np.eye(d) + s * rng.normal(size=(d, d)) / d, rng.normal(size=(m, d)),
                            np.eye(d), np.eye(m) * np.nanvar(self.y), np.zeros(d), np.eye(d) * 10)

    def train(self, n: int) -> dict:
        budget = self.scenario.training.updates
        for _ in range(n):
            if self.done:
                break
            before = self.loglik
            try:
                self.loglik = self.model.em_step(self.y)
            except (FloatingPointError, np.linalg.LinAlgError) as exc:
                self.status, self.message = Status.DIVERGED, f"EM broke down: {exc}"
                break
            self.updates += 1
            figures = self._figures()
            self.history.append(self.updates, self.loglik / len(self.y), figures["2σ coverage"])
            if np.isfinite(before) and abs(self.loglik - before) < 1e-7 * len(self.y):
                self.status, self.message = Status.LEARNED, (
                    f"EM converged after {self.updates} iterations")
            elif self.updates >= budget:
                self.status, self.message = Status.BUDGET, f"{budget} EM iterations done"
        return {"updates": self.updates, "status": self.status.value}

    def _runs(self):
        xs, Ps, _, r = self.model.smooth_full(self.y)
        return r, xs, Ps

    def _figures(self) -> dict:
        r, xs, _ = self._runs()
        C = self.model.observation_matrices
        # the learned state may be any linear transform of the true one: compare in
        # observation space (C x), which EM pins down
        truth = self.states @ self.truth.observation_matrices.T
        f = r.filtered_means @ C.T
        fv = np.einsum("ij,tjk,ik->t", C, r.filtered_covariances, C)
        return summary_figures(truth[:, 0], self.y[:, 0], f[:, 0], fv, (xs @ C.T)[:, 0])

    def snapshot(self) -> Snapshot:
        r, xs, Ps = self._runs()
        x, y = self.history.arrays()
        figures = self._figures()
        metrics = {"log-lik/step": r.loglikelihood / len(self.y), **figures}
        P = r.predicted_covariances
        F = r.filtered_covariances
        extra = {
            "observations": frozen_array(self.y[:, 0]),
            "truth": frozen_array(self.states),
            "predicted_mean": frozen_array(r.predicted_means),
            "predicted_var": frozen_array(np.diagonal(P, axis1=1, axis2=2)),
            "filtered_mean": frozen_array(r.filtered_means),
            "filtered_var": frozen_array(np.diagonal(F, axis1=1, axis2=2)),
            "smoothed_mean": frozen_array(xs),
            "smoothed_var": frozen_array(np.diagonal(Ps, axis1=1, axis2=2)),
            "gain": frozen_array(r.gains[:, :, 0]),
            "learned": self.scenario.model.learn,
            "state_names": ("position", "velocity") if self.scenario.task_kind == "tracking"
            else ("x", "y"),
        }
        return self._snapshot(
            x, {LOGLIK: y[:, 0], COVERAGE: y[:, 1]}, metrics=metrics,
            params={name: frozen_array(getattr(self.model, name)) for name in (
                "transition_matrices", "transition_covariance", "observation_matrices",
                "observation_covariance")},
            extra=extra)

    def summary(self) -> dict:
        r, _, _ = self._runs()
        return {"scenario": self.scenario.name, "seed": self.seed, "updates": self.updates,
                "restarts": 0, "state": self.status.value, "message": self.message,
                "loglik_per_step": r.loglikelihood / len(self.y),
                "true_loglik_per_step": self.truth.loglikelihood(self.y) / len(self.y),
                **{k.replace(" ", "_").replace("2σ", "band2sigma"): v
                   for k, v in self._figures().items()}}
