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
`np.linalg` inside Numba would need SciPy): SPD systems are solved by Cholesky.
"""

import math

import numpy as np
from numba import njit


@njit(nogil=True, cache=True, error_model="numpy")
def cholesky(M, L):
    """Lower-triangular L with L L' = M for a symmetric positive definite M; False if not."""
    n = M.shape[0]
    for i in range(n):
        for j in range(i + 1):
            s = M[i, j]
            for k in range(j):
                s -= L[i, k] * L[j, k]
            if i == j:
                if s <= 0.0:
                    return False
                L[i, i] = math.sqrt(s)
            else:
                L[i, j] = s / L[j, j]
        for j in range(i + 1, n):
            L[i, j] = 0.0
    return True


@njit(nogil=True, cache=True, error_model="numpy")
def chol_solve(L, B, X):
    """Solve (L L') X = B for X (n, k), given the Cholesky factor L."""
    n, k = B.shape
    for c in range(k):
        for i in range(n):  # L z = b
            s = B[i, c]
            for j in range(i):
                s -= L[i, j] * X[j, c]
            X[i, c] = s / L[i, i]
        for i in range(n - 1, -1, -1):  # L' x = z
            s = X[i, c]
            for j in range(i + 1, n):
                s -= L[j, i] * X[j, c]
            X[i, c] = s / L[i, i]


@njit(nogil=True, cache=True, error_model="numpy")
def _sym(P):
    n = P.shape[0]
    for i in range(n):
        for j in range(i):
            v = 0.5 * (P[i, j] + P[j, i])
            P[i, j] = v
            P[j, i] = v


@njit(nogil=True, cache=True, error_model="numpy")
def kalman_filter(A, C, Q, R, b, d, mu0, P0, Y, U, x_pred, P_pred, x_filt, P_filt, gain):
    """Filter Y (T, m); U (T, d) is added to the prediction of x[t+1] from x[t].

    Fills predicted and filtered means (T, d) and covariances (T, d, d) and the
    Kalman gains (T, d, m) (zero where y is missing). Returns the log-likelihood
    of the observed values, or NaN if an innovation covariance was not positive.

    The step works on small local matrices (the current covariances) and copies
    them out once, which is cheaper than indexing the (T, d, d) outputs in the
    inner loops.
    """
    T, m = Y.shape
    n = A.shape[0]
    L = np.empty((m, m))
    S = np.empty((m, m))
    PCt = np.empty((n, m))
    PCtT = np.empty((m, n))
    Kt = np.empty((m, n))
    r = np.empty((m, 1))
    z = np.empty((m, 1))
    IKC = np.empty((n, n))
    tmp = np.empty((n, n))
    Pp = P0.copy()  # predicted covariance at t
    Pf = np.empty((n, n))  # filtered covariance at t
    xp = mu0.copy()
    xf = np.empty(n)
    KRK = np.empty((n, n))
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
            for i in range(n):  # A P A' + Q, symmetric: compute the lower half
                for j in range(i + 1):
                    s = Q[i, j]
                    for k in range(n):
                        s += tmp[i, k] * A[j, k]
                    Pp[i, j] = s
            for i in range(n):  # mirrored: symmetric by construction
                for j in range(i):
                    Pp[j, i] = Pp[i, j]
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
            inv = 1.0 / S[0, 0]
            for i in range(n):
                Kt[0, i] = PCtT[0, i] * inv
            z[0, 0] = r[0, 0] * inv
            logdet = math.log(S[0, 0])
            quad = r[0, 0] * z[0, 0]
        else:
            _sym(S)
            if not cholesky(S, L):
                return np.nan
            chol_solve(L, PCtT, Kt)  # K' = S^-1 (P C')'
            chol_solve(L, r, z)  # S^-1 r
            logdet = 0.0
            quad = 0.0
            for i in range(m):
                logdet += 2.0 * math.log(L[i, i])
                quad += r[i, 0] * z[i, 0]
        loglik += -0.5 * (m * log2pi + logdet + quad)
        for i in range(n):
            s = xp[i]
            for j in range(m):
                gain[t, i, j] = Kt[j, i]
                s += Kt[j, i] * r[j, 0]
            xf[i] = s
            x_filt[t, i] = s
        for i in range(n):  # I - K C, and K R K'
            for j in range(n):
                s = 1.0 if i == j else 0.0
                for k in range(m):
                    s -= Kt[k, i] * C[k, j]
                IKC[i, j] = s
                v = 0.0
                for a in range(m):
                    for c in range(m):
                        v += Kt[a, i] * R[a, c] * Kt[c, j]
                KRK[i, j] = v
        for i in range(n):  # Joseph: (I-KC) P (I-KC)' + K R K'
            for j in range(n):
                s = 0.0
                for k in range(n):
                    s += IKC[i, k] * Pp[k, j]
                tmp[i, j] = s
        for i in range(n):  # symmetric: the lower half, mirrored
            for j in range(i + 1):
                s = KRK[i, j]
                for k in range(n):
                    s += tmp[i, k] * IKC[j, k]
                Pf[i, j] = s
                Pf[j, i] = s
                P_filt[t, i, j] = s
                P_filt[t, j, i] = s
    return loglik


@njit(nogil=True, cache=True, error_model="numpy")
def rts_smoother(A, x_pred, P_pred, x_filt, P_filt, x_smooth, P_smooth, J):
    """Rauch-Tung-Striebel: smoothed means and covariances, and the smoother
    gains J (T-1, d, d), J[t] = P_filt[t] A' P_pred[t+1]^-1. False if some
    predicted covariance is not positive definite."""
    T, n = x_filt.shape
    L = np.empty((n, n))
    APf = np.empty((n, n))
    Jt = np.empty((n, n))
    diff = np.empty(n)
    dP = np.empty((n, n))
    tmp = np.empty((n, n))
    x_smooth[T - 1] = x_filt[T - 1]
    P_smooth[T - 1] = P_filt[T - 1]
    for t in range(T - 2, -1, -1):
        for i in range(n):
            for j in range(n):
                s = 0.0
                for k in range(n):
                    s += A[i, k] * P_filt[t, k, j]
                APf[i, j] = s
        if not cholesky(P_pred[t + 1], L):
            return False
        chol_solve(L, APf, Jt)  # J' = P_pred^-1 A P_filt
        for i in range(n):
            for j in range(n):
                J[t, i, j] = Jt[j, i]
        for i in range(n):
            diff[i] = x_smooth[t + 1, i] - x_pred[t + 1, i]
            for j in range(n):
                dP[i, j] = P_smooth[t + 1, i, j] - P_pred[t + 1, i, j]
        for i in range(n):
            s = x_filt[t, i]
            for j in range(n):
                s += J[t, i, j] * diff[j]
            x_smooth[t, i] = s
        for i in range(n):
            for j in range(n):
                s = 0.0
                for k in range(n):
                    s += J[t, i, k] * dP[k, j]
                tmp[i, j] = s
        for i in range(n):
            for j in range(n):
                s = P_filt[t, i, j]
                for k in range(n):
                    s += tmp[i, k] * J[t, j, k]
                P_smooth[t, i, j] = s
        _sym(P_smooth[t])
    return True
