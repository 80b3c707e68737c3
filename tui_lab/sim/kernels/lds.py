"""Numba kernels for linear dynamical systems (7a-05): the Kalman filter and the
Rauch-Tung-Striebel smoother.

    x[t+1] = A x[t] + b + u[t] + w,   w ~ N(0, Q)      (u: control input, given)
    y[t]   = C x[t] + d + v,          v ~ N(0, R)
    x[0] ~ N(mu0, P0)

Conventions follow pykalman: the initial mean and covariance are the
*predicted* state at t = 0. A NaN in y[t] marks a missing observation: the
update step is skipped there. The covariance update uses Joseph's form,
P = (I - K C) P- (I - K C)' + K R K', and every covariance is symmetrised, so
a 10^6-step run stays finite (each symmetric product is computed as its lower
half and mirrored). Linear algebra is written out (small matrices;
`np.linalg` inside Numba would need SciPy): SPD systems are solved by an LDL'
factorisation (Cholesky without square roots).

The sizes are compile-time constants: the kernels take `ns = (0,) * n` and
`ms = (0,) * m` and read n = len(ns), m = len(ms). A tuple's length is part of
its Numba type, so each state and observation size gets its own compiled
kernel (cached like the rest) in which every small loop has a known trip
count and LLVM unrolls it; that was 2-3x faster than loops over run-time
sizes at n = 2 and 4. `sizes(n, m)` builds the pair.
"""

import math

import numpy as np
from numba import njit


def sizes(n: int, m: int = 1) -> tuple[tuple, tuple]:
    """The (ns, ms) arguments of the kernels for state size n and observation size m."""
    return (0,) * int(n), (0,) * int(m)


@njit(nogil=True, cache=True, error_model="numpy", inline="always")
def _ldl(M, L, D, inv, n):
    """M = L diag(D) L' for a symmetric positive definite M (n x n): L unit lower
    triangular, inv = 1 / D. False if M is not positive definite. (Cholesky
    without its square roots: the gains' factorisations were mostly waiting for
    square roots and divisions.)"""
    for i in range(n):
        for j in range(i + 1):
            s = M[i, j]
            for k in range(j):
                s -= L[i, k] * L[j, k] * D[k]
            if i == j:
                if not s > 0.0:
                    return False
                D[i] = s
                inv[i] = 1.0 / s
                L[i, i] = 1.0
            else:
                L[i, j] = s * inv[j]
        for j in range(i + 1, n):
            L[i, j] = 0.0
    return True


@njit(nogil=True, cache=True, error_model="numpy", inline="always")
def _ldl_solve(L, inv, B, X, n, k):
    """Solve L diag(D) L' X = B for X (n, k) given the factors from `_ldl`."""
    for c in range(k):
        for i in range(n):  # L z = b
            s = B[i, c]
            for j in range(i):
                s -= L[i, j] * X[j, c]
            X[i, c] = s
        for i in range(n):
            X[i, c] *= inv[i]
        for i in range(n - 1, -1, -1):  # L' x = D^-1 z
            s = X[i, c]
            for j in range(i + 1, n):
                s -= L[j, i] * X[j, c]
            X[i, c] = s


@njit(nogil=True, cache=True, error_model="numpy")
def kalman_filter(A, C, Q, R, b, d, mu0, P0, Y, U, x_pred, P_pred, x_filt, P_filt, gain,
                  ns, ms):
    """Filter Y (T, m); U (T, n) is added to the prediction of x[t+1] from x[t].

    Fills predicted and filtered means (T, n) and covariances (T, n, n) and the
    Kalman gains (T, n, m) (zero where y is missing). Returns the log-likelihood
    of the observed values, or NaN if an innovation covariance was not positive.
    (ns, ms) = sizes(n, m).

    The step works on small local matrices (the current covariances) and copies
    them out once. Joseph's form (I - K C) P (I - K C)' + K R K' is taken as
    rank-m updates, O(n^2 m) instead of O(n^3):
        M = (I - K C) P = P - K (P C')'
        (I - K C) P (I - K C)' = M - (M C') K'
    """
    n, m = len(ns), len(ms)
    T = Y.shape[0]
    L = np.empty((m, m))
    D = np.empty(m)
    inv = np.empty(m)
    S = np.empty((m, m))
    PCt = np.empty((n, m))
    PCtT = np.empty((m, n))
    Kt = np.empty((m, n))
    KR = np.empty((n, m))
    MCt = np.empty((n, m))
    r = np.empty((m, 1))
    z = np.empty((m, 1))
    M = np.empty((n, n))
    tmp = np.empty((n, n))
    Pp = P0.copy()  # predicted covariance at t
    Pf = np.empty((n, n))  # filtered covariance at t
    xp = mu0.copy()
    xf = np.empty(n)
    log2pi = math.log(2.0 * math.pi)
    loglik = 0.0
    for t in range(T):
        if t > 0:
            for i in range(n):
                s = b[i] + U[t - 1, i]
                for j in range(n):
                    s += A[i, j] * xf[j]
                xp[i] = s
            for i in range(n):  # tmp = A P
                for j in range(n):
                    s = 0.0
                    for k in range(n):
                        s += A[i, k] * Pf[k, j]
                    tmp[i, j] = s
            for i in range(n):  # A P A' + Q, symmetric: the lower half, mirrored
                for j in range(i + 1):
                    s = Q[i, j]
                    for k in range(n):
                        s += tmp[i, k] * A[j, k]
                    Pp[i, j] = s
                    Pp[j, i] = s
        for i in range(n):
            x_pred[t, i] = xp[i]
            for j in range(n):
                P_pred[t, i, j] = Pp[i, j]
        missing = False
        for i in range(m):
            if math.isnan(Y[t, i]):
                missing = True
        if missing:
            for i in range(n):
                xf[i] = xp[i]
                x_filt[t, i] = xp[i]
                for j in range(n):
                    Pf[i, j] = Pp[i, j]
                    P_filt[t, i, j] = Pp[i, j]
                for j in range(m):
                    gain[t, i, j] = 0.0
            continue
        for i in range(n):  # P C'
            for j in range(m):
                s = 0.0
                for k in range(n):
                    s += Pp[i, k] * C[j, k]
                PCt[i, j] = s
                PCtT[j, i] = s
        for i in range(m):  # S = C P C' + R ; r = y - C x - d
            for j in range(m):
                s = R[i, j]
                for k in range(n):
                    s += C[i, k] * PCt[k, j]
                S[i, j] = s
            s = Y[t, i] - d[i]
            for k in range(n):
                s -= C[i, k] * xp[k]
            r[i, 0] = s
        if m == 1:  # a scalar innovation: no factorisation
            if not S[0, 0] > 0.0:
                return np.nan
            inv[0] = 1.0 / S[0, 0]
            for i in range(n):
                Kt[0, i] = PCtT[0, i] * inv[0]
            z[0, 0] = r[0, 0] * inv[0]
            logdet = math.log(S[0, 0])
            quad = r[0, 0] * z[0, 0]
        else:
            for i in range(m):  # symmetric
                for j in range(i):
                    v = 0.5 * (S[i, j] + S[j, i])
                    S[i, j] = v
                    S[j, i] = v
            if not _ldl(S, L, D, inv, m):
                return np.nan
            _ldl_solve(L, inv, PCtT, Kt, m, n)  # K' = S^-1 (P C')'
            _ldl_solve(L, inv, r, z, m, 1)  # S^-1 r
            logdet = 0.0
            quad = 0.0
            for i in range(m):
                logdet += math.log(D[i])
                quad += r[i, 0] * z[i, 0]
        loglik += -0.5 * (m * log2pi + logdet + quad)
        for i in range(n):
            s = xp[i]
            for j in range(m):
                gain[t, i, j] = Kt[j, i]
                s += Kt[j, i] * r[j, 0]
            xf[i] = s
            x_filt[t, i] = s
        for i in range(n):  # M = P - K (P C')'
            for j in range(n):
                s = Pp[i, j]
                for a in range(m):
                    s -= Kt[a, i] * PCt[j, a]
                M[i, j] = s
        for i in range(n):  # M C' and K R
            for a in range(m):
                s = 0.0
                for k in range(n):
                    s += M[i, k] * C[a, k]
                MCt[i, a] = s
                s = 0.0
                for c in range(m):
                    s += Kt[c, i] * R[c, a]
                KR[i, a] = s
        for i in range(n):  # M - (M C') K' + K R K': the lower half, mirrored
            for j in range(i + 1):
                s = M[i, j]
                for a in range(m):
                    s += (KR[i, a] - MCt[i, a]) * Kt[a, j]
                Pf[i, j] = s
                Pf[j, i] = s
        for i in range(n):
            for j in range(n):
                P_filt[t, i, j] = Pf[i, j]
    return loglik


@njit(nogil=True, cache=True, error_model="numpy")
def rts_smoother(A, x_pred, P_pred, x_filt, P_filt, x_smooth, P_smooth, J, ns):
    """Rauch-Tung-Striebel: smoothed means and covariances, and the smoother
    gains J (T-1, n, n), J[t] = P_filt[t] A' P_pred[t+1]^-1. False if some
    predicted covariance is not positive definite. ns = sizes(n)[0].

    Two passes: the gains first (each step's factorisation and solve depend on
    the filter's output only, so the processor overlaps consecutive steps'
    square roots and divisions), then the backward recursion, which carries
    only the smoothed mean and covariance from step to step."""
    n = len(ns)
    T = x_filt.shape[0]
    if T == 0:
        return True
    L = np.empty((n, n))
    D = np.empty(n)
    inv = np.empty(n)
    Pp = np.empty((n, n))
    APf = np.empty((n, n))
    Jt = np.empty((n, n))
    for t in range(T - 1):
        for i in range(n):
            for j in range(n):
                Pp[i, j] = P_pred[t + 1, i, j]
                s = 0.0
                for k in range(n):
                    s += A[i, k] * P_filt[t, k, j]
                APf[i, j] = s
        if not _ldl(Pp, L, D, inv, n):
            return False
        _ldl_solve(L, inv, APf, Jt, n, n)  # J' = P_pred^-1 A P_filt
        for i in range(n):
            for j in range(n):
                J[t, i, j] = Jt[j, i]
    diff = np.empty(n)
    dP = np.empty((n, n))
    tmp = np.empty((n, n))
    Ps = np.empty((n, n))
    for i in range(n):
        x_smooth[T - 1, i] = x_filt[T - 1, i]
        for j in range(n):
            Ps[i, j] = P_filt[T - 1, i, j]
            P_smooth[T - 1, i, j] = Ps[i, j]
    for t in range(T - 2, -1, -1):
        for i in range(n):
            diff[i] = x_smooth[t + 1, i] - x_pred[t + 1, i]
            for j in range(n):
                dP[i, j] = Ps[i, j] - P_pred[t + 1, i, j]
        for i in range(n):
            s = x_filt[t, i]
            for j in range(n):
                s += J[t, i, j] * diff[j]
            x_smooth[t, i] = s
        for i in range(n):  # tmp = J dP
            for j in range(n):
                s = 0.0
                for k in range(n):
                    s += J[t, i, k] * dP[k, j]
                tmp[i, j] = s
        for i in range(n):  # P_filt + J dP J': the lower half, mirrored
            for j in range(i + 1):
                s = P_filt[t, i, j]
                for k in range(n):
                    s += tmp[i, k] * J[t, j, k]
                Ps[i, j] = s
                Ps[j, i] = s
        for i in range(n):
            for j in range(n):
                P_smooth[t, i, j] = Ps[i, j]
    return True
