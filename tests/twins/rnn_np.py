"""Plain-NumPy twin of `tui_lab.sim.kernels.rnn`, written for clarity, not speed.

Vectorised over the batch, with named weight matrices instead of the kernels'
flat vector. Used by the tests (the kernels must agree with it) and by
`bench/bench_adder.py` as the reference speed.
"""

import numpy as np


def unpack(theta: np.ndarray, H: int, I: int = 2) -> dict:
    """Views of W (H, I), U (H, H), b, v (H,), c (1,), h0 (H,) inside theta."""
    sizes = [("W", H * I, (H, I)), ("U", H * H, (H, H)), ("b", H, (H,)),
             ("v", H, (H,)), ("c", 1, (1,)), ("h0", H, (H,))]
    out, o = {}, 0
    for name, n, shape in sizes:
        out[name] = theta[o:o + n].reshape(shape)
        o += n
    return out


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def forward(theta, H, X):
    """X (N, T, I) -> hidden (N, T, H), logits (N, T)."""
    p = unpack(theta, H, X.shape[2])
    N, T, _ = X.shape
    hs = np.empty((N, T, H))
    h = np.broadcast_to(p["h0"], (N, H))
    for t in range(T):
        h = sigmoid(X[:, t] @ p["W"].T + h @ p["U"].T + p["b"])  # (N, H)
        hs[:, t] = h
    return hs, hs @ p["v"] + p["c"][0]


def loss_grad(theta, H, X, Y, learn_h0=True):
    """Summed cross-entropy per sequence, mean over the batch, and its gradient."""
    P = unpack(theta, H, X.shape[2])
    N, T, _ = X.shape
    hs, o = forward(theta, H, X)
    has = Y >= 0  # targets below 0 are "no target here"
    loss = ((np.logaddexp(0.0, o) - Y * o) * has).sum() / N
    grad = np.zeros_like(theta)
    g = unpack(grad, H, X.shape[2])
    do = (sigmoid(o) - Y) * has / N  # (N, T)
    dh = np.zeros((N, H))
    for t in reversed(range(T)):
        g["c"][0] += do[:, t].sum()
        g["v"][:] += do[:, t] @ hs[:, t]
        dh = dh + do[:, t, None] * P["v"]
        da = dh * hs[:, t] * (1 - hs[:, t])  # (N, H)
        hprev = hs[:, t - 1] if t > 0 else np.broadcast_to(P["h0"], (N, H))
        g["b"][:] += da.sum(0)
        g["W"][:] += da.T @ X[:, t]
        g["U"][:] += da.T @ hprev
        dh = da @ P["U"]
    if learn_h0:
        g["h0"][:] = dh.sum(0)
    return loss, grad


def train(theta, vel, H, X, Y, idx, batch, lr, momentum, clip, learn_h0=True):
    """The kernel's train_chunk, update by update; returns the losses (nats/bit)."""
    n = len(idx) // batch
    losses = np.empty(n)
    for u in range(n):
        sel = idx[u * batch:(u + 1) * batch]
        loss, grad = loss_grad(theta, H, X[sel], Y[sel], learn_h0)
        losses[u] = loss * batch / max((Y[sel] >= 0).sum(), 1)
        norm = np.sqrt((grad ** 2).sum())
        if clip > 0 and norm > clip:
            grad *= clip / norm
        vel[:] = momentum * vel - lr * grad
        theta += vel
    return losses
