"""The Kalman filter, RTS smoother and EM against pykalman, and their guarantees."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from tui_lab.scenario import resolve_scenario
from tui_lab.sim.lds import KalmanFilter
from tui_lab.sim.session import Status, open_session
from tui_lab.sim.tasks import tracking

pykalman = pytest.importorskip("pykalman")
EM_VARS = ["transition_matrices", "observation_matrices", "transition_covariance",
           "observation_covariance", "initial_state_mean", "initial_state_covariance"]


def _random_system(seed, d, m):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(d, d))
    A *= 0.95 / max(np.abs(np.linalg.eigvals(A)).max(), 1e-9)
    Lq, Lr = rng.normal(size=(d, d)), rng.normal(size=(m, m))
    return KalmanFilter(A, rng.normal(size=(m, d)), Lq @ Lq.T + 0.1 * np.eye(d),
                        Lr @ Lr.T + 0.1 * np.eye(m), rng.normal(size=d), np.eye(d))


def _pk(kf):
    d, m = kf.n_dim_state, kf.n_dim_obs
    return pykalman.KalmanFilter(kf.transition_matrices, kf.observation_matrices,
                                 kf.transition_covariance, kf.observation_covariance,
                                 np.zeros(d), np.zeros(m), kf.initial_state_mean,
                                 kf.initial_state_covariance)


@pytest.mark.parametrize("seed,d,m", [(0, 2, 1), (1, 3, 2), (2, 4, 2), (3, 1, 1)])
def test_matches_pykalman(seed, d, m):
    kf = _random_system(seed, d, m)
    _, y = kf.sample(150, random_state=seed)
    ref = _pk(kf)
    for ours, theirs in zip(kf.filter(y), ref.filter(y)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-8, atol=1e-10)
    for ours, theirs in zip(kf.smooth(y), ref.smooth(y)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-8, atol=1e-10)
    assert kf.loglikelihood(y) == pytest.approx(ref.loglikelihood(y), rel=1e-10)
    kf.em_step(y)
    ref = ref.em(y, n_iter=1, em_vars=EM_VARS)
    for name in EM_VARS:
        np.testing.assert_allclose(getattr(kf, name), getattr(ref, name), rtol=1e-7,
                                   atol=1e-9, err_msg=name)


def test_missing_observations_match_pykalman_and_widen_the_band():
    kf = tracking.constant_velocity(1.0, 0.2, 3.0)
    _, y = kf.sample(200, random_state=0)
    y[80:120] = np.nan
    ref = _pk(kf)
    masked = np.ma.masked_invalid(y)
    np.testing.assert_allclose(kf.filter(y)[0], ref.filter(masked)[0], rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(kf.smooth(y)[0], ref.smooth(masked)[0], rtol=1e-8, atol=1e-9)
    var = kf.filter(y)[1][:, 0, 0]
    assert np.all(np.diff(var[80:120]) > 0)  # grows through the gap
    assert var[119] > 5 * var[79] and var[130] < var[119]
    assert kf.smooth(y)[1][100, 0, 0] < var[100]  # the smoother bridges it


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_covariances_stay_symmetric_positive_and_em_climbs(seed):
    kf = _random_system(seed, 3, 2)
    _, y = kf.sample(120, random_state=seed)
    m, P = kf.filter(y)
    Ps = kf.smooth(y)[1]
    for C in (P, Ps):
        np.testing.assert_allclose(C, np.transpose(C, (0, 2, 1)), atol=1e-12)
        assert np.linalg.eigvalsh(C).min() > -1e-10
    learner = _random_system(seed + 1, 3, 2)
    hist = [learner.em_step(y) for _ in range(8)]
    assert np.all(np.diff(hist) >= -1e-6 * np.abs(hist[:-1]))


def test_a_million_steps_stay_finite():
    kf = tracking.constant_velocity(1.0, 0.2, 3.0)
    _, y = kf.sample(1_000_000, random_state=0)
    m, P = kf.filter(y)
    assert np.isfinite(m).all() and np.isfinite(P).all()
    assert np.abs(P[-1] - P[-1].T).max() == 0.0
    assert 0 < P[-1, 0, 0] < 10


def test_sequences_of_one_and_no_steps():
    kf = tracking.constant_velocity(1.0, 0.2, 3.0)
    _, y = kf.sample(1, random_state=0)
    m, P = kf.filter(y)
    ms, Ps = kf.smooth(y)
    np.testing.assert_array_equal(ms, m)  # one step: smoothing has nothing to add
    np.testing.assert_array_equal(Ps, P)
    ms, Ps = kf.smooth(np.empty((0, 1)))
    assert ms.shape == (0, 2) and Ps.shape == (0, 2, 2)
    assert kf.loglikelihood(np.empty((0, 1))) == 0.0


def test_tracking_fidelity_over_a_long_run():
    """Filtered beats the raw positions; the ±2σ band covers the truth 93-97 %."""
    sc = resolve_scenario("lds-tracking")
    sc = sc.__class__(**{**sc.__dict__, "task": sc.task.__class__(
        **{**sc.task.__dict__, "length": 20_000})})
    s = open_session(sc, seed=3)
    f = s.snapshot().metrics
    assert f["filtered RMSE"] < f["obs RMSE"] and f["smoothed RMSE"] < f["filtered RMSE"]
    assert 0.93 <= f["2σ coverage"] <= 0.97


def test_em_scenario_climbs_to_the_true_likelihood():
    s = open_session(resolve_scenario("lds-em"), seed=1)
    while not s.done:
        s.train(20)
    hist = s.history.arrays()[1][:, 0]
    assert np.all(np.diff(hist) >= -1e-9)
    summary = s.summary()
    assert summary["loglik_per_step"] >= summary["true_loglik_per_step"] - 0.01
    assert s.status in (Status.LEARNED, Status.BUDGET)


async def test_kalman_view_at_80x24():
    from tui_lab.ui.app import LabApp
    from tui_lab.ui.panes.kalman import KalmanPane

    app = LabApp(resolve_scenario("lds-missing"))
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(400):
            if app.report.snapshot is not None and isinstance(app.focused, KalmanPane):
                break
            await pilot.pause(0.05)
        assert app.views == ("kalman", "chart") and app.report.state == "given weights"
        pane = app.query_one(KalmanPane)
        await pilot.press("right", "right")
        step = str(pane.query_one("#kalman-step").render())
        assert step.startswith("t=2 position: predict") and "gain" in step
        pane.cursor = 130
        await pilot.press("right")  # into the gap (120-159): no update, zero gain
        step = str(pane.query_one("#kalman-step").render())
        assert "t=131" in step and "missing" in step and "gain 0.000" in step
        await pilot.press("f", "p", "c")
        assert "f" not in pane.shown and pane.phase and pane.comp == 1
        assert "velocity" in str(pane.query_one("#kalman-head").render())
        m = app.report.snapshot.metrics
        assert m["smoothed RMSE"] < m["filtered RMSE"]


async def test_learning_rate_keys_are_hidden_where_there_is_none():
    from tui_lab.ui.app import LabApp

    for name, shown in (("lds-em", False), ("hmm-casino", False), ("memory-cell", False),
                        ("adder", True), ("delay-lstm", True)):
        app = LabApp(resolve_scenario(name), autostart=False)
        async with app.run_test(size=(80, 24)):
            assert (app.check_action("lr_up", ()) is not False) == shown, name
