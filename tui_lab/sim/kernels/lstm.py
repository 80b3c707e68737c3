"""Numba kernels for an LSTM layer with an output layer (7e-02 .. 7e-04).

Gates, in PyTorch's order (the lecture's words in brackets):

    i = sigmoid(a_i)   input gate  [write]       g = tanh(a_g)   candidate
    f = sigmoid(a_f)   forget gate [keep]        o = sigmoid(a_o) output gate [read]
    a = W x[t] + U h[t-1] + b                    (4H,) in the order i, f, g, o
    c[t] = f * c[t-1] + i * g                    the memory cell
    h[t] = o * tanh(c[t])
    z[t] = V h[t] + d                            output layer, O units

Flat parameters: W (4H, I), U (4H, H), b (4H,), V (O, H), d (O,). The initial
h and c are zero. The output layer is linear (squared error / 2), logistic
(cross-entropy per unit) or softmax (cross-entropy over the O classes), chosen
by `out_kind` 0, 1, 2. The loss is summed over time steps weighted by a mask
(N, T) and averaged over the batch. Training: SGD with momentum (opt 0) or
Adam (opt 1), gradient-norm clipping, a chunk of updates per call.
"""

import math

import numpy as np
from numba import njit

from tui_lab.sim.kernels.optim import adam_step, clip_or_fail, momentum_step
from tui_lab.sim.kernels.vexp import exp_into, tanh_into

LINEAR, LOGISTIC, SOFTMAX = 0, 1, 2
SGD, ADAM = 0, 1
_FAST = {"reassoc", "contract", "arcp", "nsz"}  # no nnan/ninf: NaN checks stay real


def n_params(I: int, H: int, O: int) -> int:
    return 4 * H * I + 4 * H * H + 4 * H + O * H + O


@njit(nogil=True, cache=True, inline="always")
def _offsets(I, H, O):
    oW = 0
    oU = oW + 4 * H * I
    ob = oU + 4 * H * H
    oV = ob + 4 * H
    od = oV + O * H
    return oW, oU, ob, oV, od


@njit(nogil=True, cache=True, inline="always")
def _sig(a):
    return 1.0 / (1.0 + math.exp(-a))


@njit(nogil=True, cache=True, inline="always")
def _views(theta, I, H, O):
    """2-D views of the flat parameters (indexing them with loop counters lets LLVM
    drop negative-index checks and vectorise the products)."""
    oW, oU, ob, oV, od = _offsets(I, H, O)
    return (theta[oW:oU].reshape((4 * H, I)), theta[oU:ob].reshape((4 * H, H)),
            theta[ob:oV], theta[oV:od].reshape((O, H)), theta[od:od + O])


@njit(nogil=True, cache=True, error_model="numpy", fastmath=_FAST)
def forward_seq(theta, H, O, x, gates, cs, hs, z):
    """One sequence: x (T, I) -> gates (T, 4H) after their nonlinearities,
    cells cs (T, H), hidden hs (T, H), output pre-activations z (T, O).

    The nonlinearities use the vectorised exp and tanh of `vexp` (math.exp and
    math.tanh, a library call per element, were most of the forward pass):
    sigmoid(a) is 1/(1+e) for a >= 0 and e/(1+e) below, with e = exp(-|a|).
    """
    T, I = x.shape
    W, U, b, V, d = _views(theta, I, H, O)
    G = 4 * H
    e = np.empty(G)
    pow2 = np.empty(G, np.int64)
    cand = np.empty(H)
    eh = np.empty(H)
    pow2h = np.empty(H, np.int64)
    for t in range(T):
        g = gates[t]
        for r in range(G):
            a = b[r]
            for i in range(I):
                a += W[r, i] * x[t, i]
            g[r] = a
        if t > 0:
            for r in range(G):
                a = 0.0
                for k in range(H):
                    a += U[r, k] * hs[t - 1, k]
                g[r] += a
        for j in range(H):
            cand[j] = g[2 * H + j]
        tanh_into(cand, cand, eh, pow2h)
        for r in range(G):
            e[r] = -abs(g[r])
        exp_into(e, e, pow2)
        for r in range(G):
            s = 1.0 / (1.0 + e[r])
            g[r] = s if g[r] >= 0.0 else e[r] * s
        for j in range(H):
            g[2 * H + j] = cand[j]
        for j in range(H):
            c_prev = cs[t - 1, j] if t > 0 else 0.0
            c = g[H + j] * c_prev + g[j] * g[2 * H + j]
            cs[t, j] = c
            cand[j] = c
        tanh_into(cand, cand, eh, pow2h)
        for j in range(H):
            hs[t, j] = g[3 * H + j] * cand[j]
        for q in range(O):
            s = d[q]
            for j in range(H):
                s += V[q, j] * hs[t, j]
            z[t, q] = s


@njit(nogil=True, cache=True, error_model="numpy", fastmath=_FAST)
def _output_grad(z, y, m, out_kind, scale, dz):
    """Loss of one step's outputs z (O,) against y (O,), weight m; dz gets its gradient."""
    O = z.shape[0]
    loss = 0.0
    if out_kind == LINEAR:
        for q in range(O):
            e = z[q] - y[q]
            loss += 0.5 * e * e
            dz[q] = e * m * scale
    elif out_kind == LOGISTIC:
        for q in range(O):
            e = math.exp(-abs(z[q]))
            p = 1.0 / (1.0 + e) if z[q] >= 0.0 else e / (1.0 + e)
            loss += max(z[q], 0.0) + math.log1p(e) - y[q] * z[q]
            dz[q] = (p - y[q]) * m * scale
    else:
        zmax = z[0]
        for q in range(O):
            zmax = max(zmax, z[q])
        tot = 0.0
        for q in range(O):
            tot += math.exp(z[q] - zmax)
        lse = zmax + math.log(tot)
        ysum = 0.0
        for q in range(O):
            loss -= y[q] * (z[q] - lse)
            ysum += y[q]
        for q in range(O):
            dz[q] = (math.exp(z[q] - lse) * ysum - y[q]) * m * scale
    return loss * m


@njit(nogil=True, cache=True, error_model="numpy", fastmath=_FAST)
def backward_seq(theta, H, O, x, y, mask, out_kind, gates, cs, hs, z, scale, grad,
                 dh_trace, dc_trace):
    """Backpropagation through time for one sequence after `forward_seq`.

    Adds scale x the gradient into grad. y (T, O), mask (T,). When dh_trace /
    dc_trace have T rows they receive d loss / d h[t] and d loss / d c[t]
    (the total, through every later step). Returns the masked loss (unscaled).
    """
    T, I = x.shape
    W, U, b, V, d = _views(theta, I, H, O)
    gW, gU, gb, gV, gd = _views(grad, I, H, O)
    record = dh_trace.shape[0] == T
    dh_next = np.zeros(H)
    dc_next = np.zeros(H)
    dh = np.empty(H)
    da = np.empty(4 * H)
    dz = np.empty(O)
    loss = 0.0
    for t in range(T - 1, -1, -1):
        for j in range(H):
            dh[j] = dh_next[j]
        if mask[t] != 0.0:
            loss += _output_grad(z[t], y[t], mask[t], out_kind, scale, dz)
            for q in range(O):
                gd[q] += dz[q]
                for j in range(H):
                    gV[q, j] += dz[q] * hs[t, j]
                    dh[j] += V[q, j] * dz[q]
        for j in range(H):
            ig, fg, gg, og = gates[t, j], gates[t, H + j], gates[t, 2 * H + j], gates[t, 3 * H + j]
            tc = math.tanh(cs[t, j])
            dc = dh[j] * og * (1.0 - tc * tc) + dc_next[j]
            if record:
                dh_trace[t, j] = dh[j]
                dc_trace[t, j] = dc
            c_prev = cs[t - 1, j] if t > 0 else 0.0
            da[j] = dc * gg * ig * (1.0 - ig)
            da[H + j] = dc * c_prev * fg * (1.0 - fg)
            da[2 * H + j] = dc * ig * (1.0 - gg * gg)
            da[3 * H + j] = dh[j] * tc * og * (1.0 - og)
            dc_next[j] = dc * fg
        for k in range(H):
            dh_next[k] = 0.0
        for r in range(4 * H):
            ar = da[r]
            gb[r] += ar
            for i in range(I):
                gW[r, i] += ar * x[t, i]
            if t > 0:
                for k in range(H):
                    gU[r, k] += ar * hs[t - 1, k]
            for k in range(H):  # dh[t-1] = U^T da, row by row
                dh_next[k] += U[r, k] * ar
    return loss


@njit(nogil=True, cache=True, error_model="numpy")
def loss_grad(theta, H, O, X, Y, M, out_kind, grad):
    """Objective over all sequences X (N, T, I), Y (N, T, O), mask M (N, T): the
    masked loss summed over steps, averaged over N. grad is overwritten."""
    N, T, I = X.shape
    gates = np.empty((T, 4 * H))
    cs = np.empty((T, H))
    hs = np.empty((T, H))
    z = np.empty((T, O))
    none = np.empty((0, H))
    grad[:] = 0.0
    total = 0.0
    for s in range(N):
        forward_seq(theta, H, O, X[s], gates, cs, hs, z)
        total += backward_seq(theta, H, O, X[s], Y[s], M[s], out_kind, gates, cs, hs, z,
                              1.0 / N, grad, none, none)
    return total / N


@njit(nogil=True, cache=True, error_model="numpy")
def train_chunk(theta, opt_state, H, O, X, Y, M, out_kind, idx, batch, opt, lr, momentum,
                clip, losses):
    """len(losses) updates. opt_state (3, n): velocity, or Adam's m and v, and
    opt_state[2, 0] counts Adam steps. losses[u]: mean masked loss per target step.
    Stops early on a non-finite loss or gradient; returns the updates done."""
    N, T, I = X.shape
    n = theta.shape[0]
    gates = np.empty((T, 4 * H))
    cs = np.empty((T, H))
    hs = np.empty((T, H))
    z = np.empty((T, O))
    none = np.empty((0, H))
    grad = np.empty(n)
    for u in range(losses.shape[0]):
        grad[:] = 0.0
        total = 0.0
        weight = 0.0
        for bi in range(batch):
            s = idx[u * batch + bi]
            forward_seq(theta, H, O, X[s], gates, cs, hs, z)
            total += backward_seq(theta, H, O, X[s], Y[s], M[s], out_kind, gates, cs, hs,
                                  z, 1.0 / batch, grad, none, none)
            for t in range(T):
                weight += M[s, t]
        losses[u] = total / max(weight, 1e-300)
        if not clip_or_fail(grad, losses[u], clip):
            return u
        if opt == SGD:
            momentum_step(theta, opt_state[0], grad, lr, momentum)
        else:
            adam_step(theta, opt_state[0], opt_state[1], opt_state[2, :1], grad, lr)
    return losses.shape[0]


@njit(nogil=True, cache=True, error_model="numpy")
def run(theta, H, O, X, gates, cs, hs, z):
    """Forward every sequence with full traces: gates (N, T, 4H), cs, hs (N, T, H), z (N, T, O)."""
    for s in range(X.shape[0]):
        forward_seq(theta, H, O, X[s], gates[s], cs[s], hs[s], z[s])


@njit(nogil=True, cache=True, error_model="numpy")
def state_grads(theta, H, O, x, y, mask, out_kind, dh_trace, dc_trace):
    """d loss / d h[t] and d loss / d c[t] for one sequence (T, H) each; returns the loss."""
    T = x.shape[0]
    gates = np.empty((T, 4 * H))
    cs = np.empty((T, H))
    hs = np.empty((T, H))
    z = np.empty((T, O))
    grad = np.zeros(theta.shape[0])
    forward_seq(theta, H, O, x, gates, cs, hs, z)
    return backward_seq(theta, H, O, x, y, mask, out_kind, gates, cs, hs, z, 1.0, grad,
                        dh_trace, dc_trace)
