"""HMM kernels against hmmlearn, brute-force enumeration, and EM's guarantees."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from tui_lab.scenario import resolve_scenario
from tui_lab.sim.hmm import CategoricalHMM, GaussianHMM
from tui_lab.sim.session import Status, open_session

hmmlearn = pytest.importorskip("hmmlearn.hmm")


def _random_cat(rng, N, K):
    m = CategoricalHMM(N, K)
    m.startprob_ = rng.dirichlet(np.ones(N))
    m.transmat_ = rng.dirichlet(np.ones(N), N)
    m.emissionprob_ = rng.dirichlet(np.ones(K), N)
    return m


def _path_logprob(m, x, path, starts):
    total = 0.0
    for s0, s1 in zip(starts[:-1], starts[1:]):
        total += np.log(m.startprob_[path[s0]] * m.emissionprob_[path[s0], x[s0]])
        for t in range(s0 + 1, s1):
            total += np.log(m.transmat_[path[t - 1], path[t]] * m.emissionprob_[path[t], x[t]])
    return total


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_categorical_matches_hmmlearn(seed):
    rng = np.random.default_rng(seed)
    ours = _random_cat(rng, 3, 5)
    X, _ = ours.sample(400, random_state=seed)
    lengths = [150, 250]
    ref = hmmlearn.CategoricalHMM(3, n_features=5, init_params="", params="ste",
                                  implementation="scaling")
    ref.startprob_, ref.transmat_ = ours.startprob_.copy(), ours.transmat_.copy()
    ref.emissionprob_ = ours.emissionprob_.copy()
    assert ours.score(X, lengths) == pytest.approx(ref.score(X, lengths), rel=1e-12)
    np.testing.assert_allclose(ours.predict_proba(X, lengths), ref.predict_proba(X, lengths),
                               atol=1e-10)
    logp, path = ours.decode(X, lengths)
    assert logp == pytest.approx(ref.decode(X, lengths)[0], rel=1e-12)
    # ties between equally good paths may break differently: check ours is optimal
    assert _path_logprob(ours, X[:, 0], path, [0, 150, 400]) == pytest.approx(logp, rel=1e-12)
    ref.n_iter = 1
    ref.fit(X, lengths)
    ours.em_step(X, lengths)
    np.testing.assert_allclose(ours.startprob_, ref.startprob_, atol=1e-10)
    np.testing.assert_allclose(ours.transmat_, ref.transmat_, atol=1e-10)
    np.testing.assert_allclose(ours.emissionprob_, ref.emissionprob_, atol=1e-10)


def test_gaussian_matches_hmmlearn():
    g = GaussianHMM(2)
    g.startprob_ = np.array([0.6, 0.4])
    g.transmat_ = np.array([[0.9, 0.1], [0.2, 0.8]])
    g.means_ = np.array([[0.0], [3.0]])
    g.covars_ = np.array([[1.0], [2.0]])
    X, _ = g.sample(500, random_state=2)
    ref = hmmlearn.GaussianHMM(2, covariance_type="diag", init_params="", params="stmc",
                               implementation="scaling", covars_prior=0, covars_weight=1,
                               means_prior=0, means_weight=0)
    ref.startprob_, ref.transmat_ = g.startprob_.copy(), g.transmat_.copy()
    ref.means_, ref.covars_ = g.means_.copy(), g.covars_.copy()
    assert g.score(X) == pytest.approx(ref.score(X), rel=1e-12)
    np.testing.assert_allclose(g.predict_proba(X), ref.predict_proba(X), atol=1e-10)
    assert g.decode(X)[0] == pytest.approx(ref.decode(X)[0], rel=1e-12)
    ref.n_iter = 1
    ref.fit(X)
    g.em_step(X)
    np.testing.assert_allclose(g.means_, ref.means_, atol=1e-10)
    np.testing.assert_allclose(g.covars_, ref.covars_.reshape(2, 1), atol=1e-10)
    np.testing.assert_allclose(g.transmat_, ref.transmat_, atol=1e-10)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), T=st.integers(1, 6), N=st.integers(1, 3))
def test_brute_force_enumeration(seed, T, N):
    rng = np.random.default_rng(seed)
    m = _random_cat(rng, N, 3)
    x = rng.integers(0, 3, T)
    probs = {}
    for path in itertools.product(range(N), repeat=T):
        probs[path] = np.exp(_path_logprob(m, x, np.array(path), [0, T]))
    total = sum(probs.values())
    assert m.score(x) == pytest.approx(np.log(total), rel=1e-9)
    best = max(probs, key=probs.get)
    logp, path = m.decode(x)
    assert logp == pytest.approx(np.log(probs[best]), rel=1e-9)
    gamma = m.predict_proba(x)
    for t in range(T):
        for i in range(N):
            marg = sum(p for path_, p in probs.items() if path_[t] == i) / total
            assert gamma[t, i] == pytest.approx(marg, abs=1e-9)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_baum_welch_never_decreases_the_likelihood(seed):
    rng = np.random.default_rng(seed)
    truth = _random_cat(rng, 3, 4)
    X, _ = truth.sample(300, random_state=seed)
    m = _random_cat(np.random.default_rng(seed + 1), 3, 4)
    m.n_iter = 15
    m.monitor_.tol = -1.0  # never stop early
    m.fit(X)
    hist = np.array(m.monitor_.history)
    assert np.all(np.diff(hist) >= -1e-8 * np.abs(hist[:-1]))
    np.testing.assert_allclose(m.predict_proba(X).sum(1), 1.0, atol=1e-12)


def test_a_million_steps_do_not_underflow():
    rng = np.random.default_rng(0)
    m = _random_cat(rng, 2, 6)
    X, _ = m.sample(1_000_000, random_state=0)
    ll = m.score(X)
    assert np.isfinite(ll) and -1e7 < ll < 0
    assert np.isfinite(m.decode(X)[0])


def test_casino_scenario_learns():
    s = open_session(resolve_scenario("hmm-casino"), seed=1)
    s.train(300)
    hist = s.history.arrays()[1][:, 0]
    assert np.all(np.diff(hist) >= -1e-9)  # the chart's curve never falls
    snap = s.snapshot()
    assert snap.metrics["log-lik/step"] >= snap.metrics["true model"] - 0.01
    assert snap.metrics["Viterbi right"] > 0.7
    learned = np.asarray(snap.params["transmat"])
    assert learned[0, 0] > 0.8 and learned[1, 1] > 0.7  # fair and loaded both persist
    assert snap.extra["state_names"] == ("fair", "loaded")


def test_regimes_scenario_converges():
    s = open_session(resolve_scenario("hmm-regimes"), seed=1)
    while not s.done:
        s.train(10)
    assert s.status is Status.LEARNED
    snap = s.snapshot()
    assert snap.metrics["Viterbi right"] > 0.95
    np.testing.assert_allclose(snap.params["means"], [-1.0, 0.5, 2.0], atol=0.1)


async def test_trellis_and_tables_at_80x24():
    from tui_lab.ui.app import LabApp
    from tui_lab.ui.panes.hmm_tables import HMMTablesPane
    from tui_lab.ui.panes.trellis import TrellisPane
    from tui_lab.ui.trainer import Phase, Report

    s = open_session(resolve_scenario("hmm-casino"), seed=1)
    s.train(100)
    app = LabApp(resolve_scenario("hmm-casino"), autostart=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.show_report(Report(Phase.PAUSED, s.snapshot()))
        assert app.views == ("chart", "trellis", "tables")
        await pilot.press("7")
        pane = app.query_one(TrellisPane)
        assert app.focused is pane
        grid = str(pane.query_one("#trellis-grid").content)
        rows = grid.splitlines()
        assert rows[0].startswith("observed") and rows[1].startswith("fair")
        assert rows[2].startswith("loaded") and rows[3].startswith("true")
        assert "●" in grid
        await pilot.press("right", "right")
        numbers = str(pane.query_one("#trellis-numbers").render())
        assert numbers.startswith("t=2 of 10000: observed") and "Viterbi" in numbers
        await pilot.press("8")
        tables = str(app.query_one(HMMTablesPane).query_one("#hmm-tables").content)
        assert "transitions P(next | now)" in tables and "emissions P(face | die)" in tables
        assert "  true" in tables


def test_gaussian_densities_match_numpy_over_the_whole_range():
    """The vectorised exp (a polynomial times 2^k) against NumPy's exp, from
    densities near the peak down to arguments below -708 (subnormal results)."""
    from tui_lab.sim.kernels import hmm as k

    rng = np.random.default_rng(5)
    means = np.array([-3.0, 0.0, 0.5, 40.0])
    variances = np.array([0.5, 1.0, 1e-4, 2.0])
    x = np.concatenate([rng.normal(0, 3, 5000), [0.0, 0.5, -3.0, 40.0, 1e3, -1e3]])
    B = np.empty((len(x), 4))
    k.gaussian_likelihood(means, variances, x, B, np.empty((len(x), 4), np.int64))
    arg = -0.5 * (x[:, None] - means) ** 2 / variances
    ref = np.exp(arg) / np.sqrt(2 * np.pi * variances)
    low = arg < -708
    np.testing.assert_allclose(B[~low], ref[~low], rtol=1e-12)
    np.testing.assert_allclose(B[low], ref[low], rtol=1e-12, atol=1e-318)  # math.exp
    assert low.any() and (B[low] > 0).any()
