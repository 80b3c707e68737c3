"""The vectorised exp and tanh against NumPy's, over their whole range."""

import numpy as np
from numba import njit

from tui_lab.sim.kernels.vexp import exp_into, tanh_from_exp


@njit
def tanh_all(a, out):
    """tanh as the LSTM kernels take it: q = exp(-2|a|) by exp_into, then tanh_from_exp."""
    e = -2.0 * np.abs(a)
    exp_into(e, out, np.empty(len(a), np.int64))
    for i in range(len(a)):
        out[i] = tanh_from_exp(a[i], out[i])


def test_exp_matches_numpy_from_the_smallest_to_the_largest_normal_result():
    a = np.concatenate([np.linspace(-708, 709, 200_001), [0.0, -1e-300, 1e-300, 0.5 * np.log(2)]])
    out = np.empty_like(a)
    exp_into(a, out, np.empty(len(a), np.int64))
    np.testing.assert_allclose(out, np.exp(a), rtol=1e-13)
    clamped = np.array([-1e4, -709.5, 710.0, 1e4])
    exp_into(clamped, out[:4], np.empty(4, np.int64))
    np.testing.assert_allclose(out[:4], np.exp([-708, -708, 709, 709]), rtol=1e-13)


def test_tanh_matches_numpy_including_tiny_and_huge_arguments():
    tiny = np.logspace(-300, 1, 2000)
    a = np.concatenate([np.linspace(-40, 40, 200_001), tiny, -tiny,
                        [0.0, 0.015625, -0.015625, 1e4, -1e4]])
    out = np.empty_like(a)
    tanh_all(a, out)
    ref = np.tanh(a)
    np.testing.assert_allclose(out, ref, rtol=1e-13, atol=0)
    assert out[-2] == 1.0 and out[-1] == -1.0 and out[-5] == 0.0
