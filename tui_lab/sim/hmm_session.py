"""An HMM learning its parameters back from data by Baum-Welch (7a-06).

One update is one EM iteration over the training sequence, so the chart shows
the log-likelihood climbing (it never falls: a property the tests check).
The data come from a known true model, so the snapshot can also show the true
state path and parameters. Learned states have no names of their own: they are
matched to the true states by the permutation that makes the Viterbi path
agree best with the true path, and shown in that order.
"""

import itertools

import numpy as np

from tui_lab.scenario import Scenario
from tui_lab.sim.hmm import CategoricalHMM, GaussianHMM
from tui_lab.sim.session import History, Session, Snapshot, Status, frozen_array, \
    frozen_mapping
from tui_lab.sim.tasks import hmm_data

LOGLIK, VITERBI = "log-likelihood per step", "Viterbi = true state"
TOL_PER_STEP = 1e-6  # converged when an iteration gains less than this per step


def best_permutation(path: np.ndarray, truth: np.ndarray, n: int) -> np.ndarray:
    """perm[learned state] = true state, maximising agreement (greedy above 6 states)."""
    counts = np.zeros((n, max(n, int(truth.max()) + 1)), dtype=np.int64)
    np.add.at(counts, (path, truth), 1)
    if n <= 6 and counts.shape[1] == n:
        best = max(itertools.permutations(range(n)),
                   key=lambda p: sum(counts[i, p[i]] for i in range(n)))
        return np.array(best)
    return counts.argmax(1)


class HMMSession(Session):
    """Baum-Welch on data drawn from the scenario's true model."""

    SAVED = ("updates", "status", "message", "loglik", "history", "model")

    @staticmethod
    def warmup() -> None:
        m = CategoricalHMM(2, 3)
        X, _ = m.sample(5, random_state=0)
        m.em_step(X)
        m.decode(X)
        g = GaussianHMM(2)
        Xg, _ = g.sample(5, random_state=0)
        g.em_step(Xg)

    def __init__(self, scenario: Scenario, seed: int | None = None) -> None:
        super().__init__(scenario, seed)
        self.history = History(2)
        self.reset(self.seed)

    def _true_model(self):
        t = self.scenario.task
        if self.scenario.task_kind == "casino":
            return hmm_data.casino(t.to_loaded, t.to_fair, t.loaded_six)
        return hmm_data.regimes(t.means, t.stds, t.stay)

    def reset(self, seed: int | None = None) -> None:
        if seed is not None:
            self.seed = int(seed)
        self.truth = self._true_model()
        self.X, self.states = self.truth.sample(self.scenario.task.length,
                                                random_state=[self.seed, 0])
        self.true_loglik = self.truth.score(self.X)
        self.model = self._initial_model(np.random.default_rng([self.seed, 1]))
        self.updates = 0
        self.restarts = 0
        self.loglik = float("nan")
        self.history.clear()
        self.status, self.message = Status.READY, ""

    def _initial_model(self, rng: np.random.Generator):
        N = self.scenario.model.states
        uniform = self.scenario.model.init == "uniform"
        draw = (lambda k: np.full(k, 1.0 / k)) if uniform else (lambda k: rng.dirichlet(np.ones(k)))
        if isinstance(self.truth, CategoricalHMM):
            m = CategoricalHMM(N, self.truth.n_features)
            m.emissionprob_ = np.array([draw(self.truth.n_features) for _ in range(N)])
        else:
            m = GaussianHMM(N)
            x = self.X[:, 0]
            # means spread over the data's quantiles (jittered unless uniform), narrow
            # variances: starting all states alike is a saddle EM cannot leave
            qs = (np.arange(N) + 0.5) / N
            if not uniform:
                qs = np.clip(qs + rng.uniform(-0.25, 0.25, N) / N, 0.01, 0.99)
            m.means_ = np.quantile(x, np.sort(qs))[:, None]
            m.covars_ = np.full((N, 1), x.var() / N ** 2)
        m.startprob_ = draw(N)
        m.transmat_ = np.array([draw(N) for _ in range(N)])
        return m

    def train(self, n: int) -> dict:
        budget = self.scenario.training.updates
        for _ in range(n):
            if self.done:
                break
            before = self.loglik
            self.loglik = self.model.em_step(self.X)
            self.updates += 1
            T = len(self.X)
            if not np.isfinite(self.loglik) or not np.isfinite(self.model.transmat_).all():
                self.status, self.message = Status.DIVERGED, ("the log-likelihood became "
                                                              "infinite or NaN")
                break
            _, path = self.model.decode(self.X)
            self.history.append(self.updates, self.loglik / T, self._agreement(path))
            if np.isfinite(before) and abs(self.loglik - before) < TOL_PER_STEP * T:
                self.status = Status.LEARNED
                self.message = f"Baum-Welch converged after {self.updates} iterations"
            elif self.updates >= budget:
                self.status = Status.BUDGET
                self.message = f"{budget} Baum-Welch iterations done"
        return self.metrics()

    def _agreement(self, path: np.ndarray) -> float:
        perm = best_permutation(path, self.states, self.model.n_components)
        return float((perm[path] == self.states).mean())

    def metrics(self) -> dict:
        T = len(self.X)
        return {"updates": self.updates, "loss": -self.loglik / T,
                "heldout_accuracy": self._agreement(self.model.decode(self.X)[1]),
                "restarts": 0, "status": self.status.value}

    def set_learning_rate(self, lr: float) -> None:
        """Baum-Welch has no learning rate; kept for the common interface."""
        super().set_learning_rate(lr)

    def snapshot(self) -> Snapshot:
        x, y = self.history.arrays()
        T = len(self.X)
        m = self.model
        logp, path = m.decode(self.X)
        perm = best_permutation(path, self.states, m.n_components)
        order = np.argsort(perm)  # learned states in the order of the true ones
        gamma = m.predict_proba(self.X)[:, order]
        learned = {"transmat": m.transmat_[np.ix_(order, order)]}
        true = {"transmat": self.truth.transmat_}
        if isinstance(m, CategoricalHMM):
            learned["emission"] = m.emissionprob_[order]
            true["emission"] = self.truth.emissionprob_
        else:
            learned["means"], learned["stds"] = m.means_[order, 0], np.sqrt(m.covars_[order, 0])
            true["means"], true["stds"] = self.truth.means_[:, 0], np.sqrt(self.truth.covars_[:, 0])
        agreement = float((perm[path] == self.states).mean())
        loglik = self.model.score(self.X)
        return self._snapshot(
            x, {LOGLIK: y[:, 0], VITERBI: y[:, 1]},
            metrics={"log-lik/step": loglik / T, "true model": self.true_loglik / T,
                     "Viterbi right": agreement},
            params={k: frozen_array(v) for k, v in learned.items()},
            extra={"observations": frozen_array(self.X[:, 0]),
                   "posteriors": frozen_array(gamma),
                   "viterbi": frozen_array(perm[path]),
                   "true_states": frozen_array(self.states),
                   "true_params": frozen_mapping({k: frozen_array(v) for k, v in true.items()}),
                   "viterbi_logprob": logp,
                   "state_names": self._state_names()})

    def _state_names(self) -> tuple[str, ...]:
        if self.scenario.task_kind == "casino":
            return ("fair", "loaded")
        return tuple(f"regime {i + 1}" for i in range(len(self.truth.means_)))

    def summary(self) -> dict:
        snap = self.snapshot()
        T = len(self.X)
        return {"scenario": self.scenario.name, "seed": self.seed, "updates": self.updates,
                "restarts": 0, "state": self.status.value, "message": self.message,
                "loglik_per_step": self.model.score(self.X) / T,
                "true_loglik_per_step": self.true_loglik / T,
                "viterbi_agreement": snap.metrics["Viterbi right"],
                "transmat": np.asarray(snap.params["transmat"]).round(4).tolist()}
