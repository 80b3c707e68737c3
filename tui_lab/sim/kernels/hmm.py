"""Numba kernels for hidden Markov models (7a-06): scaled forward-backward,
Viterbi, Baum-Welch sufficient statistics, emission likelihoods, sampling.

Forward-backward works with scaled messages (Rabiner): alpha_hat[t] sums to 1
and the scale c[t] is what it summed to before, so the log-likelihood is
sum(log c) and nothing underflows however long the sequence. Viterbi works in
log space. Several sequences are handled by `starts` (T_total + 1 offsets).
All kernels are nogil; randomness for sampling comes in as uniform numbers.
"""

import math

import numpy as np
from numba import njit

_FAST = {"reassoc", "contract", "arcp", "nsz"}


@njit(nogil=True, cache=True, error_model="numpy")
def categorical_likelihood(emission, x, B):
    """B[t, i] = emission[i, x[t]] for symbols x (T,); emission (N, K)."""
    for t in range(x.shape[0]):
        for i in range(emission.shape[0]):
            B[t, i] = emission[i, x[t]]


@njit(nogil=True, cache=True, error_model="numpy")
def gaussian_likelihood(means, variances, x, B):
    """B[t, i] = N(x[t]; means[i], variances[i]) for one-dimensional x (T,)."""
    for i in range(means.shape[0]):
        norm = 1.0 / math.sqrt(2.0 * math.pi * variances[i])
        for t in range(x.shape[0]):
            d = x[t] - means[i]
            B[t, i] = norm * math.exp(-0.5 * d * d / variances[i])


@njit(nogil=True, cache=True, error_model="numpy", fastmath=_FAST)
def forward_backward(startprob, transmat, B, starts, gamma, xi_sum, want_xi=True):
    """Posteriors gamma (T, N) and summed transition posteriors xi_sum (N, N)
    (over every sequence; skipped unless want_xi), from likelihoods B (T, N).
    Returns the log-likelihood (-inf if some sequence is impossible)."""
    T, N = B.shape
    alpha = np.empty((T, N))
    beta_next = np.empty(N)
    beta_now = np.empty(N)
    c = np.empty(T)
    w = np.empty(N)
    xi_sum[:] = 0.0
    loglik = 0.0
    for s in range(starts.shape[0] - 1):
        t0, t1 = starts[s], starts[s + 1]
        tot = 0.0
        for i in range(N):
            alpha[t0, i] = startprob[i] * B[t0, i]
            tot += alpha[t0, i]
        if tot <= 0.0:
            return -np.inf
        c[t0] = tot
        for i in range(N):
            alpha[t0, i] /= tot
        for t in range(t0 + 1, t1):
            for j in range(N):
                w[j] = 0.0
            for i in range(N):  # row by row: contiguous, vectorisable
                a = alpha[t - 1, i]
                for j in range(N):
                    w[j] += a * transmat[i, j]
            tot = 0.0
            for j in range(N):
                alpha[t, j] = w[j] * B[t, j]
                tot += alpha[t, j]
            if tot <= 0.0:
                return -np.inf
            c[t] = tot
            inv = 1.0 / tot
            for j in range(N):
                alpha[t, j] *= inv
        # backward pass with one beta vector; gamma and xi are formed on the way
        for i in range(N):
            beta_next[i] = 1.0
            gamma[t1 - 1, i] = alpha[t1 - 1, i]
        for t in range(t1 - 2, t0 - 1, -1):
            inv = 1.0 / c[t + 1]
            for j in range(N):
                w[j] = B[t + 1, j] * beta_next[j] * inv
            for i in range(N):
                b = 0.0
                for j in range(N):
                    b += transmat[i, j] * w[j]
                beta_now[i] = b
                gamma[t, i] = alpha[t, i] * b
            if want_xi:
                for i in range(N):
                    a = alpha[t, i]
                    for j in range(N):
                        xi_sum[i, j] += a * transmat[i, j] * w[j]
            for i in range(N):
                beta_next[i] = beta_now[i]
        for t in range(t0, t1):
            loglik += math.log(c[t])
    return loglik


@njit(nogil=True, cache=True, error_model="numpy")
def emission_counts(gamma, x, counts):
    """counts[i, k] = sum of gamma[t, i] over the steps t with symbol x[t] = k."""
    counts[:] = 0.0
    for t in range(x.shape[0]):
        for i in range(gamma.shape[1]):
            counts[i, x[t]] += gamma[t, i]


@njit(nogil=True, cache=True, error_model="numpy")
def viterbi(log_startprob, log_transmat_T, log_B, starts, path):
    """Most likely state path (T,) for every sequence; returns its total log-probability.
    log_transmat_T is the transposed log transition matrix (row j: into state j)."""
    T, N = log_B.shape
    delta = np.empty(N)
    new = np.empty(N)
    back = np.empty((T, N), dtype=np.int64)
    total = 0.0
    for s in range(starts.shape[0] - 1):
        t0, t1 = starts[s], starts[s + 1]
        for i in range(N):
            delta[i] = log_startprob[i] + log_B[t0, i]
        for t in range(t0 + 1, t1):
            for j in range(N):
                best, arg = -np.inf, 0
                for i in range(N):
                    v = delta[i] + log_transmat_T[j, i]
                    if v > best:
                        best, arg = v, i
                new[j] = best + log_B[t, j]
                back[t, j] = arg
            delta[:] = new
        best, arg = -np.inf, 0
        for i in range(N):
            if delta[i] > best:
                best, arg = delta[i], i
        total += best
        path[t1 - 1] = arg
        for t in range(t1 - 1, t0, -1):
            path[t - 1] = back[t, path[t]]
    return total


@njit(nogil=True, cache=True, error_model="numpy")
def sample(startprob, transmat, emission_cdf, u_state, u_emit, states, symbols):
    """Categorical HMM sample: states and symbols (T,) from uniforms u_state, u_emit (T,)."""
    N = startprob.shape[0]
    probs = startprob
    for t in range(states.shape[0]):
        acc, k = 0.0, N - 1
        for i in range(N):
            acc += probs[i]
            if u_state[t] < acc:
                k = i
                break
        states[t] = k
        row = emission_cdf[k]
        sym = row.shape[0] - 1
        for m in range(row.shape[0]):
            if u_emit[t] < row[m]:
                sym = m
                break
        symbols[t] = sym
        probs = transmat[k]
