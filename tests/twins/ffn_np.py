"""Plain-NumPy twin of `tui_lab.sim.kernels.ffn`, vectorised over the batch."""

import numpy as np


def unpack(theta, I, H, O):
    W1 = theta[:H * I].reshape(H, I)
    b1 = theta[H * I:H * I + H]
    W2 = theta[H * I + H:H * I + H + O * H].reshape(O, H)
    b2 = theta[H * I + H + O * H:]
    return W1, b1, W2, b2


def forward(theta, I, H, O, X):
    W1, b1, W2, b2 = unpack(theta, I, H, O)
    h = 1.0 / (1.0 + np.exp(-(X @ W1.T + b1)))
    return h, h @ W2.T + b2


def loss_grad(theta, I, H, O, X, Y):
    W1, b1, W2, b2 = unpack(theta, I, H, O)
    N = len(X)
    h, o = forward(theta, I, H, O, X)
    loss = (np.logaddexp(0, o) - Y * o).sum() / N
    do = (1.0 / (1.0 + np.exp(-o)) - Y) / N  # (N, O)
    da = (do @ W2) * h * (1 - h)  # (N, H)
    grad = np.concatenate([(da.T @ X).ravel(), da.sum(0), (do.T @ h).ravel(), do.sum(0)])
    return loss, grad


def train(theta, vel, I, H, O, X, Y, idx, batch, lr, momentum, clip):
    n = len(idx) // batch
    losses = np.empty(n)
    for u in range(n):
        sel = idx[u * batch:(u + 1) * batch]
        loss, grad = loss_grad(theta, I, H, O, X[sel], Y[sel])
        losses[u] = loss / O
        norm = np.sqrt((grad ** 2).sum())
        if clip > 0 and norm > clip:
            grad *= clip / norm
        vel[:] = momentum * vel - lr * grad
        theta += vel
    return losses
