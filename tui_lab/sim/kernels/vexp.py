"""exp in loops that vectorise, in float64 or float32.

Numba turns math.exp into a call to the C library, one element at a time, and
LLVM cannot vectorise a loop around a call. Here exp(a) = 2^k exp(r), with
k = round(a / ln 2), |r| <= ln(2)/2 and exp(r) a polynomial; 2^k is built from
its bits in an integer scratch array of the float's width (int64 for float64,
int32 for float32) and read back as floats. The functions take the float type
F (np.float64 or np.float32: a type, known when Numba compiles, so each type
gets its own machine code) or read it from their arrays. Relative error: below
1e-12 in float64 (it grows with |a|; about 1e-16 near 0), a few float32 units
in float32; tested against NumPy. Arguments are clamped to where 2^k stays a
normal number: [-708, 709] in float64, [-87, 88] in float32.
"""

import numpy as np
from numba import njit

LOG2E = 1.4426950408889634
LN2_HI = 6.93145751953125e-1  # ln 2 in two parts: k * LN2_HI is exact (float64)
LN2_LO = 1.42860682030941723212e-6
LN2_HI_32 = 0.693359375  # the same for float32 (9 bits, so k * it is exact)
LN2_LO_32 = -2.12194440e-4
LOWEST, HIGHEST = -708.0, 709.0  # exp stays a normal number
LOWEST_32, HIGHEST_32 = -87.0, 88.0
_FAST = {"reassoc", "contract", "arcp", "nsz"}


@njit(nogil=True, cache=True, inline="always", fastmath=_FAST)
def exp_poly(r, F):
    """exp(r) for |r| <= ln(2)/2 by its Taylor series: to r^12 in float64 (error
    below 2e-16), to r^7 in float32 (error below 1e-8). Every constant is made an
    F: Numba types both branches, and one float64 would make the result one."""
    if np.finfo(F).bits == 32:
        return F(1.0) + r * (F(1.0) + r * (F(1 / 2) + r * (F(1 / 6) + r * (F(1 / 24) + r * (
            F(1 / 120) + r * (F(1 / 720) + r * F(1 / 5040)))))))
    return F(1.0) + r * (F(1.0) + r * (F(1 / 2) + r * (F(1 / 6) + r * (F(1 / 24) + r * (
        F(1 / 120) + r * (F(1 / 720) + r * (F(1 / 5040) + r * (F(1 / 40320) + r * (
            F(1 / 362880) + r * (F(1 / 3628800) + r * (F(1 / 39916800) + r * (
                F(1 / 479001600)))))))))))))


@njit(nogil=True, cache=True, inline="always", fastmath=_FAST)
def exp_split(v, F):
    """exp(v) = p * 2^k as (p, the bits of the float 2^k as an int64), v of type F
    clamped to the range in the module's note. Store the bits in an integer array
    of F's width and read it through `.view(F)` to get 2^k (Numba has no scalar
    bit cast)."""
    fi = np.finfo(F)  # both branches in F: Numba types the untaken one too
    if fi.bits == 32:
        lo, hi, ln2_hi, ln2_lo = F(LOWEST_32), F(HIGHEST_32), F(LN2_HI_32), F(LN2_LO_32)
    else:
        lo, hi, ln2_hi, ln2_lo = F(LOWEST), F(HIGHEST), F(LN2_HI), F(LN2_LO)
    v = min(max(v, lo), hi)
    k = np.floor(v * F(LOG2E) + F(0.5))
    r = v - k * ln2_hi - k * ln2_lo
    return exp_poly(r, F), (np.int64(k) + (fi.maxexp - 1)) << fi.nmant


@njit(nogil=True, cache=True, error_model="numpy", fastmath=_FAST)
def exp_into(a, out, pow2):
    """out[i] = exp(a[i]) for 1-D arrays of one float type, a clamped; pow2 is
    integer scratch of the same length and width. Give an `out` that is not `a`:
    LLVM vectorises the loop only after a run-time check that the arrays do not
    overlap, and an array overlaps itself, so exp_into(a, a, ...) runs one
    element at a time (five times slower)."""
    F = out.dtype.type
    n = a.shape[0]
    for i in range(n):
        out[i], pow2[i] = exp_split(a[i], F)
    scale = pow2.view(F)
    for i in range(n):
        out[i] *= scale[i]


@njit(nogil=True, cache=True, error_model="numpy", fastmath=_FAST)
def exp_neg_abs_split(A, row, factor, poly, pow2):
    """exp(-factor[i] |A[row, i]|) = poly[i] * pow2.view(F)[i] for i < len(factor),
    F the type of A, for callers that fold the last multiplication into their
    own loop (one pass fewer). A is 2-D: a row view would cost an atomic
    reference count up and down per call."""
    F = A.dtype.type
    for i in range(factor.shape[0]):
        poly[i], pow2[i] = exp_split(-factor[i] * abs(A[row, i]), F)


@njit(nogil=True, cache=True, inline="always", fastmath=_FAST)
def tanh_from_exp(v, q, F):
    """tanh(v) given q = exp(-2|v|): sign(v) (1 - q)/(1 + q) (relative error
    below 1e-13 in float64, 4e-7 in float32), and below |v| = 1/64 (float64) or
    1/4 (float32), where that loses digits, the odd series to v^9 (error below
    1e-20 and 1e-8)."""
    return tanh_from_exp_recip(v, q, F(1.0) / (F(1.0) + q), F)


@njit(nogil=True, cache=True, inline="always", fastmath=_FAST)
def tanh_from_exp_recip(v, q, r, F):
    """tanh_from_exp(v, q, F) given also r = 1 / (1 + q)."""
    big = (F(1.0) - q) * r
    big = big if v >= F(0.0) else -big
    v2 = v * v
    small = v * (F(1.0) + v2 * (F(-1 / 3) + v2 * (F(2 / 15) + v2 * (F(-17 / 315) + v2 * (
        F(62 / 2835))))))
    # below the threshold 1 - q loses more digits than the series' first term left out
    cut = F(0.25) if np.finfo(F).bits == 32 else F(0.015625)
    return small if abs(v) < cut else big
