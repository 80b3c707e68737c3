"""How many bits survive a gap: HMM states against LSTM cells (7a-07).

The session sweeps k = 1 .. max_bits. For each k it fits HMMs with N = 1, 2,
4, ... states by Baum-Welch (several starts, the one with the best training
likelihood kept) and trains LSTMs with H = 1, 2, ... cells, and records for
each how often the k-bit word comes back right after the gap, on held-out
sequences. One update is one Baum-Welch iteration or one LSTM gradient step.

The lecture's claim, made measurable: an HMM is in one of its N states at each
step, so across the gap it carries at most log2 N bits (`kbits.bits_carried`
is bounded by it for every HMM); it needs N >= 2^k states for k bits. The
LSTM carries a bit per cell, so its need grows like k, not 2^k.
"""

from dataclasses import dataclass

import numpy as np

from tui_lab.scenario import Scenario
from tui_lab.sim.hmm import CategoricalHMM
from tui_lab.sim.lstm import LSTM, PRECISIONS
from tui_lab.sim.session import History, Session, Snapshot, Status, frozen_array
from tui_lab.sim.tasks import kbits as task
from tui_lab.sim.tasks.kbits import RECALLED, needed_size

EM_TOL = 1e-6  # a Baum-Welch run has converged when a sequence gains less than this
STICKY = 0.9  # Baum-Welch starts with states that tend to stay (see _start_hmm)


@dataclass
class _Job:
    kind: str  # "hmm" or "lstm"
    k: int
    size: int  # N states or H cells
    run: int = 0  # restart or seed number
    steps: int = 0  # EM iterations or LSTM updates in this run
    best: float = float("-inf")  # best training log-lik (HMM) or held-out accuracy (LSTM)


def state_counts(largest: int) -> tuple[int, ...]:
    """1, 2, 4, ... up to `largest` (and `largest` itself)."""
    out = [1]
    while out[-1] * 2 <= largest:
        out.append(out[-1] * 2)
    if out[-1] != largest:
        out.append(largest)
    return tuple(out)


class MemorySweepSession(Session):
    """The HMM-vs-LSTM sweep of 7a-07 (see module docstring).

    A save keeps every finished fit; the fit in progress starts again on resume.
    """

    SAVED = ("updates", "status", "message", "history", "job_index", "hmm_recall",
             "hmm_bits", "lstm_recall", "lstm_bits")

    @staticmethod
    def warmup(precisions: tuple[str, ...] = tuple(PRECISIONS)) -> None:
        d = task.make_data(1, 1, 4, np.random.default_rng(0))
        m = CategoricalHMM(2, 3)
        m.em_step(d.symbols, d.lengths)
        LSTM(3, 1, 1, np.random.default_rng(0)).warmup(d.X, d.Y, d.M, precisions)

    @classmethod
    def warmup_for(cls, scenario: Scenario) -> None:
        cls.warmup((scenario.model.precision,))

    def __init__(self, scenario: Scenario, seed: int | None = None) -> None:
        super().__init__(scenario, seed)
        m, t = scenario.model, scenario.task
        self.ks = tuple(range(1, t.max_bits + 1))
        self.Ns = state_counts(m.states)
        self.Hs = tuple(range(1, m.cells + 1))
        self.history = History(2)
        self.reset(self.seed)

    # ------------------------------------------------------------------ set-up
    def reset(self, seed: int | None = None) -> None:
        if seed is not None:
            self.seed = int(seed)
        t = self.scenario.task
        self.data = {k: task.make_data(k, t.gap, t.sequences, np.random.default_rng([self.seed, k, 0]))
                     for k in self.ks}
        self.heldout = {k: task.make_data(k, t.gap, t.heldout,
                                          np.random.default_rng([self.seed, k, 1]))
                        for k in self.ks}
        K, nN, nH = len(self.ks), len(self.Ns), len(self.Hs)
        self.hmm_recall = np.full((K, nN), np.nan)
        self.hmm_bits = np.full((K, nN), np.nan)
        self.lstm_recall = np.full((K, nH), np.nan)
        self.lstm_bits = np.full((K, nH), np.nan)
        self.jobs = [_Job("hmm", k, N) for k in self.ks for N in self.Ns]
        self.jobs += [_Job("lstm", k, H) for k in self.ks for H in self.Hs]
        self.jobs.sort(key=lambda j: j.k)  # one k at a time: the tables fill row by row
        self.job_index = 0
        self.updates = 0
        self.model = None
        self.best_model = None
        self.current_bits = self.current_recall = float("nan")
        self.loss = float("nan")
        self.history.clear()
        self.status, self.message = Status.READY, self._job_label()

    def _rng(self, job: _Job) -> np.random.Generator:
        return np.random.default_rng([self.seed, job.k, job.size, job.run, 7 if job.kind == "hmm" else 8])

    def _start_hmm(self, job: _Job) -> CategoricalHMM:
        """A Baum-Welch start: transitions that mostly stay put (random ones forget
        the word within a few steps, and EM then never sees that it matters), and
        each state's emissions leaning to one symbol drawn from the data (as
        k-means++ seeds its centres)."""
        rng = self._rng(job)
        N, S = job.size, 2 ** job.k + 1
        m = CategoricalHMM(N, S)
        m.startprob_ = rng.dirichlet(np.ones(N))
        m.transmat_ = STICKY * np.eye(N) + (1 - STICKY) * rng.dirichlet(np.ones(N), N)
        picks = rng.choice(self.data[job.k].symbols, N)
        m.emissionprob_ = 0.5 * np.eye(S)[picks] + 0.5 * rng.dirichlet(np.ones(S), N)
        return m

    def _start(self, job: _Job) -> None:
        if job.kind == "hmm":
            self.model = self._start_hmm(job)
        else:
            c = self.scenario.model
            rng = self._rng(job)
            self.model = LSTM(job.k + 2, job.size, job.k, rng, forget_bias=c.forget_bias,
                              precision=c.precision)
            self.batches = np.random.default_rng(rng.integers(2 ** 63))
        job.steps = 0
        self.loss = float("nan")

    # ---------------------------------------------------------------- training
    @property
    def current(self) -> _Job | None:
        return self.jobs[self.job_index] if self.job_index < len(self.jobs) else None

    def train(self, n: int) -> dict:
        budget = self.scenario.training.updates
        left = min(n, budget - self.updates)
        while left > 0 and not self.done:
            job = self.current
            if self.model is None:
                self._start(job)
            left -= self._train_hmm(job, left) if job.kind == "hmm" else self._train_lstm(job, left)
        if not self.done and self.updates >= budget:
            self.status, self.message = Status.BUDGET, (
                f"the update budget ({budget}) is spent before the sweep's end")
        elif not self.done:
            self.message = self._job_label()
        return self.metrics()

    def _train_hmm(self, job: _Job, budget: int) -> int:
        d = self.data[job.k]
        X, lengths = d.symbols, d.lengths
        m = self.model
        spent = 0
        converged = False
        while spent < budget and job.steps < self.scenario.model.em_iterations:
            before = self.loss
            loglik = m.em_step(X, lengths)
            job.steps += 1
            spent += 1
            self.updates += 1
            if not np.isfinite(loglik) or not np.isfinite(m.transmat_).all():
                self.status, self.message = Status.DIVERGED, (
                    f"Baum-Welch for k = {job.k}, N = {job.size} gave NaN")
                return spent
            self.loss = -loglik / len(d.lengths)
            if np.isfinite(before) and before - self.loss < EM_TOL:
                converged = True
                break
        if spent:
            h = self.heldout[job.k]
            q = task.recall_distribution(m.startprob_, m.transmat_, m.emissionprob_,
                                         h.symbols, h.lengths, job.k)
            self._show_current(q, self.heldout[job.k].words)
        if converged or job.steps >= self.scenario.model.em_iterations:
            score = m.score(X, lengths)
            if score > job.best:
                job.best, self.best_model = score, m
            self._next_run(job, self.scenario.model.restarts)
        return spent

    def _train_lstm(self, job: _Job, budget: int) -> int:
        tr, d = self.scenario.training, self.data[job.k]
        limit = self.scenario.model.lstm_updates
        steps = min(budget, limit - job.steps, tr.eval_every - job.steps % tr.eval_every)
        idx = self.batches.integers(0, len(d.X), steps * tr.batch)
        losses = self.model.train_chunk(d.X, d.Y, d.M, idx, tr.batch, tr.optimizer,
                                        self.learning_rate, self.momentum, tr.clip)
        done = len(losses)
        job.steps += done
        self.updates += done
        if done < steps or not self.model.is_finite():
            self.status, self.message = Status.DIVERGED, (
                f"the LSTM for k = {job.k}, H = {job.size} diverged (NaN)")
            return max(done, 1)
        self.loss = float(losses[-1]) / np.log(2) if done else self.loss  # bits per word
        if job.steps % tr.eval_every == 0 or job.steps >= limit:
            acc = self._show_lstm(job)
            if acc > job.best:
                job.best, self.best_model = acc, self.model
            if acc >= tr.target_accuracy or job.steps >= limit:
                self._next_run(job, self.scenario.model.seeds,
                               stop=acc >= tr.target_accuracy)
        return max(done, 1)

    def _show_lstm(self, job: _Job) -> float:
        h = self.heldout[job.k]
        p = self.model.run(h.X).output[:, -1]  # (n, k) P(bit = 1)
        right = ((p > 0.5) == h.bits).all(1)
        p = np.clip(p, 1e-12, 1 - 1e-12)
        q_true = np.where(h.bits == 1, p, 1 - p).prod(1)  # P(true word)
        self.current_bits = float(job.k + np.mean(np.log2(q_true)))
        self.current_recall = float(right.mean())
        self.history.append(self.updates, self.current_bits, self.current_recall)
        return self.current_recall

    def _show_current(self, q: np.ndarray, words: np.ndarray) -> None:
        self.current_recall = float((q.argmax(1) == words).mean())
        self.current_bits = task.bits_carried(q, words)
        self.history.append(self.updates, self.current_bits, self.current_recall)

    def _next_run(self, job: _Job, runs: int, stop: bool = False) -> None:
        """After a run: start the next restart or seed, or record the job and move on."""
        job.run += 1
        self.model = None
        if job.run < runs and not stop:
            return
        i, j = self.ks.index(job.k), (self.Ns if job.kind == "hmm" else self.Hs).index(job.size)
        best = self.best_model
        if job.kind == "hmm":
            h = self.heldout[job.k]
            q = task.recall_distribution(best.startprob_, best.transmat_, best.emissionprob_,
                                         h.symbols, h.lengths, job.k)
            self.hmm_recall[i, j] = (q.argmax(1) == h.words).mean()
            self.hmm_bits[i, j] = task.bits_carried(q, h.words)
        else:
            self.model = best
            self.lstm_recall[i, j] = self._show_lstm(job)
            self.lstm_bits[i, j] = self.current_bits
            self.model = None
        self.best_model = None
        self.job_index += 1
        if self.current is None:
            self.status = Status.DONE
            self.message = "sweep done: " + "; ".join(
                f"k={k}: {needed_size(self.hmm_recall[i], self.Ns)} states, "
                f"{needed_size(self.lstm_recall[i], self.Hs)} cells"
                for i, k in enumerate(self.ks))

    @property
    def progress(self) -> float:
        """The share of the sweep's fits done."""
        return self.job_index / len(self.jobs)

    # ----------------------------------------------------------------- display
    def metrics(self) -> dict:
        return {"updates": self.updates, "loss": self.loss,
                "heldout_accuracy": self.current_recall, "restarts": 0,
                "status": self.status.value}

    def _job_label(self) -> str:
        job = self.current
        if job is None:
            return "all fits done"
        if job.kind == "hmm":
            return (f"k={job.k}: HMM, N={job.size} states, start {job.run + 1}/"
                    f"{self.scenario.model.restarts}")
        return f"k={job.k}: LSTM, H={job.size} cells, seed {job.run + 1}/{self.scenario.model.seeds}"

    def snapshot(self) -> Snapshot:
        x, y = self.history.arrays()
        return self._snapshot(
            x, {"bits carried across the wait": y[:, 0], "recall": y[:, 1]},
            metrics={"bits now": self.current_bits,
                     "recall now %": 100 * self.current_recall,
                     "sweep done %": 100 * self.progress},
            extra={"ks": self.ks, "states": self.Ns, "cells": self.Hs,
                   "gap": self.scenario.task.gap, "recalled": RECALLED,
                   "hmm_recall": frozen_array(self.hmm_recall),
                   "hmm_bits": frozen_array(self.hmm_bits),
                   "lstm_recall": frozen_array(self.lstm_recall),
                   "lstm_bits": frozen_array(self.lstm_bits)})

    def needed(self) -> dict[int, dict[str, str]]:
        return {k: {"hmm_states": needed_size(self.hmm_recall[i], self.Ns),
                    "lstm_cells": needed_size(self.lstm_recall[i], self.Hs)}
                for i, k in enumerate(self.ks)}

    def summary(self) -> dict:
        def table(a):
            return [[None if np.isnan(v) else round(float(v), 4) for v in row] for row in a]
        return {"scenario": self.scenario.name, "seed": self.seed, "updates": self.updates,
                "restarts": 0, "state": self.status.value, "message": self.message,
                "bits": list(self.ks), "states": list(self.Ns), "cells": list(self.Hs),
                "hmm_recall": table(self.hmm_recall), "hmm_bits": table(self.hmm_bits),
                "lstm_recall": table(self.lstm_recall), "lstm_bits": table(self.lstm_bits),
                "needed": {str(k): v for k, v in self.needed().items()}}
