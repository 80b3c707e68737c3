"""The long-delay task: the LSTM bridges 50 steps, the plain RNN does not (7d, 7e)."""

import numpy as np
import pytest

from tui_lab.scenario import ScenarioError, parse_scenario, resolve_scenario
from tui_lab.sim.delay import LAG_SCALES, lag_norms, random_rnn
from tui_lab.sim.session import Status, open_session
from tui_lab.sim.tasks import delay as task


def test_delay_sequences():
    X, Y = task.make_sequences(200, 50, 5, np.random.default_rng(0))
    assert X.shape == (200, 55, 3) and Y.shape == (200, 55)
    for n in range(200):
        (s,) = np.flatnonzero(X[n, :, 1])
        (r,) = np.flatnonzero(X[n, :, 2])
        assert s < 5 and r == s + 50
        assert np.flatnonzero(Y[n] >= 0).tolist() == [r] and Y[n, r] == X[n, s, 0]
    assert 0.4 < Y[Y >= 0].mean() < 0.6  # balanced: chance is 50 %


def test_lstm_learns_the_50_step_delay():
    s = open_session(resolve_scenario("delay-lstm"), seed=1)
    while not s.done:
        s.train(1000)
    assert s.status is Status.LEARNED and s.heldout_accuracy >= 0.99
    snap = s.snapshot()
    gates = snap.extra["gates"]
    assert set(gates) == {"keep", "write", "read", "cell", "output"}
    answer = snap.extra["answer_step"]
    assert abs(gates["output"][answer] - s.data.Y_heldout[0, answer]) < 0.5


def test_plain_rnn_stays_near_chance():
    sc = resolve_scenario("delay-rnn").with_training(updates=3000)
    s = open_session(sc, seed=1)
    while not s.done:
        s.train(1000)
    assert s.status is Status.BUDGET and 0.4 <= s.heldout_accuracy <= 0.6


def test_gradient_vanishes_for_small_and_explodes_for_large_weights():
    X, Y = task.make_sequences(1, 50, 5, np.random.default_rng(0))
    answer = int(np.flatnonzero(Y[0] >= 0)[0])
    small = lag_norms(random_rnn(16, 1.0).state_grads(X[0], Y[0]), answer)
    large = lag_norms(random_rnn(16, 16.0).state_grads(X[0], Y[0]), answer)
    assert len(small) == answer + 1
    assert small[50] < 1e-20 * small[0]  # vanished
    assert large[50] > 100 * large[0]  # exploded
    assert large[50] / small[50] > 1e20  # orders of magnitude apart at lag 50


def test_lag_scale_ladder_and_curves():
    s = open_session(resolve_scenario("delay-rnn"))
    assert s.lag_scale == 1.0
    for _ in range(10):
        s.set_lag_scale(True)
    assert s.lag_scale == LAG_SCALES[-1]
    curves = s.gradient_vs_lag()
    assert list(curves) == ["this RNN", f"this RNN, U x {LAG_SCALES[-1]:g}"]
    assert all(len(c) == s.probe()[2] + 1 for c in curves.values())


def test_adam_only_where_offered():
    text = open(resolve_scenario("delay-rnn").source).read()
    with pytest.raises(ScenarioError, match="training.optimizer: a 'rnn' model offers 'sgd'"):
        parse_scenario(text.replace('optimizer = "sgd"', 'optimizer = "adam"'))
    with pytest.raises(ScenarioError, match="task.kind: a 'lstm' model cannot run"):
        parse_scenario(open(resolve_scenario("delay-lstm").source).read()
                       .replace('kind = "delay"', 'kind = "binary_addition"'))


def test_the_scenario_chooses_the_training_precision():
    """float32 passes by default (as in PyTorch); float64 on request: the same
    weights then give the same loss and gradient to float32 rounding, not exactly."""
    sc = resolve_scenario("delay-lstm")
    a = open_session(sc, seed=2)
    b = open_session(sc.with_model(precision="float64"), seed=2)
    assert (a.net.precision, b.net.precision) == ("float32", "float64")
    np.testing.assert_array_equal(a.net.theta, b.net.theta)
    X, Y = task.make_sequences(16, 50, 5, np.random.default_rng(0))
    M = (Y >= 0).astype(float)
    (la, ga), (lb, gb) = a.net.loss_grad(X, Y[..., None], M), b.net.loss_grad(X, Y[..., None], M)
    assert la != lb and la == pytest.approx(lb, rel=1e-6)
    assert 0 < np.abs(ga - gb).max() < 1e-5 * np.abs(gb).max()
