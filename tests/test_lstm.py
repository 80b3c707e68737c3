"""LSTM kernels against the NumPy twin and finite differences, through every gate."""

import numpy as np
import pytest

from tests.fd import numeric_gradient
from tests.twins import lstm_np
from tui_lab.sim.lstm import LSTM, WeightsError

KINDS = {"linear": 0, "logistic": 1, "softmax": 2}


def _problem(kind, rng, N=3, T=6, I=3, O=2):
    X = rng.normal(size=(N, T, I))
    if kind == "softmax":
        Y = np.eye(O)[rng.integers(0, O, (N, T))]
    elif kind == "logistic":
        Y = rng.integers(0, 2, (N, T, O)).astype(float)
    else:
        Y = rng.normal(size=(N, T, O))
    M = (rng.random((N, T)) < 0.6).astype(float)
    M[:, -1] = 1.0
    return X, Y, M


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("H", [1, 4])
def test_forward_and_gradient_match_twin(kind, H):
    rng = np.random.default_rng(H)
    X, Y, M = _problem(kind, rng)
    net = LSTM(3, H, 2, rng, output=kind, init_scale=0.8, forget_bias=0.5)
    tr = net.run(X)
    ref = lstm_np.forward(net.theta, 3, H, 2, X)
    for name, key in [("write", "i"), ("keep", "f"), ("candidate", "g"), ("read", "o"),
                      ("cell", "c"), ("hidden", "h")]:
        np.testing.assert_allclose(getattr(tr, name), ref[key], rtol=1e-10, atol=1e-13)
    loss, grad = net.loss_grad(X, Y, M)
    loss_np, grad_np, dh_np, dc_np = lstm_np.loss_grad(net.theta, 3, H, 2, X, Y, M, KINDS[kind])
    assert loss == pytest.approx(loss_np, rel=1e-10)
    np.testing.assert_allclose(grad, grad_np, rtol=1e-8, atol=1e-12)
    dh, dc = net.state_grads(X[0], Y[0], M[0])
    _, _, dh1, dc1 = lstm_np.loss_grad(net.theta, 3, H, 2, X[:1], Y[:1], M[:1], KINDS[kind])
    np.testing.assert_allclose(dh, dh1[0], rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(dc, dc1[0], rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("kind", list(KINDS))
def test_gradient_matches_finite_differences(kind):
    rng = np.random.default_rng(7)
    X, Y, M = _problem(kind, rng, N=2, T=5)
    net = LSTM(3, 3, 2, rng, output=kind, init_scale=0.9)
    _, grad = net.loss_grad(X, Y, M)
    numeric = numeric_gradient(net.theta, lambda: net.loss_grad(X, Y, M)[0])
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8)
    # every gate's weights really receive gradient
    W = grad[:4 * 3 * 3].reshape(12, 3)
    for gate in range(4):
        assert np.abs(W[3 * gate:3 * gate + 3]).max() > 1e-6


def _reference_update(theta, m, v, grad, optimizer, u):
    """Update u (from 0) of the kernels' rule in plain NumPy: clip the gradient to
    norm 1, then SGD (lr 0.05, momentum 0.9) or Adam (lr 0.05); new theta, m, v."""
    norm = np.linalg.norm(grad)
    if norm > 1.0:
        grad = grad / norm
    if optimizer == "sgd":
        m = 0.9 * m - 0.05 * grad
        return theta + m, m, v
    m = 0.9 * m + 0.1 * grad
    v = 0.999 * v + 0.001 * grad ** 2
    return theta - 0.05 * (m / (1 - 0.9 ** (u + 1))) / (
        np.sqrt(v / (1 - 0.999 ** (u + 1))) + 1e-8), m, v


def _f32(*arrays):
    return [a.astype(np.float32) for a in arrays]


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("H", [1, 4, 32])
def test_float32_passes_match_the_twin_in_float32(kind, H):
    """The float32 training passes (the app's default) against the twin run in float32
    and in float64: their differences are float32 rounding, no more and no less."""
    rng = np.random.default_rng(10 + H)
    X, Y, M = _problem(kind, rng, N=3, T=20)
    net = LSTM(3, H, 2, rng, output=kind, init_scale=0.8, forget_bias=0.5, precision="float32")
    loss, grad = net.loss_grad(X, Y, M)
    assert grad.dtype == np.float64  # the optimiser's side stays float64
    loss64, grad64, _, _ = lstm_np.loss_grad(net.theta, 3, H, 2, X, Y, M, KINDS[kind])
    loss32, grad32, _, _ = lstm_np.loss_grad(*_f32(net.theta), 3, H, 2, *_f32(X, Y, M),
                                             KINDS[kind])
    assert grad32.dtype == np.float32
    scale = np.abs(grad64).max()
    assert np.abs(grad - grad32).max() < 1e-5 * scale  # measured up to 1.5e-6
    assert np.abs(grad - grad64).max() < 1e-5 * scale
    assert np.abs(grad - grad64).max() > 1e-11 * scale  # it did run in float32
    assert loss == pytest.approx(loss64, rel=1e-6)
    assert loss == pytest.approx(float(loss32), rel=1e-6)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_float32_train_chunk_takes_the_float32_gradient_steps(optimizer):
    """A chunk in float32 makes exactly the updates its own loss_grad prescribes,
    and its losses are the float64 twin's to float32 rounding."""
    rng = np.random.default_rng(5)
    X, Y, M = _problem("logistic", rng, N=10, T=8)
    net = LSTM(3, 4, 2, rng, output="logistic", precision="float32")
    step = LSTM(3, 4, 2, rng, output="logistic", precision="float32")
    step.theta[:] = net.theta
    idx = rng.integers(0, 10, 12 * 2)
    losses = net.train_chunk(X, Y, M, idx, 2, optimizer, 0.05, 0.9, 1.0)
    m, v = np.zeros_like(step.theta), np.zeros_like(step.theta)
    for u in range(12):
        sel = idx[2 * u:2 * u + 2]
        loss, grad = step.loss_grad(X[sel], Y[sel], M[sel])
        loss64 = lstm_np.loss_grad(step.theta, 3, 4, 2, X[sel], Y[sel], M[sel], 1)[0]
        assert losses[u] == pytest.approx(loss * 2 / M[sel].sum(), rel=1e-12)
        assert losses[u] == pytest.approx(loss64 * 2 / M[sel].sum(), rel=2e-6)
        step.theta[:], m, v = _reference_update(step.theta, m, v, grad, optimizer, u)
    np.testing.assert_allclose(net.theta, step.theta, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_train_chunk_matches_twin(optimizer):
    rng = np.random.default_rng(3)
    X, Y, M = _problem("logistic", rng, N=10, T=5)
    net = LSTM(3, 4, 2, rng, output="logistic")
    theta = net.theta.copy()
    idx = rng.integers(0, 10, 12 * 2)
    losses = net.train_chunk(X, Y, M, idx, 2, optimizer, 0.05, 0.9, 1.0)
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    for u in range(12):
        sel = idx[2 * u:2 * u + 2]
        loss, grad, _, _ = lstm_np.loss_grad(theta, 3, 4, 2, X[sel], Y[sel], M[sel], 1)
        assert losses[u] == pytest.approx(loss * 2 / M[sel].sum(), rel=1e-9)
        theta, m, v = _reference_update(theta, m, v, grad, optimizer, u)
    np.testing.assert_allclose(net.theta, theta, rtol=1e-8, atol=1e-11)


def test_torch_layout_round_trip(tmp_path):
    rng = np.random.default_rng(4)
    net = LSTM(3, 5, 2, rng, output="linear")
    path = tmp_path / "w.npz"
    np.savez(path, **net.to_torch_arrays())
    back = LSTM.load_npz(path)
    np.testing.assert_array_equal(back.theta, net.theta)


@pytest.mark.parametrize("arrays,message", [
    ({}, "missing array 'weight_ih_l0'"),
    ({"weight_ih_l0": np.zeros((6, 2)), "weight_hh_l0": np.zeros((8, 2))},
     "weight_ih_l0 has shape (6, 2); expected (4H, I)"),
    ({"weight_ih_l0": np.zeros((8, 2)), "weight_hh_l0": np.zeros((8, 3))},
     "weight_hh_l0 has shape (8, 3); expected (8, 2)"),
    ({"weight_ih_l0": np.zeros((8, 2)), "weight_hh_l0": np.zeros((8, 2)),
      "bias_ih_l0": np.zeros(7)}, "bias_ih_l0 has shape (7,); expected (8,)"),
    ({"weight_ih_l0": np.full((8, 2), np.nan), "weight_hh_l0": np.zeros((8, 2))},
     "NaN or infinite"),
])
def test_bad_weight_files(tmp_path, arrays, message):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(WeightsError) as info:
        LSTM.load_npz(path)
    assert message in str(info.value) and str(path) in str(info.value)


def test_pickled_or_missing_files_are_refused(tmp_path):
    path = tmp_path / "obj.npz"
    np.savez(path, weight_ih_l0=np.array([{"a": 1}], dtype=object))
    with pytest.raises(WeightsError, match="not a readable .npz"):
        LSTM.load_npz(path)
    with pytest.raises(WeightsError, match="no such file"):
        LSTM.load_npz(tmp_path / "nope.npz")
    (tmp_path / "text.npz").write_text("hello")
    with pytest.raises(WeightsError, match="not a readable"):
        LSTM.load_npz(tmp_path / "text.npz")


def test_parity_with_torch_nn_lstm():
    """Reference values from PyTorch (tests/make_torch_fixture.py), no torch needed."""
    from pathlib import Path

    ref = dict(np.load(Path(__file__).parent / "fixtures" / "lstm_torch.npz"))
    net = LSTM.from_torch_arrays(ref, "fixture", output="linear")  # output = h itself
    X, Yh = ref["x"], ref["y"]
    tr = net.run(X)
    np.testing.assert_allclose(tr.hidden, ref["h"], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(tr.cell[:, -1], ref["c_n"][0], rtol=1e-10, atol=1e-12)
    M = np.ones(X.shape[:2])
    loss, grad = net.loss_grad(X, Yh, M)
    assert loss * len(X) == pytest.approx(float(ref["loss"]), rel=1e-10)
    P = LSTM.from_torch_arrays(ref, "fixture")  # unpack our gradient the same way
    P.theta[:] = grad * len(X)  # torch sums over the batch; we average
    ours = P.views()
    np.testing.assert_allclose(ours["W"], ref["grad_weight_ih_l0"], rtol=1e-8, atol=1e-11)
    np.testing.assert_allclose(ours["U"], ref["grad_weight_hh_l0"], rtol=1e-8, atol=1e-11)
    np.testing.assert_allclose(ours["b"], ref["grad_bias_ih_l0"], rtol=1e-8, atol=1e-11)
    np.testing.assert_allclose(ours["b"], ref["grad_bias_hh_l0"], rtol=1e-8, atol=1e-11)
    # and in float32, torch's own default precision
    net.precision = "float32"
    loss32, grad32 = net.loss_grad(X, Yh, M)
    assert loss32 * len(X) == pytest.approx(float(ref["loss"]), rel=2e-6)
    P.theta[:] = grad32 * len(X)
    for ours_name, ref_name in [("W", "grad_weight_ih_l0"), ("U", "grad_weight_hh_l0"),
                                ("b", "grad_bias_ih_l0")]:
        err = np.abs(P.views()[ours_name] - ref[ref_name]).max()
        assert 1e-12 < err < 2e-6 * np.abs(ref[ref_name]).max()
