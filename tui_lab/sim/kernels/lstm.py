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
from tui_lab.sim.kernels.vexp import exp_neg_abs_split, tanh_from_exp, tanh_from_exp_recip

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


# The products below index 2-D arrays by (row, column) rather than taking row
# views: every view costs an atomic reference-count increment and decrement,
# which was a tenth of the training time.


@njit(nogil=True, cache=True, error_model="numpy", fastmath=_FAST)
def _add_matvec(A, a, MT, V, v):
    """A[a] += MT^T V[v] for MT (n, G) row-major: four rows of MT per pass over
    A[a], so it is loaded and stored once per four products."""
    n, G = MT.shape
    k = 0
    while k + 4 <= n:
        v0, v1, v2, v3 = V[v, k], V[v, k + 1], V[v, k + 2], V[v, k + 3]
        for r in range(G):
            A[a, r] += v0 * MT[k, r] + v1 * MT[k + 1, r] + v2 * MT[k + 2, r] + v3 * MT[k + 3, r]
        k += 4
    while k < n:
        vk = V[v, k]
        for r in range(G):
            A[a, r] += vk * MT[k, r]
        k += 1


@njit(nogil=True, cache=True, error_model="numpy", fastmath=_FAST)
def _matvec_into(A, a, MT, V, v):
    """A[a, k] = MT[k] . V[v] for MT (n, G): four dot products per pass over V[v]."""
    n, G = MT.shape
    zero = A.dtype.type(0.0)
    k = 0
    while k + 4 <= n:
        a0 = a1 = a2 = a3 = zero
        for r in range(G):
            x = V[v, r]
            a0 += MT[k, r] * x
            a1 += MT[k + 1, r] * x
            a2 += MT[k + 2, r] * x
            a3 += MT[k + 3, r] * x
        A[a, k], A[a, k + 1], A[a, k + 2], A[a, k + 3] = a0, a1, a2, a3
        k += 4
    while k < n:
        acc = zero
        for r in range(G):
            acc += MT[k, r] * V[v, r]
        A[a, k] = acc
        k += 1


@njit(nogil=True, cache=True, error_model="numpy", fastmath=_FAST)
def _add_outer(out, L, D, shift):
    """out += sum over s of outer(L[s], D[s + shift]) for L (S, n), D (S + shift, G),
    out (n, G): four rows per pass over out."""
    S, n = L.shape
    G = D.shape[1]
    s = 0
    while s + 4 <= S:
        q = s + shift
        for k in range(n):
            l0, l1, l2, l3 = L[s, k], L[s + 1, k], L[s + 2, k], L[s + 3, k]
            for r in range(G):
                out[k, r] += l0 * D[q, r] + l1 * D[q + 1, r] + l2 * D[q + 2, r] + l3 * D[q + 3, r]
        s += 4
    while s < S:
        for k in range(n):
            l0 = L[s, k]
            for r in range(G):
                out[k, r] += l0 * D[s + shift, r]
        s += 1


@njit(nogil=True, cache=True, error_model="numpy", fastmath=_FAST)
def forward_seq(WT, UT, b, V, d, x, gates, cs, tcs, hs, z, work, pow2):
    """One sequence: x (T, I) -> gates (T, 4H) after their nonlinearities, cells
    cs (T, H), tanh of the cells tcs (T, H), hidden hs (T, H), output
    pre-activations z (T, O). WT (I, 4H) and UT (H, 4H) are W and U transposed;
    work (2, 4H) holds the exp factors (1 for the gates, 2 for the candidate
    rows: see `_workspace`) and scratch; pow2 (4H,) is integer scratch of the
    float's width.

    The nonlinearities come from one vectorised exp (`vexp`) per step for the
    gates and one for the cells: sigmoid(a) is 1/(1+e) for a >= 0 and e/(1+e)
    below with e = exp(-|a|); tanh(a) = sign(a) (1-q)/(1+q), q = exp(-2|a|).
    (math.exp and math.tanh are a library call per element and were most of
    the forward pass.) The exp's last multiplication, by 2^k, is folded into
    the loops that use it.
    """
    T = x.shape[0]
    G = b.shape[0]
    H = G // 4
    O = d.shape[0]
    F = gates.dtype.type  # float64 or float32: every constant below is an F
    one, zero = F(1.0), F(0.0)
    factor, ex = work[0], work[1]
    scale = pow2.view(F)
    factor_c, ex_c, pow2_c = factor[2 * H:3 * H], ex[:H], pow2[:H]  # all factors 2
    for t in range(T):
        for r in range(G):
            gates[t, r] = b[r]
        _add_matvec(gates, t, WT, x, t)
        if t > 0:
            _add_matvec(gates, t, UT, hs, t - 1)
        exp_neg_abs_split(gates, t, factor, ex, pow2)  # exp(-|a|); exp(-2|a|), candidate
        # reciprocals 1/(1 + e) in pairs, one division each: 1/x = y/(xy), 1/y = x/(xy)
        for j in range(H):  # write and keep gates
            e1, e2 = ex[j] * scale[j], ex[H + j] * scale[H + j]
            x1, x2 = one + e1, one + e2
            inv = one / (x1 * x2)
            r1, r2 = inv * x2, inv * x1
            gates[t, j] = r1 if gates[t, j] >= zero else e1 * r1
            gates[t, H + j] = r2 if gates[t, H + j] >= zero else e2 * r2
        for j in range(H):  # candidate and read gate
            e1, e2 = ex[2 * H + j] * scale[2 * H + j], ex[3 * H + j] * scale[3 * H + j]
            x1, x2 = one + e1, one + e2
            inv = one / (x1 * x2)
            r1, r2 = inv * x2, inv * x1
            gates[t, 2 * H + j] = tanh_from_exp_recip(gates[t, 2 * H + j], e1, r1, F)
            gates[t, 3 * H + j] = r2 if gates[t, 3 * H + j] >= zero else e2 * r2
        for j in range(H):  # c = keep * c[t-1] + write * candidate
            cs[t, j] = gates[t, j] * gates[t, 2 * H + j]
        if t > 0:
            for j in range(H):
                cs[t, j] += gates[t, H + j] * cs[t - 1, j]
        exp_neg_abs_split(cs, t, factor_c, ex_c, pow2_c)  # exp(-2|c|)
        for j in range(H):
            tcs[t, j] = tanh_from_exp(cs[t, j], ex[j] * scale[j], F)
            hs[t, j] = gates[t, 3 * H + j] * tcs[t, j]
    for t in range(T):
        for q in range(O):
            acc = d[q]
            for j in range(H):
                acc += V[q, j] * hs[t, j]
            z[t, q] = acc


@njit(nogil=True, cache=True, error_model="numpy", fastmath=_FAST)
def _output_grads(z, y, mask, out_kind, scale, dz):
    """Masked loss of the outputs z (T, O) against y (T, O), step weights mask
    (T,); dz (T, O) gets scale x its gradient (zero where the mask is)."""
    T, O = z.shape
    loss = 0.0
    for t in range(T):
        m = mask[t]
        if m == 0.0:
            for q in range(O):
                dz[t, q] = 0.0
        elif out_kind == LINEAR:
            for q in range(O):
                e = z[t, q] - y[t, q]
                loss += 0.5 * e * e * m
                dz[t, q] = e * m * scale
        elif out_kind == LOGISTIC:
            for q in range(O):
                v = z[t, q]
                e = math.exp(-abs(v))
                p = 1.0 / (1.0 + e) if v >= 0.0 else e / (1.0 + e)
                loss += (max(v, 0.0) + math.log1p(e) - y[t, q] * v) * m
                dz[t, q] = (p - y[t, q]) * m * scale
        else:
            zmax = z[t, 0]
            for q in range(O):
                zmax = max(zmax, z[t, q])
            tot = 0.0
            for q in range(O):
                tot += math.exp(z[t, q] - zmax)
            lse = zmax + math.log(tot)
            ysum = 0.0
            for q in range(O):
                loss -= y[t, q] * (z[t, q] - lse) * m
                ysum += y[t, q]
            for q in range(O):
                dz[t, q] = (math.exp(z[t, q] - lse) * ysum - y[t, q]) * m * scale
    return loss


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
    gradients taken from all of them at the end, four steps per pass; so are
    the output layer's.
    """
    gWT, gU, gb, gV, gd = g
    DA, vecs, DZ = ws[3], ws[4], ws[5]
    T = x.shape[0]
    H = UT.shape[0]
    O = V.shape[0]
    one = DA.dtype.type(1.0)
    record = dh_trace.shape[0] == T
    DH, DH_NEXT, DC_NEXT, DC = 0, 1, 2, 3  # rows of vecs
    vecs[DH_NEXT] = 0.0
    vecs[DC_NEXT] = 0.0
    loss = _output_grads(z, y, mask, out_kind, scale, DZ)  # they need no recursion
    for t in range(T - 1, -1, -1):
        for j in range(H):
            vecs[DH, j] = vecs[DH_NEXT, j]
        if mask[t] != 0.0:
            for q in range(O):
                dq = DZ[t, q]
                for j in range(H):
                    vecs[DH, j] += V[q, j] * dq
        for j in range(H):
            ig, fg, gg, og = gates[t, j], gates[t, H + j], gates[t, 2 * H + j], gates[t, 3 * H + j]
            dh, tc = vecs[DH, j], tcs[t, j]
            dc = dh * og * (one - tc * tc) + vecs[DC_NEXT, j]
            vecs[DC, j] = dc
            DA[t, j] = dc * gg * ig * (one - ig)
            DA[t, 2 * H + j] = dc * ig * (one - gg * gg)
            DA[t, 3 * H + j] = dh * tc * og * (one - og)
            vecs[DC_NEXT, j] = dc * fg
        if t > 0:
            for j in range(H):
                fg = gates[t, H + j]
                DA[t, H + j] = vecs[DC, j] * cs[t - 1, j] * fg * (one - fg)
            _matvec_into(vecs, DH_NEXT, UT, DA, t)  # dh[t-1] = U^T da
        else:
            for j in range(H):
                DA[t, H + j] = 0.0
        if record:
            dh_trace[t] = vecs[DH]
            dc_trace[t] = vecs[DC]
    for t in range(T):
        for r in range(4 * H):
            gb[r] += DA[t, r]
        for q in range(O):
            gd[q] += DZ[t, q]
    _add_outer(gV, DZ, hs, 0)
    _add_outer(gWT, x, DA, 0)
    _add_outer(gU, DA[1:], hs, 0)  # gU[r, k] += da[t, r] h[t-1, k]
    return loss


@njit(nogil=True, cache=True, error_model="numpy")
def _workspace(T, I, H, O, F, IT):
    """Scratch for one sequence in float type F (IT the integer type of its
    width), by index: 0 gates (T, 4H), 1 cells (T, H), 2 their tanh, 3 gate
    gradients DA (T, 4H), 4 the backward pass's four H-vectors, 5 output
    gradients (T, O), 6 hidden (T, H), 7 outputs z (T, O), 8 exp work (2, 4H)
    whose first row is the exp factors of `forward_seq` (2 for the candidate rows
    2H..3H, 1 elsewhere), 9 IT scratch (4H,), 10 the sequence's inputs (T, I),
    11 the parameters (WT (I, 4H), UT (H, 4H), b, V, d) and 12 their gradients
    (same shapes), both in F."""
    G = 4 * H
    work = np.ones((2, G), F)
    work[0, 2 * H:3 * H] = 2.0
    params = (np.empty((I, G), F), np.empty((H, G), F), np.empty(G, F), np.empty((O, H), F),
              np.empty(O, F))
    grads = (np.empty((I, G), F), np.empty((G, H), F), np.empty(G, F), np.empty((O, H), F),
             np.empty(O, F))
    return (np.empty((T, G), F), np.empty((T, H), F), np.empty((T, H), F), np.empty((T, G), F),
            np.empty((4, H), F), np.empty((T, O), F), np.empty((T, H), F), np.empty((T, O), F),
            work, np.empty(G, IT), np.empty((T, I), F), params, grads)


@njit(nogil=True, cache=True, error_model="numpy")
def _load_params(theta, I, H, O, ws):
    """Copy the float64 parameters into the workspace's (its float type, W and U
    transposed) and return them: (WT, UT, b, V, d)."""
    W, U, b, V, d = _views(theta, I, H, O)
    WT, UT, bF, VF, dF = ws[11]
    _transpose_into(W, WT)
    _transpose_into(U, UT)
    bF[:] = b
    VF[:] = V
    dF[:] = d
    return ws[11]


@njit(nogil=True, cache=True, error_model="numpy")
def _rows_grad(theta, H, O, X, Y, M, out_kind, rows, grad, ws):
    """Gradient (into grad, overwritten) and summed masked loss of the
    sequences X[rows], each weighted 1 / len(rows). theta and grad are float64;
    the passes run in the workspace's float type, into which the parameters
    and each sequence are copied (W and U transposed)."""
    N, T, I = X.shape
    WT, UT, bF, VF, dF = _load_params(theta, I, H, O, ws)
    g = ws[12]
    g[0][:] = 0.0
    g[1][:] = 0.0
    g[2][:] = 0.0
    g[3][:] = 0.0
    g[4][:] = 0.0
    gates, cs, tcs, hs, z, xs = ws[0], ws[1], ws[2], ws[6], ws[7], ws[10]
    none = np.empty((0, H), gates.dtype)
    scale = 1.0 / rows.shape[0]
    total = 0.0
    for s in rows:
        xs[:] = X[s]
        forward_seq(WT, UT, bF, VF, dF, xs, gates, cs, tcs, hs, z, ws[8], ws[9])
        total += backward_seq(UT, VF, xs, Y[s], M[s], out_kind, gates, cs, tcs, hs, z,
                              scale, g, ws, none, none)
    gW, gU, gb, gV, gd = _views(grad, I, H, O)
    _transpose_into(g[0], gW)
    gU[:] = g[1]
    gb[:] = g[2]
    gV[:] = g[3]
    gd[:] = g[4]
    return total


@njit(nogil=True, cache=True, error_model="numpy")
def loss_grad(theta, H, O, X, Y, M, out_kind, grad, fkind, ikind):
    """Objective over all sequences X (N, T, I), Y (N, T, O), mask M (N, T): the
    masked loss summed over steps, averaged over N. grad is overwritten. The
    passes run in the float type of the empty array fkind (float64 or float32;
    ikind int64 or int32, the integer of its width: arrays, because Numba's
    dispatcher types an array argument in C but a type object in Python, which
    cost 15 us a call)."""
    N, T, I = X.shape
    ws = _workspace(T, I, H, O, fkind.dtype.type, ikind.dtype.type)
    return _rows_grad(theta, H, O, X, Y, M, out_kind, np.arange(N), grad, ws) / N


@njit(nogil=True, cache=True, error_model="numpy")
def train_chunk(theta, opt_state, H, O, X, Y, M, out_kind, idx, batch, opt, lr, momentum,
                clip, losses, fkind, ikind):
    """len(losses) updates. opt_state (3, n): velocity, or Adam's m and v, and
    opt_state[2, 0] counts Adam steps. losses[u]: mean masked loss per target step.
    Stops early on a non-finite loss or gradient; returns the updates done. The
    weights and the optimiser stay float64; the passes run in fkind's float type
    (see loss_grad)."""
    N, T, I = X.shape
    ws = _workspace(T, I, H, O, fkind.dtype.type, ikind.dtype.type)
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
    ws = _workspace(T, I, H, O, np.float64, np.int64)
    WT, UT, b, V, d = _load_params(theta, I, H, O, ws)
    for s in range(N):
        forward_seq(WT, UT, b, V, d, X[s], gates[s], cs[s], ws[2], hs[s], z[s], ws[8], ws[9])


@njit(nogil=True, cache=True, error_model="numpy")
def state_grads(theta, H, O, x, y, mask, out_kind, dh_trace, dc_trace):
    """d loss / d h[t] and d loss / d c[t] for one sequence (T, H) each; returns the loss."""
    T, I = x.shape
    ws = _workspace(T, I, H, O, np.float64, np.int64)
    WT, UT, b, V, d = _load_params(theta, I, H, O, ws)
    gates, cs, tcs, hs, z = ws[0], ws[1], ws[2], ws[6], ws[7]
    g = (np.zeros((I, 4 * H)), np.zeros((4 * H, H)), np.zeros(4 * H), np.zeros((O, H)),
         np.zeros(O))
    forward_seq(WT, UT, b, V, d, x, gates, cs, tcs, hs, z, ws[8], ws[9])
    return backward_seq(UT, V, x, y, mask, out_kind, gates, cs, tcs, hs, z, 1.0, g, ws,
                        dh_trace, dc_trace)
