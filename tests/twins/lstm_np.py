"""Plain-NumPy twin of `tui_lab.sim.kernels.lstm`, vectorised over the batch.

It computes in theta's float type: give float32 theta, X, Y and M for a float32 twin."""

import numpy as np


def unpack(theta, I, H, O):
    sizes = [("W", (4 * H, I)), ("U", (4 * H, H)), ("b", (4 * H,)), ("V", (O, H)), ("d", (O,))]
    out, o = {}, 0
    for name, shape in sizes:
        n = int(np.prod(shape))
        out[name] = theta[o:o + n].reshape(shape)
        o += n
    return out


def sig(a):
    return 1 / (1 + np.exp(-a))


def forward(theta, I, H, O, X):
    """X (N, T, I) -> dict of (N, T, .) arrays: i, f, g, o, c, h, z."""
    P = unpack(theta, I, H, O)
    N, T, _ = X.shape
    F = theta.dtype
    h = np.zeros((N, H), F)
    c = np.zeros((N, H), F)
    keys = "ifgochz"
    tr = {k: np.empty((N, T, O if k == "z" else H), F) for k in keys}
    for t in range(T):
        a = X[:, t] @ P["W"].T + h @ P["U"].T + P["b"]
        i, f, g, o = sig(a[:, :H]), sig(a[:, H:2 * H]), np.tanh(a[:, 2 * H:3 * H]), sig(a[:, 3 * H:])
        c = f * c + i * g
        h = o * np.tanh(c)
        for k, v in zip(keys, (i, f, g, o, c, h, h @ P["V"].T + P["d"])):
            tr[k][:, t] = v
    return tr


def _out_loss_grad(z, Y, M, kind):
    """Per-step loss (N, T) and d loss / d z (N, T, O), mask applied."""
    if kind == 0:
        loss = 0.5 * ((z - Y) ** 2).sum(-1)
        dz = z - Y
    elif kind == 1:
        loss = (np.logaddexp(0, z) - Y * z).sum(-1)
        dz = sig(z) - Y
    else:
        lse = np.log(np.exp(z - z.max(-1, keepdims=True)).sum(-1, keepdims=True)) + z.max(-1, keepdims=True)
        loss = -(Y * (z - lse)).sum(-1)
        dz = np.exp(z - lse) * Y.sum(-1, keepdims=True) - Y
    return loss * M, dz * M[..., None]


def loss_grad(theta, I, H, O, X, Y, M, kind):
    P = unpack(theta, I, H, O)
    N, T, _ = X.shape
    tr = forward(theta, I, H, O, X)
    steploss, dz = _out_loss_grad(tr["z"], Y, M, kind)
    dz = dz / N
    g = {k: np.zeros_like(v) for k, v in P.items()}
    F = theta.dtype
    dh_next = np.zeros((N, H), F)
    dc_next = np.zeros((N, H), F)
    dhs, dcs = np.zeros((N, T, H), F), np.zeros((N, T, H), F)
    for t in reversed(range(T)):
        g["V"] += dz[:, t].T @ tr["h"][:, t]
        g["d"] += dz[:, t].sum(0)
        dh = dz[:, t] @ P["V"] + dh_next
        i, f, gg, o, c = (tr[k][:, t] for k in "ifgoc")
        c_prev = tr["c"][:, t - 1] if t > 0 else np.zeros((N, H), F)
        h_prev = tr["h"][:, t - 1] if t > 0 else np.zeros((N, H), F)
        tc = np.tanh(c)
        dc = dh * o * (1 - tc ** 2) + dc_next
        dhs[:, t], dcs[:, t] = dh, dc
        da = np.concatenate([dc * gg * i * (1 - i), dc * c_prev * f * (1 - f),
                             dc * i * (1 - gg ** 2), dh * tc * o * (1 - o)], axis=1)
        g["b"] += da.sum(0)
        g["W"] += da.T @ X[:, t]
        g["U"] += da.T @ h_prev
        dh_next = da @ P["U"]
        dc_next = dc * f
    grad = np.concatenate([g[k].ravel() for k in ("W", "U", "b", "V", "d")])
    return steploss.sum() / N, grad, dhs * N, dcs * N
