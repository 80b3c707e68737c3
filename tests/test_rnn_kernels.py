"""The RNN kernels against their NumPy twin, and gradients against finite differences."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from tests.fd import numeric_gradient
from tests.twins import rnn_np
from tui_lab.sim.kernels import rnn as k
from tui_lab.sim.rnn import LogisticRNN
from tui_lab.sim.tasks import binary_addition as task


def _data(rng, N=6, n=5):
    a = rng.integers(0, 2, (N, n), dtype=np.uint8)
    b = rng.integers(0, 2, (N, n), dtype=np.uint8)
    return task.encode(a, b)


def _net(H, seed=0, learn_h0=True, scale=1.0):
    return LogisticRNN(H, np.random.default_rng(seed), init_scale=scale,
                       learn_initial_state=learn_h0)


@pytest.mark.parametrize("H", [1, 3, 16])
def test_forward_matches_twin(H):
    rng = np.random.default_rng(H)
    X, _ = _data(rng)
    net = _net(H)
    p, hidden = net.forward(X)
    hs, o = rnn_np.forward(net.theta, H, X)
    np.testing.assert_allclose(hidden, hs, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(p, rnn_np.sigmoid(o), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("H,learn_h0", [(1, True), (3, True), (3, False), (8, True)])
def test_loss_grad_matches_twin(H, learn_h0):
    rng = np.random.default_rng(10 + H)
    X, Y = _data(rng)
    net = _net(H, learn_h0=learn_h0)
    loss, grad = net.loss_grad(X, Y)
    loss_np, grad_np = rnn_np.loss_grad(net.theta, H, X, Y, learn_h0)
    assert loss == pytest.approx(loss_np, rel=1e-12)
    np.testing.assert_allclose(grad, grad_np, rtol=1e-10, atol=1e-13)
    if not learn_h0:
        assert not grad[-H:].any()


@pytest.mark.parametrize("H", [1, 3, 5])
def test_gradient_matches_finite_differences(H):
    """Every parameter, the initial state h0 included (7b-05)."""
    rng = np.random.default_rng(20 + H)
    X, Y = _data(rng, N=3, n=6)
    net = _net(H, seed=H)
    _, grad = net.loss_grad(X, Y)
    numeric = numeric_gradient(net.theta, lambda: net.loss_grad(X, Y)[0])
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-7)
    assert np.abs(grad[-H:]).max() > 1e-6  # h0 really gets a gradient


def test_tied_weights_gradient_is_sum_over_steps():
    """7b-03: a recurrent weight's gradient is the sum of its per-step copies."""
    rng = np.random.default_rng(3)
    X, Y = _data(rng, N=1, n=4)
    net = _net(2)
    _, grad = net.loss_grad(X, Y)
    P = rnn_np.unpack(net.theta, 2)
    hs, o = rnn_np.forward(net.theta, 2, X)
    # Untie U: give every step its own copy, differentiate each copy numerically.
    T, eps, total = X.shape[1], 1e-6, 0.0

    def loss_with(step, delta):
        h, L = P["h0"].copy(), 0.0
        for t in range(T):
            U = P["U"].copy()
            if t == step:
                U[0, 1] += delta
            h = rnn_np.sigmoid(P["W"] @ X[0, t] + U @ h + P["b"])
            ot = h @ P["v"] + P["c"][0]
            L += np.logaddexp(0, ot) - Y[0, t] * ot
        return L

    for step in range(T):
        total += (loss_with(step, eps) - loss_with(step, -eps)) / (2 * eps)
    offset = 2 * 2  # U starts after W (H * I)
    assert grad[offset + 1] == pytest.approx(total, rel=1e-6)


@pytest.mark.parametrize("batch,momentum,clip,learn_h0",
                         [(1, 0.0, 0.0, True), (1, 0.9, 0.0, True),
                          (4, 0.5, 0.3, True), (2, 0.5, 0.0, False)])
def test_train_chunk_matches_twin(batch, momentum, clip, learn_h0):
    rng = np.random.default_rng(batch)
    X, Y = _data(rng, N=20, n=6)
    net = _net(3, learn_h0=learn_h0)
    theta, vel = net.theta.copy(), net.velocity.copy()
    idx = rng.integers(0, 20, 40 * batch)
    losses = net.train_chunk(X, Y, idx, batch, 0.3, momentum, clip)
    losses_np = rnn_np.train(theta, vel, 3, X, Y, idx, batch, 0.3, momentum, clip, learn_h0)
    np.testing.assert_allclose(losses, losses_np, rtol=1e-10)
    np.testing.assert_allclose(net.theta, theta, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(net.velocity, vel, rtol=1e-9, atol=1e-12)


def test_clip_bounds_the_step():
    rng = np.random.default_rng(5)
    X, Y = _data(rng, N=4)
    net = _net(3)
    before = net.theta.copy()
    net.train_chunk(X, Y, np.array([0]), 1, 10.0, 0.0, 0.01)
    assert np.linalg.norm(net.theta - before) == pytest.approx(10.0 * 0.01, rel=1e-9)


def test_train_chunk_stops_on_divergence():
    rng = np.random.default_rng(6)
    X, Y = _data(rng, N=4)
    net = _net(3)
    net.theta[:] = np.inf
    losses = net.train_chunk(X, Y, np.zeros(10, np.int64), 1, 0.1, 0.0, 0.0)
    assert len(losses) == 1 and not np.isfinite(losses[0])


def test_score_matches_numpy():
    rng = np.random.default_rng(7)
    X, Y = _data(rng, N=50, n=6)
    net = _net(3, scale=3.0)
    ce, right = net.score(X, Y)
    p, _ = net.forward(X)
    _, o = rnn_np.forward(net.theta, 3, X)
    assert ce == pytest.approx((np.logaddexp(0, o) - Y * o).mean(), rel=1e-12)
    assert right == pytest.approx(((o > 0) == (Y > 0.5)).all(1).mean())


@settings(max_examples=25, deadline=None)
@given(H=st.integers(1, 6), n=st.integers(1, 9), seed=st.integers(0, 10_000))
def test_kernels_match_twin_property(H, n, seed):
    rng = np.random.default_rng(seed)
    X, Y = _data(rng, N=3, n=n)
    net = _net(H, seed=seed, scale=2.0)
    loss, grad = net.loss_grad(X, Y)
    loss_np, grad_np = rnn_np.loss_grad(net.theta, H, X, Y)
    assert loss == pytest.approx(loss_np, rel=1e-11)
    np.testing.assert_allclose(grad, grad_np, rtol=1e-9, atol=1e-12)


def test_n_params_layout():
    H = 4
    assert k.n_params(H) == H * 2 + H * H + 3 * H + 1
    net = _net(H)
    params = net.params()
    assert params["W"].shape == (H, 2) and params["U"].shape == (H, H)
    assert params["h0"].tolist() == [0.5] * H
    net.set_params(U=np.eye(H))
    np.testing.assert_array_equal(net.params()["U"], np.eye(H))


def test_kernels_run_with_bounds_checking():
    """conftest turns Numba's bounds checking on for the whole suite."""
    import numba

    assert numba.config.BOUNDSCHECK == 1


def test_masked_targets_match_twin_and_fd():
    """Targets below 0 mean 'no target here' (the delay task's answer-once steps)."""
    rng = np.random.default_rng(11)
    X = rng.integers(0, 2, (4, 7, 3)).astype(float)
    Y = np.full((4, 7), -1.0)
    Y[:, -1] = rng.integers(0, 2, 4)
    net = LogisticRNN(4, rng, n_in=3, init_scale=1.5)
    loss, grad = net.loss_grad(X, Y)
    loss_np, grad_np = rnn_np.loss_grad(net.theta, 4, X, Y)
    assert loss == pytest.approx(loss_np, rel=1e-12)
    np.testing.assert_allclose(grad, grad_np, rtol=1e-10, atol=1e-13)
    theta, vel = net.theta.copy(), net.velocity.copy()
    idx = rng.integers(0, 4, 10)
    losses = net.train_chunk(X, Y, idx, 2, 0.2, 0.5, 0.0)
    np.testing.assert_allclose(losses, rnn_np.train(theta, vel, 4, X, Y, idx, 2, 0.2, 0.5, 0.0),
                               rtol=1e-10)
    ce, right = net.score(X, Y)
    _, o = rnn_np.forward(net.theta, 4, X)
    assert right == pytest.approx(((o[:, -1] > 0) == (Y[:, -1] > 0.5)).mean())
