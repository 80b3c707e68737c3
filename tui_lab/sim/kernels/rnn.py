"""Numba kernels for the recurrent net of logistic units of lecture 7c-05.

The net: I inputs, H fully interconnected logistic hidden units, one logistic
output unit. All parameters live in one flat vector `theta` (see `offsets`), so
momentum and gradient clipping treat them alike:

    W  (H, I)  input -> hidden            U  (H, H)  hidden -> hidden
    b  (H,)    hidden biases              v  (H,)    hidden -> output
    c  ()      output bias                h0 (H,)    initial hidden state

Column k of a sequence is processed as

    h[k] = sigmoid(W x[k] + U h[k-1] + b)      (h[-1] = h0)
    p[k] = sigmoid(v . h[k] + c)

which is the lecture's net with every connection taking one time step: the
inputs of column k reach the hidden units at time k+1 and the output at time
k+2 ("the target at each step is the sum bit of two steps earlier"). The task
module lays out that time axis; the kernels index by column.

The objective is the cross-entropy of the output bit, summed over the columns
of a sequence and averaged over the batch; a target below 0 means "no target
at this step" (the delay task asks for an answer at one step only). Backpropagation through time sums
each tied weight's gradient over the steps (7b-03/04) and, when asked, carries
the gradient on to h0 (7b-05).

All kernels are `nogil` so the UI thread runs while they do; randomness comes in
as index arrays; a chunk of many updates runs inside one call.
"""

import math

import numpy as np
from numba import njit

from tui_lab.sim.kernels.optim import clip_or_fail, momentum_step

N_IN = 2


@njit(nogil=True, cache=True, inline="always")
def offsets(H, I):
    """Start of W, U, b, v, c, h0 in theta, and its length."""
    oW = 0
    oU = oW + H * I
    ob = oU + H * H
    ov = ob + H
    oc = ov + H
    oh = oc + 1
    return oW, oU, ob, ov, oc, oh, oh + H


def n_params(H: int, I: int = N_IN) -> int:
    """Length of theta for H hidden units and I inputs."""
    return H * I + H * H + 3 * H + 1


@njit(nogil=True, cache=True, inline="always")
def _sigmoid(a):
    return 1.0 / (1.0 + math.exp(-a))


@njit(nogil=True, cache=True, error_model="numpy")
def forward_seq(theta, H, x, hs, o):
    """One sequence forward. x (T, I) -> hidden states hs (T, H), logits o (T,)."""
    T, I = x.shape
    oW, oU, ob, ov, oc, oh, _ = offsets(H, I)
    for t in range(T):
        for j in range(H):
            a = theta[ob + j]
            for i in range(I):
                a += theta[oW + j * I + i] * x[t, i]
            if t == 0:
                for k in range(H):
                    a += theta[oU + j * H + k] * theta[oh + k]
            else:
                for k in range(H):
                    a += theta[oU + j * H + k] * hs[t - 1, k]
            hs[t, j] = _sigmoid(a)
        s = theta[oc]
        for j in range(H):
            s += theta[ov + j] * hs[t, j]
        o[t] = s


@njit(nogil=True, cache=True, error_model="numpy")
def backward_seq(theta, H, x, y, hs, o, scale, grad, dh, da, dh_trace):
    """Backpropagation through time for one sequence after `forward_seq`.

    Adds `scale` times the gradient of the summed cross-entropy into grad (n,),
    including the part for h0. dh, da (H,) are work buffers. When dh_trace has T
    rows it receives d objective / d h[t] for every step. Returns the summed
    cross-entropy of the sequence (nats).
    """
    T, I = x.shape
    oW, oU, ob, ov, oc, oh, _ = offsets(H, I)
    record = dh_trace.shape[0] == T
    loss = 0.0
    dh[:] = 0.0  # d objective / d h[t], arriving from step t+1
    for t in range(T - 1, -1, -1):
        ot = o[t]
        g = 0.0
        if y[t] >= 0.0:
            e = math.exp(-abs(ot))  # shared by the sigmoid and the softplus
            p = 1.0 / (1.0 + e) if ot >= 0.0 else e / (1.0 + e)
            loss += max(ot, 0.0) + math.log1p(e) - y[t] * ot  # softplus(o) - y o
            g = (p - y[t]) * scale  # d objective / d logit
        grad[oc] += g
        for j in range(H):
            grad[ov + j] += g * hs[t, j]
            dh[j] += g * theta[ov + j]
            if record:
                dh_trace[t, j] = dh[j]
            da[j] = dh[j] * hs[t, j] * (1.0 - hs[t, j])
        for j in range(H):
            grad[ob + j] += da[j]
            for i in range(I):
                grad[oW + j * I + i] += da[j] * x[t, i]
            for k in range(H):
                hp = hs[t - 1, k] if t > 0 else theta[oh + k]
                grad[oU + j * H + k] += da[j] * hp
        for k in range(H):  # dh[t-1] = U^T da
            s = 0.0
            for j in range(H):
                s += theta[oU + j * H + k] * da[j]
            dh[k] = s
    for k in range(H):
        grad[oh + k] += dh[k]
    return loss


@njit(nogil=True, cache=True, error_model="numpy")
def loss_grad(theta, H, X, Y, learn_h0, grad):
    """Objective and its gradient over every sequence of X (N, T, I), Y (N, T).

    Returns the summed cross-entropy per sequence, averaged over the N sequences;
    grad (n,) is overwritten with its gradient (zero for h0 unless learn_h0).
    """
    N, T, I = X.shape
    hs = np.empty((T, H))
    o = np.empty(T)
    dh = np.empty(H)
    da = np.empty(H)
    none = np.empty((0, H))
    grad[:] = 0.0
    total = 0.0
    for s in range(N):
        forward_seq(theta, H, X[s], hs, o)
        total += backward_seq(theta, H, X[s], Y[s], hs, o, 1.0 / N, grad, dh, da, none)
    if not learn_h0:
        _, _, _, _, _, oh, end = offsets(H, I)
        grad[oh:end] = 0.0
    return total / N


@njit(nogil=True, cache=True, error_model="numpy")
def train_chunk(theta, vel, H, X, Y, idx, batch, lr, momentum, clip, learn_h0, losses):
    """Run len(losses) SGD-with-momentum updates in place on theta and vel.

    Update u trains on sequences idx[u*batch : (u+1)*batch] of X (N, T, I), Y (N, T).
    losses[u] receives the mean cross-entropy per target before update u. The
    gradient is clipped to norm `clip` when clip > 0. Stops early when the loss
    or the gradient is not finite; returns the number of updates done.
    """
    N, T, I = X.shape
    n = theta.shape[0]
    _, _, _, _, _, oh, end = offsets(H, I)
    hs = np.empty((T, H))
    o = np.empty(T)
    dh = np.empty(H)
    da = np.empty(H)
    none = np.empty((0, H))
    grad = np.empty(n)
    for u in range(losses.shape[0]):
        grad[:] = 0.0
        total = 0.0
        targets = 0
        for bi in range(batch):
            s = idx[u * batch + bi]
            forward_seq(theta, H, X[s], hs, o)
            total += backward_seq(theta, H, X[s], Y[s], hs, o, 1.0 / batch, grad, dh, da,
                                  none)
            for t in range(T):
                targets += Y[s, t] >= 0.0
        if not learn_h0:
            grad[oh:end] = 0.0
        losses[u] = total / max(targets, 1)
        if not clip_or_fail(grad, losses[u], clip):
            return u
        momentum_step(theta, vel, grad, lr, momentum)
    return losses.shape[0]


@njit(nogil=True, cache=True, error_model="numpy")
def predict(theta, H, X, logits, hidden):
    """Forward every sequence: X (N, T, I) -> logits (N, T), hidden (N, T, H)."""
    for s in range(X.shape[0]):
        forward_seq(theta, H, X[s], hidden[s], logits[s])


@njit(nogil=True, cache=True, error_model="numpy")
def score(theta, H, X, Y):
    """Mean cross-entropy per target and the fraction of sequences with every target
    right. X (N, T, I), Y (N, T) with 0/1 targets (below 0: none); an output bit is 1
    when its logit > 0."""
    N, T, I = X.shape
    hs = np.empty((T, H))
    o = np.empty(T)
    ce = 0.0
    right = 0
    targets = 0
    for s in range(N):
        forward_seq(theta, H, X[s], hs, o)
        ok = True
        for t in range(T):
            if Y[s, t] < 0.0:
                continue
            ot = o[t]
            targets += 1
            ce += max(ot, 0.0) + math.log1p(math.exp(-abs(ot))) - Y[s, t] * ot
            if (ot > 0.0) != (Y[s, t] > 0.5):
                ok = False
        right += ok
    return ce / max(targets, 1), right / N


@njit(nogil=True, cache=True, error_model="numpy")
def state_grads(theta, H, x, y, dh_trace):
    """d objective / d h[t] (T, H) for one sequence x (T, I), y (T,); returns the loss."""
    T = x.shape[0]
    hs = np.empty((T, H))
    o = np.empty(T)
    forward_seq(theta, H, x, hs, o)
    grad = np.zeros(theta.shape[0])
    return backward_seq(theta, H, x, y, hs, o, 1.0, grad, np.empty(H), np.empty(H), dh_trace)
