"""The vectorised exp and tanh against NumPy's, over their whole range, in
float64 and in float32."""

import numpy as np
import pytest
from numba import njit

from tui_lab.sim.kernels.vexp import exp_into, tanh_from_exp

INT_OF = {np.float64: np.int64, np.float32: np.int32}


@njit
def tanh_all(a, out, pow2):
    """tanh as the LSTM kernels take it: q = exp(-2|a|) by exp_into, then tanh_from_exp."""
    F = a.dtype.type
    e = F(-2.0) * np.abs(a)
    exp_into(e, out, pow2)
    for i in range(len(a)):
        out[i] = tanh_from_exp(a[i], out[i], F)


def _exp(a):
    out = np.empty_like(a)
    exp_into(a, out, np.empty(len(a), INT_OF[a.dtype.type]))
    return out


def test_exp_matches_numpy_from_the_smallest_to_the_largest_normal_result():
    a = np.concatenate([np.linspace(-708, 709, 200_001), [0.0, -1e-300, 1e-300, 0.5 * np.log(2)]])
    np.testing.assert_allclose(_exp(a), np.exp(a), rtol=1e-13)
    clamped = np.array([-1e4, -709.5, 710.0, 1e4])
    np.testing.assert_allclose(_exp(clamped), np.exp([-708, -708, 709, 709]), rtol=1e-13)


def test_float32_exp_is_within_a_few_units_of_the_last_place():
    a = np.concatenate([np.linspace(-87, 88, 200_001), [0.0, -1e-30, 1e-30, 0.5 * np.log(2)]])
    a = a.astype(np.float32)
    out = _exp(a)
    assert out.dtype == np.float32
    exact = np.exp(a.astype(np.float64))
    err = np.abs(out - exact) / exact
    assert err.max() < 4 * np.finfo(np.float32).eps  # 4.8e-7
    assert err.max() > 1e-9  # it really ran in float32
    clamped = np.array([-1e4, -90.0, 90.0, 1e4], np.float32)
    np.testing.assert_allclose(_exp(clamped), np.exp(np.float32([-87, -87, 88, 88])), rtol=5e-7)
    assert np.isfinite(_exp(clamped)).all()


@pytest.mark.parametrize("F, rtol", [(np.float64, 1e-13), (np.float32, 4e-7)])
def test_tanh_matches_numpy_including_tiny_and_huge_arguments(F, rtol):
    tiny = np.logspace(-300 if F is np.float64 else -37, 1, 2000)
    a = np.concatenate([np.linspace(-40, 40, 200_001), tiny, -tiny,
                        [0.0, 0.015625, -0.015625, 1e4, -1e4]]).astype(F)
    out = np.empty_like(a)
    tanh_all(a, out, np.empty(len(a), INT_OF[F]))
    assert out.dtype == F
    ref = np.tanh(a.astype(np.float64))
    np.testing.assert_allclose(out, ref, rtol=rtol, atol=0)
    assert out[-2] == 1.0 and out[-1] == -1.0 and out[-5] == 0.0
