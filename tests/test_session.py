"""The adder session: learns, restarts when stuck, stops on divergence, stays bounded."""

import numpy as np
import pytest

from tui_lab.scenario import resolve_scenario
from tui_lab.sim.adder import AdderSession
from tui_lab.sim.supervised import ACCURACY
from tui_lab.sim.session import History, Status, open_session


@pytest.fixture(scope="module")
def adder():
    return resolve_scenario("adder")


def _train_to_end(session, chunk=5000):
    while not session.done:
        session.train(chunk)
    return session


def test_default_scenario_learns_and_generalises(adder):
    s = _train_to_end(open_session(adder))
    assert s.status is Status.LEARNED
    assert s.heldout_accuracy == 1.0
    by_length = s.accuracy_by_length()
    assert set(by_length) == {8, 16, 32, 64}
    assert by_length[64] == 1.0  # trained on 8-bit sums, adds 64-bit ones (7c-02)
    summary = s.summary()
    assert summary["state"] == "learned" and summary["accuracy_by_length"]["64"] == 1.0


def test_runs_are_reproducible(adder):
    a = open_session(adder, seed=3)
    b = open_session(adder, seed=3)
    a.train(1200)
    b.train(1200)
    np.testing.assert_array_equal(a.net.theta, b.net.theta)
    c = open_session(adder, seed=4)
    c.train(1200)
    assert not np.array_equal(a.net.theta, c.net.theta)


def test_reset_starts_again_from_the_same_weights(adder):
    s = open_session(adder, seed=5)
    first = s.net.theta.copy()
    s.train(700)
    s.reset()
    assert s.updates == 0 and s.restarts == 0 and len(s.history.arrays()[0]) == 0
    np.testing.assert_array_equal(s.net.theta, first)
    s.reset(seed=6)
    assert s.seed == 6 and not np.array_equal(s.net.theta, first)


def test_stuck_runs_restart_and_are_counted(adder):
    # A learning rate too small to make progress: every attempt is stuck.
    sc = adder.with_training(learning_rate=1e-9, stuck_after=1000, eval_every=100,
                             max_restarts=3)
    s = _train_to_end(open_session(sc))
    assert s.restarts == 3
    assert s.status is Status.STUCK and "no progress" in s.message
    assert s.updates == pytest.approx(4 * 1100, abs=400)


def test_stuck_without_restarts(adder):
    sc = adder.with_training(learning_rate=1e-9, stuck_after=500, eval_every=100,
                             restart_when_stuck=False)
    s = _train_to_end(open_session(sc))
    assert s.status is Status.STUCK and s.restarts == 0


def test_huge_learning_rate_diverges_and_stops(adder):
    s = open_session(adder.with_training(learning_rate=1e3, momentum=0.99))
    s.net.theta[:] *= 1e306  # push it over the edge at once
    s.train(1000)
    assert s.status is Status.DIVERGED and "NaN" in s.message
    before = s.updates
    s.train(1000)
    assert s.updates == before  # a stopped run does not train on


def test_budget_is_respected(adder):
    s = _train_to_end(open_session(adder.with_training(updates=750, eval_every=500)))
    assert s.updates == 750
    assert s.status in (Status.BUDGET, Status.LEARNED)


def test_snapshot_is_immutable_and_complete(adder):
    s = open_session(adder)
    s.train(1500)
    snap = s.snapshot()
    assert snap.updates == 1500 and snap.seed == adder.training.seed
    assert list(snap.history) == [AdderSession.loss_label, ACCURACY]
    assert len(snap.history_x) == 3 and snap.history_x[-1] == 1500
    with pytest.raises(ValueError):
        snap.history[ACCURACY][0] = 1.0
    with pytest.raises(ValueError):
        snap.params["U"][0, 0] = 1.0
    with pytest.raises(TypeError):
        snap.metrics["loss"] = 0.0
    s.train(500)
    assert snap.updates == 1500  # the snapshot does not follow the session


def test_learning_rate_validation(adder):
    s = open_session(adder)
    s.set_learning_rate(0.2)
    assert s.learning_rate == 0.2
    for bad in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            s.set_learning_rate(bad)


def test_history_stays_bounded_and_keeps_the_mean():
    h = History(2, capacity=8)
    for i in range(1, 1001):
        h.append(i, float(i), 1.0)
    x, y = h.arrays()
    assert 4 <= len(x) <= 8
    assert h.stride in (128, 256)
    assert x[-1] <= 1000 and np.all(np.diff(x) > 0)
    np.testing.assert_allclose(y[:, 1], 1.0)
    # each stored point is the mean of its stride of raw points, ending at x
    np.testing.assert_allclose(y[:, 0], x - (h.stride - 1) / 2)


def test_warmup_compiles_without_error():
    AdderSession.warmup()
