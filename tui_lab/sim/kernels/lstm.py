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
from tui_lab.sim.kernels.vexp import exp_into, tanh_from_exp

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
def _views(theta, I, H, O):
    """2-D views of the flat parameters (indexing them with loop counters lets LLVM
    drop negative-index checks and vectorise the products)."""
    oW, oU, ob, oV, od = _offsets(I, H, O)
    return (theta[oW:oU].reshape((4 * H, I)), theta[oU:ob].reshape((4 * H, H)),
            theta[ob:oV], theta[oV:od].reshape((O, H)), theta[od:od + O])


@njit(nogil=True, cache=True, error_model="numpy", fastmath=_FAST)
def _transpose_into(A, out):
    for c in range(A.shape[1]):
        for r in range(A.shape[0]):
            out[c, r] = A[r, c]


@njit(nogil=True, cache=True, error_model="numpy", fastmath=_FAST)
def _add_matvec(g, MT, v):
    """g += MT^T v, MT (n, G) row-major: four rows of MT per pass over g, so g is
    loaded and stored once per four products (twice as fast as one at a time)."""
    n, G = MT.shape
    k = 0
    while k + 4 <= n:
        v0, v1, v2, v3 = v[k], v[k + 1], v[k + 2], v[k + 3]
        m0, m1, m2, m3 = MT[k], MT[k + 1], MT[k + 2], MT[k + 3]
        for r in range(G):
            g[r] += v0 * m0[r] + v1 * m1[r] + v2 * m2[r] + v3 * m3[r]
        k += 4
    while k < n:
        vk = v[k]
        mk = MT[k]
        for r in range(G):
            g[r] += vk * mk[r]
        k += 1


@njit(nogil=True, cache=True, error_model="numpy", fastmath=_FAST)
def _matvec_into(out, MT, v):
    """out[k] = MT[k] . v for MT (n, G): four dot products per pass over v."""
    n, G = MT.shape
    k = 0
    while k + 4 <= n:
        m0, m1, m2, m3 = MT[k], MT[k + 1], MT[k + 2], MT[k + 3]
        a0 = a1 = a2 = a3 = 0.0
        for r in range(G):
            vr = v[r]
            a0 += m0[r] * vr
            a1 += m1[r] * vr
            a2 += m2[r] * vr
            a3 += m3[r] * vr
        out[k], out[k + 1], out[k + 2], out[k + 3] = a0, a1, a2, a3
        k += 4
    while k < n:
        a = 0.0
        for r in range(G):
            a += MT[k, r] * v[r]
        out[k] = a
        k += 1


@njit(nogil=True, cache=True, error_model="numpy", fastmath=_FAST)
def _add_outer_t(out, D, L):
    """out += D^T L for D (S, G), L (S, n), out (G, n): four rows of L per pass."""
    S, n = L.shape
    s = 0
    while s + 4 <= S:
        l0, l1, l2, l3 = L[s], L[s + 1], L[s + 2], L[s + 3]
        for r in range(D.shape[1]):
            d0, d1, d2, d3 = D[s, r], D[s + 1, r], D[s + 2, r], D[s + 3, r]
            o = out[r]
            for k in range(n):
                o[k] += d0 * l0[k] + d1 * l1[k] + d2 * l2[k] + d3 * l3[k]
        s += 4
    while s < S:
        l0 = L[s]
        for r in range(D.shape[1]):
            d0 = D[s, r]
            o = out[r]
            for k in range(n):
                o[k] += d0 * l0[k]
        s += 1


@njit(nogil=True, cache=True, error_model="numpy", fastmath=_FAST)
def _add_outer(out, L, D):
    """out += L^T D for L (S, n), D (S, G), out (n, G): four rows of D per pass."""
    S, n = L.shape
    s = 0
    while s + 4 <= S:
        d0, d1, d2, d3 = D[s], D[s + 1], D[s + 2], D[s + 3]
        for k in range(n):
            l0, l1, l2, l3 = L[s, k], L[s + 1, k], L[s + 2, k], L[s + 3, k]
            o = out[k]
            for r in range(D.shape[1]):
                o[r] += l0 * d0[r] + l1 * d1[r] + l2 * d2[r] + l3 * d3[r]
        s += 4
    while s < S:
        d0 = D[s]
        for k in range(n):
            l0 = L[s, k]
            o = out[k]
            for r in range(D.shape[1]):
                o[r] += l0 * d0[r]
        s += 1


@njit(nogil=True, cache=True, error_model="numpy", fastmath=_FAST)
def forward_seq(WT, UT, b, V, d, x, gates, cs, tcs, hs, z, work, pow2):
    """One sequence: x (T, I) -> gates (T, 4H) after their nonlinearities, cells
    cs (T, H), tanh of the cells tcs (T, H), hidden hs (T, H), output
    pre-activations z (T, O). WT (I, 4H) and UT (H, 4H) are W and U transposed;
    work (2, 4H) and pow2 (4H,) int64 are scratch.

    The nonlinearities come from one vectorised exp (`vexp`) per step for the
    gates and one for the cells: sigmoid(a) is 1/(1+e) for a >= 0 and e/(1+e)
    below with e = exp(-|a|); tanh(a) = sign(a) (1-q)/(1+q), q = exp(-2|a|).
    (math.exp and math.tanh are a library call per element and were most of
    the forward pass; exp_into's input and output are different arrays so LLVM
    vectorises it.)
    """
    T = x.shape[0]
    G = b.shape[0]
    H = G // 4
    O = d.shape[0]
    arg, ex = work[0], work[1]
    zero = np.zeros(H)
    for t in range(T):
        g = gates[t]
        for r in range(G):
            g[r] = b[r]
        _add_matvec(g, WT, x[t])
        if t > 0:
            _add_matvec(g, UT, hs[t - 1])
        for r in range(G):
            arg[r] = -abs(g[r])
        for r in range(2 * H, 3 * H):
            arg[r] *= 2.0
        exp_into(arg, ex, pow2)
        for r in range(2 * H):
            q = 1.0 / (1.0 + ex[r])
            g[r] = q if g[r] >= 0.0 else ex[r] * q
        for r in range(3 * H, G):
            q = 1.0 / (1.0 + ex[r])
            g[r] = q if g[r] >= 0.0 else ex[r] * q
        for r in range(2 * H, 3 * H):
            g[r] = tanh_from_exp(g[r], ex[r])
        c, tc, h = cs[t], tcs[t], hs[t]
        cp = cs[t - 1] if t > 0 else zero
        for j in range(H):
            c[j] = g[H + j] * cp[j] + g[j] * g[2 * H + j]
            arg[j] = -2.0 * abs(c[j])
        exp_into(arg[:H], ex[:H], pow2[:H])
        for j in range(H):
            tc[j] = tanh_from_exp(c[j], ex[j])
            h[j] = g[3 * H + j] * tc[j]
        for q in range(O):
            acc = d[q]
            for j in range(H):
                acc += V[q, j] * h[j]
            z[t, q] = acc


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
def backward_seq(UT, V, x, y, mask, out_kind, gates, cs, tcs, hs, z, scale, g, ws,
                 dh_trace, dc_trace):
    """Backpropagation through time for one sequence after `forward_seq`.

    Adds scale x the gradient into g = (gWT, gU, gb, gV, gd), the weight
    gradients with W transposed. y (T, O), mask (T,); ws from
    `_workspace`. When dh_trace / dc_trace have T rows they receive
    d loss / d h[t] and d loss / d c[t] (the total, through every later step).
    Returns the masked loss (unscaled).

    Each step's gate gradients da (4H,) are kept (DA, T x 4H) and the weight
    gradients taken from all of them at the end, four steps per pass.
    """
    gWT, gU, gb, gV, gd = g
    DA, vecs, dz = ws[3], ws[4], ws[5]
    T = x.shape[0]
    H = UT.shape[0]
    O = V.shape[0]
    record = dh_trace.shape[0] == T
    dh, dh_next, dc_next, dc = vecs[0], vecs[1], vecs[2], vecs[3]
    zero = vecs[4]
    zero[:] = 0.0
    dh_next[:] = 0.0
    dc_next[:] = 0.0
    loss = 0.0
    for t in range(T - 1, -1, -1):
        for j in range(H):
            dh[j] = dh_next[j]
        if mask[t] != 0.0:
            loss += _output_grad(z[t], y[t], mask[t], out_kind, scale, dz)
            h = hs[t]
            for q in range(O):
                gd[q] += dz[q]
                dq = dz[q]
                for j in range(H):
                    gV[q, j] += dq * h[j]
                    dh[j] += V[q, j] * dq
        gt, tc, da = gates[t], tcs[t], DA[t]
        cp = cs[t - 1] if t > 0 else zero
        for j in range(H):
            ig, fg, gg, og = gt[j], gt[H + j], gt[2 * H + j], gt[3 * H + j]
            dc[j] = dh[j] * og * (1.0 - tc[j] * tc[j]) + dc_next[j]
            da[j] = dc[j] * gg * ig * (1.0 - ig)
            da[H + j] = dc[j] * cp[j] * fg * (1.0 - fg)
            da[2 * H + j] = dc[j] * ig * (1.0 - gg * gg)
            da[3 * H + j] = dh[j] * tc[j] * og * (1.0 - og)
            dc_next[j] = dc[j] * fg
        if record:
            dh_trace[t] = dh
            dc_trace[t] = dc
        if t > 0:
            _matvec_into(dh_next, UT, da)  # dh[t-1] = U^T da
    for t in range(T):
        for r in range(4 * H):
            gb[r] += DA[t, r]
    _add_outer(gWT, x, DA)
    _add_outer_t(gU, DA[1:], hs[:T - 1])
    return loss


@njit(nogil=True, cache=True, error_model="numpy")
def _workspace(T, I, H, O):
    """Scratch for one sequence: gates (T, 4H), cells, their tanh, hidden (T, H),
    gate gradients DA (T, 4H), five H-vectors, dz (O,), outputs z (T, O),
    exp work (2, 4H) and its int64 scratch (4H,)."""
    G = 4 * H
    return (np.empty((T, G)), np.empty((T, H)), np.empty((T, H)), np.empty((T, G)),
            np.empty((5, H)), np.empty(O), np.empty((T, H)), np.empty((T, O)),
            np.empty((2, G)), np.empty(G, np.int64))


@njit(nogil=True, cache=True, error_model="numpy")
def _transposed(theta, I, H, O):
    W, U, b, V, d = _views(theta, I, H, O)
    WT = np.empty((I, 4 * H))
    UT = np.empty((H, 4 * H))
    _transpose_into(W, WT)
    _transpose_into(U, UT)
    return WT, UT


@njit(nogil=True, cache=True, error_model="numpy")
def _rows_grad(theta, H, O, X, Y, M, out_kind, rows, grad, ws):
    """Gradient (into grad, overwritten) and summed masked loss of the
    sequences X[rows], each weighted 1 / len(rows)."""
    N, T, I = X.shape
    W, U, b, V, d = _views(theta, I, H, O)
    gW, gU, gb, gV, gd = _views(grad, I, H, O)
    WT, UT = _transposed(theta, I, H, O)
    gWT = np.zeros((I, 4 * H))
    grad[:] = 0.0
    g = (gWT, gU, gb, gV, gd)
    gates, cs, tcs, hs, z = ws[0], ws[1], ws[2], ws[6], ws[7]
    none = np.empty((0, H))
    scale = 1.0 / rows.shape[0]
    total = 0.0
    for s in rows:
        forward_seq(WT, UT, b, V, d, X[s], gates, cs, tcs, hs, z, ws[8], ws[9])
        total += backward_seq(UT, V, X[s], Y[s], M[s], out_kind, gates, cs, tcs, hs, z,
                              scale, g, ws, none, none)
    _transpose_into(gWT, gW)
    return total


@njit(nogil=True, cache=True, error_model="numpy")
def loss_grad(theta, H, O, X, Y, M, out_kind, grad):
    """Objective over all sequences X (N, T, I), Y (N, T, O), mask M (N, T): the
    masked loss summed over steps, averaged over N. grad is overwritten."""
    N, T, I = X.shape
    ws = _workspace(T, I, H, O)
    return _rows_grad(theta, H, O, X, Y, M, out_kind, np.arange(N), grad, ws) / N


@njit(nogil=True, cache=True, error_model="numpy")
def train_chunk(theta, opt_state, H, O, X, Y, M, out_kind, idx, batch, opt, lr, momentum,
                clip, losses):
    """len(losses) updates. opt_state (3, n): velocity, or Adam's m and v, and
    opt_state[2, 0] counts Adam steps. losses[u]: mean masked loss per target step.
    Stops early on a non-finite loss or gradient; returns the updates done."""
    N, T, I = X.shape
    ws = _workspace(T, I, H, O)
    grad = np.empty(theta.shape[0])
    for u in range(losses.shape[0]):
        rows = idx[u * batch:(u + 1) * batch]
        total = _rows_grad(theta, H, O, X, Y, M, out_kind, rows, grad, ws)
        weight = 0.0
        for s in rows:
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
    N, T, I = X.shape
    W, U, b, V, d = _views(theta, I, H, O)
    WT, UT = _transposed(theta, I, H, O)
    ws = _workspace(T, I, H, O)
    for s in range(N):
        forward_seq(WT, UT, b, V, d, X[s], gates[s], cs[s], ws[2], hs[s], z[s], ws[8], ws[9])


@njit(nogil=True, cache=True, error_model="numpy")
def state_grads(theta, H, O, x, y, mask, out_kind, dh_trace, dc_trace):
    """d loss / d h[t] and d loss / d c[t] for one sequence (T, H) each; returns the loss."""
    T, I = x.shape
    W, U, b, V, d = _views(theta, I, H, O)
    WT, UT = _transposed(theta, I, H, O)
    ws = _workspace(T, I, H, O)
    gates, cs, tcs, hs, z = ws[0], ws[1], ws[2], ws[6], ws[7]
    g = (np.zeros((I, 4 * H)), np.zeros((4 * H, H)), np.zeros(4 * H), np.zeros((O, H)),
         np.zeros(O))
    forward_seq(WT, UT, b, V, d, x, gates, cs, tcs, hs, z, ws[8], ws[9])
    return backward_seq(UT, V, x, y, mask, out_kind, gates, cs, tcs, hs, z, 1.0, g, ws,
                        dh_trace, dc_trace)
