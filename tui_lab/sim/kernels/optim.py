"""Update rules shared by the training kernels (Numba, nogil)."""

import math

from numba import njit


@njit(nogil=True, cache=True, error_model="numpy")
def clip_or_fail(grad, loss, clip):
    """Scale grad to norm `clip` if it is longer (clip > 0). False when the loss or
    the gradient is not finite: the caller stops there and reports divergence."""
    n = grad.shape[0]
    norm2 = 0.0
    for i in range(n):
        norm2 += grad[i] * grad[i]
    if not (math.isfinite(loss) and math.isfinite(norm2)):
        return False
    if clip > 0.0 and norm2 > clip * clip:
        f = clip / math.sqrt(norm2)
        for i in range(n):
            grad[i] *= f
    return True


@njit(nogil=True, cache=True, error_model="numpy")
def momentum_step(theta, velocity, grad, lr, momentum):
    """SGD with momentum: v = momentum v - lr g; theta += v."""
    for i in range(theta.shape[0]):
        velocity[i] = momentum * velocity[i] - lr * grad[i]
        theta[i] += velocity[i]


@njit(nogil=True, cache=True, error_model="numpy")
def adam_step(theta, m, v, count, grad, lr):
    """Adam (beta1 0.9, beta2 0.999, eps 1e-8); count (1,) holds the step number."""
    count[0] += 1.0
    b1, b2 = 0.9, 0.999
    c1 = 1.0 - b1 ** count[0]
    c2 = 1.0 - b2 ** count[0]
    for i in range(theta.shape[0]):
        m[i] = b1 * m[i] + (1.0 - b1) * grad[i]
        v[i] = b2 * v[i] + (1.0 - b2) * grad[i] * grad[i]
        theta[i] -= lr * (m[i] / c1) / (math.sqrt(v[i] / c2) + 1e-8)
