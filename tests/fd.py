"""Central finite differences, shared by the gradient checks."""

import numpy as np


def numeric_gradient(theta: np.ndarray, loss, eps: float = 1e-6) -> np.ndarray:
    """d loss() / d theta by central differences; theta is perturbed in place and restored."""
    theta0 = theta.copy()
    out = np.empty_like(theta0)
    for i in range(len(theta0)):
        theta[:] = theta0
        theta[i] += eps
        up = loss()
        theta[i] -= 2 * eps
        out[i] = (up - loss()) / (2 * eps)
    theta[:] = theta0
    return out
