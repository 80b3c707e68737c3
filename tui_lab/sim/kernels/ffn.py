"""Numba kernels for a memoryless feed-forward net with one logistic hidden layer.

    h = sigmoid(W1 x + b1)      x (I,), h (H,)
    p = sigmoid(W2 h + b2)      p (O,), one logistic output per target bit

Parameters live in one flat vector: W1 (H, I), b1 (H,), W2 (O, H), b2 (O,).
The objective is the cross-entropy summed over the O outputs and averaged over
the batch. Same rules as the RNN kernels: nogil, randomness as index arrays,
a chunk of updates per call.
"""

import math

import numpy as np
from numba import njit

from tui_lab.sim.kernels.optim import clip_or_fail, momentum_step


# Reassociation lets LLVM vectorise the long dot products (without it every sum
# waits on the previous add). No "nnan"/"ninf": the NaN checks must stay real.
_FAST = {"reassoc", "contract", "arcp", "nsz"}


def n_params(I: int, H: int, O: int) -> int:
    """Length of theta."""
    return H * I + H + O * H + O


@njit(nogil=True, cache=True, inline="always")
def _offsets(I, H, O):
    oW1 = 0
    ob1 = H * I
    oW2 = ob1 + H
    ob2 = oW2 + O * H
    return oW1, ob1, oW2, ob2


@njit(nogil=True, cache=True, inline="always")
def _views(theta, I, H, O):
    """2-D views of the flat parameters: indexing them with loop counters lets LLVM
    drop negative-index checks and vectorise the products."""
    oW1, ob1, oW2, ob2 = _offsets(I, H, O)
    return (theta[oW1:ob1].reshape((H, I)), theta[ob1:oW2],
            theta[oW2:ob2].reshape((O, H)), theta[ob2:ob2 + O])


@njit(nogil=True, cache=True, error_model="numpy", fastmath=_FAST)
def forward_one(theta, I, H, O, x, h, o):
    """One example: x (I,) -> hidden h (H,), logits o (O,)."""
    W1, b1, W2, b2 = _views(theta, I, H, O)
    for j in range(H):
        a = b1[j]
        for i in range(I):
            a += W1[j, i] * x[i]
        h[j] = 1.0 / (1.0 + math.exp(-a))
    for k in range(O):
        s = b2[k]
        for j in range(H):
            s += W2[k, j] * h[j]
        o[k] = s


@njit(nogil=True, cache=True, error_model="numpy", fastmath=_FAST)
def backward_one(theta, I, H, O, x, y, h, o, scale, grad, dh):
    """Add scale x the gradient for one example into grad; return its cross-entropy."""
    W1, b1, W2, b2 = _views(theta, I, H, O)
    gW1, gb1, gW2, gb2 = _views(grad, I, H, O)
    loss = 0.0
    dh[:] = 0.0
    for k in range(O):
        ok = o[k]
        e = math.exp(-abs(ok))
        p = 1.0 / (1.0 + e) if ok >= 0.0 else e / (1.0 + e)
        loss += max(ok, 0.0) + math.log1p(e) - y[k] * ok
        g = (p - y[k]) * scale
        gb2[k] += g
        for j in range(H):
            gW2[k, j] += g * h[j]
            dh[j] += g * W2[k, j]
    for j in range(H):
        da = dh[j] * h[j] * (1.0 - h[j])
        gb1[j] += da
        for i in range(I):
            gW1[j, i] += da * x[i]
    return loss


@njit(nogil=True, cache=True, error_model="numpy", fastmath=_FAST)
def loss_grad(theta, I, H, O, X, Y, grad):
    """Objective over every example of X (N, I), Y (N, O); grad is overwritten."""
    N = X.shape[0]
    h = np.empty(H)
    o = np.empty(O)
    dh = np.empty(H)
    grad[:] = 0.0
    total = 0.0
    for s in range(N):
        forward_one(theta, I, H, O, X[s], h, o)
        total += backward_one(theta, I, H, O, X[s], Y[s], h, o, 1.0 / N, grad, dh)
    return total / N


@njit(nogil=True, cache=True, error_model="numpy", fastmath=_FAST)
def train_chunk(theta, vel, I, H, O, X, Y, idx, batch, lr, momentum, clip, losses):
    """len(losses) SGD-with-momentum updates; losses[u] is nats per output bit.

    Stops early when the loss or the gradient is not finite; returns updates done.
    """
    n = theta.shape[0]
    h = np.empty(H)
    o = np.empty(O)
    dh = np.empty(H)
    grad = np.empty(n)
    for u in range(losses.shape[0]):
        grad[:] = 0.0
        total = 0.0
        for bi in range(batch):
            s = idx[u * batch + bi]
            forward_one(theta, I, H, O, X[s], h, o)
            total += backward_one(theta, I, H, O, X[s], Y[s], h, o, 1.0 / batch, grad, dh)
        losses[u] = total / (batch * O)
        if not clip_or_fail(grad, losses[u], clip):
            return u
        momentum_step(theta, vel, grad, lr, momentum)
    return losses.shape[0]


@njit(nogil=True, cache=True, error_model="numpy", fastmath=_FAST)
def predict(theta, I, H, O, X, hidden, logits):
    """Every example: X (N, I) -> hidden (N, H), logits (N, O)."""
    for s in range(X.shape[0]):
        forward_one(theta, I, H, O, X[s], hidden[s], logits[s])


@njit(nogil=True, cache=True, error_model="numpy", fastmath=_FAST)
def score(theta, I, H, O, X, Y):
    """Mean cross-entropy per output bit and the fraction of examples all right."""
    N = X.shape[0]
    h = np.empty(H)
    o = np.empty(O)
    ce = 0.0
    right = 0
    for s in range(N):
        forward_one(theta, I, H, O, X[s], h, o)
        ok = True
        for k in range(O):
            ce += max(o[k], 0.0) + math.log1p(math.exp(-abs(o[k]))) - Y[s, k] * o[k]
            if (o[k] > 0.0) != (Y[s, k] > 0.5):
                ok = False
        right += ok
    return ce / (N * O), right / N
