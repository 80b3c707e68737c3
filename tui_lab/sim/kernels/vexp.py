"""exp in loops that vectorise.

Numba turns math.exp into a call to the C library, one element at a time, and
LLVM cannot vectorise a loop around a call. Here exp(a) = 2^k exp(r), with
k = round(a / ln 2), |r| <= ln(2)/2 and exp(r) a polynomial; 2^k is built from
its bits in an int64 scratch array and read back as floats. The relative error
is below 1e-12 (it grows with |a|; about 1e-16 near 0), tested against NumPy.
Arguments are clamped to [-708, 709], where exp stays a normal number.
"""

import numpy as np
from numba import njit

LOG2E = 1.4426950408889634
LN2_HI = 6.93145751953125e-1  # ln 2 in two parts: k * LN2_HI is exact
LN2_LO = 1.42860682030941723212e-6
LOWEST, HIGHEST = -708.0, 709.0
_FAST = {"reassoc", "contract", "arcp", "nsz"}


@njit(nogil=True, cache=True, inline="always", fastmath=_FAST)
def exp_poly(r):
    """exp(r) for |r| <= ln(2)/2 by its Taylor series to r^12 (error < 2e-16)."""
    return 1.0 + r * (1.0 + r * (1 / 2 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (
        1 / 720 + r * (1 / 5040 + r * (1 / 40320 + r * (1 / 362880 + r * (
            1 / 3628800 + r * (1 / 39916800 + r * (1 / 479001600))))))))))))


@njit(nogil=True, cache=True, inline="always", fastmath=_FAST)
def exp_split(v):
    """exp(v) = p * 2^k as (p, the bits of the float 2^k as an int64), v clamped
    to [-708, 709]. Store the bits in an int64 array and read it through
    `.view(np.float64)` to get 2^k (Numba has no scalar bit cast)."""
    v = min(max(v, LOWEST), HIGHEST)
    k = np.floor(v * LOG2E + 0.5)
    return exp_poly(v - k * LN2_HI - k * LN2_LO), (np.int64(k) + 1023) << 52


@njit(nogil=True, cache=True, error_model="numpy", fastmath=_FAST)
def exp_into(a, out, pow2):
    """out[i] = exp(a[i]) for 1-D arrays, a clamped to [-708, 709]; pow2 is
    int64 scratch of the same length. Give an `out` that is not `a`: LLVM
    vectorises the loop only after a run-time check that the arrays do not
    overlap, and an array overlaps itself, so exp_into(a, a, ...) runs one
    element at a time (five times slower)."""
    n = a.shape[0]
    for i in range(n):
        out[i], pow2[i] = exp_split(a[i])
    scale = pow2.view(np.float64)
    for i in range(n):
        out[i] *= scale[i]


@njit(nogil=True, cache=True, error_model="numpy", fastmath=_FAST)
def exp_neg_abs_split(A, row, factor, poly, pow2):
    """exp(-factor[i] |A[row, i]|) = poly[i] * pow2.view(np.float64)[i] for
    i < len(factor), for callers that fold the last multiplication into their
    own loop (one pass fewer). A is 2-D: a row view would cost an atomic
    reference count up and down per call."""
    for i in range(factor.shape[0]):
        poly[i], pow2[i] = exp_split(-factor[i] * abs(A[row, i]))


@njit(nogil=True, cache=True, inline="always", fastmath=_FAST)
def tanh_from_exp(v, q):
    """tanh(v) given q = exp(-2|v|): sign(v) (1 - q)/(1 + q) (relative error
    below 1e-13), and below |v| = 1/64, where that loses digits, the odd series
    to v^9 (error below 1e-20)."""
    return tanh_from_exp_recip(v, q, 1.0 / (1.0 + q))


@njit(nogil=True, cache=True, inline="always", fastmath=_FAST)
def tanh_from_exp_recip(v, q, r):
    """tanh_from_exp(v, q) given also r = 1 / (1 + q)."""
    big = (1.0 - q) * r
    big = big if v >= 0.0 else -big
    v2 = v * v
    small = v * (1.0 + v2 * (-1 / 3 + v2 * (2 / 15 + v2 * (-17 / 315 + v2 * (62 / 2835)))))
    return small if abs(v) < 0.015625 else big
