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

from tui_lab.sim.kernels.vexp import exp_split

_FAST = {"reassoc", "contract", "arcp", "nsz"}


@njit(nogil=True, cache=True, error_model="numpy", fastmath=_FAST)
def gaussian_likelihood(means, variances, x, B, pow2):
    """B[t, i] = N(x[t]; means[i], variances[i]) for one-dimensional x (T,).

    math.exp element by element is a library call LLVM cannot vectorise, and it
    was most of a Gaussian forward-backward: this is the exp of `vexp`
    (`exp_split`) over (T, N), with `pow2` (T, N) int64 scratch. Arguments below -708
    (densities under 1e-308) get math.exp, exactly.
    """
    T, N = B.shape
    c = np.empty(N)
    norm = np.empty(N)
    for i in range(N):
        c[i] = -0.5 / variances[i]
        norm[i] = 1.0 / math.sqrt(2.0 * math.pi * variances[i])
    low = False
    for t in range(T):
        for i in range(N):
            d = x[t] - means[i]
            a = d * d * c[i]
            low |= a < -708.0
            p, pow2[t, i] = exp_split(a, np.float64)
            B[t, i] = p * norm[i]
    scale = pow2.view(np.float64)
    for t in range(T):
        for i in range(N):
            B[t, i] *= scale[t, i]
    if low:
        for t in range(T):
            for i in range(N):
                d = x[t] - means[i]
                if d * d * c[i] < -708.0:
                    B[t, i] = norm[i] * math.exp(d * d * c[i])


@njit(nogil=True, cache=True, error_model="numpy", fastmath=_FAST)
def forward_backward(startprob, transmat, table, idx, starts, gamma, xi_sum, want_xi=True):
    """Posteriors gamma (T, N) and summed transition posteriors xi_sum (N, N)
    (over every sequence; skipped unless want_xi). The likelihood of state j at
    step t is table[idx[t], j]: for symbols, the transposed emission table and
    the symbols themselves (no T x N array is built); otherwise a (T, N) table
    and idx = 0 .. T-1. Returns the log-likelihood (-inf if some sequence is
    impossible).

    The scaled forward messages are kept in `gamma` itself: the backward pass
    reads alpha[t] once, at step t, and then overwrites it with the posterior.
    """
    T, N = gamma.shape
    alpha = gamma
    beta_next = np.empty(N)
    w = np.empty(N)
    acc = np.zeros((N, N))  # sum over t of alpha[t, i] * w[j]; times transmat at the end
    trans_T = np.ascontiguousarray(transmat.T)
    c = np.empty(T)
    loglik = 0.0
    for s in range(starts.shape[0] - 1):
        t0, t1 = starts[s], starts[s + 1]
        b = table[idx[t0]]
        tot = 0.0
        for i in range(N):
            alpha[t0, i] = startprob[i] * b[i]
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
            b = table[idx[t]]
            tot = 0.0
            for j in range(N):
                w[j] *= b[j]
                tot += w[j]
            if tot <= 0.0:
                return -np.inf
            c[t] = tot
            inv = 1.0 / tot
            for j in range(N):
                alpha[t, j] = w[j] * inv
        # backward pass with one beta vector; gamma (over alpha) and xi on the way
        for i in range(N):
            beta_next[i] = 1.0
        for t in range(t1 - 2, t0 - 1, -1):
            inv = 1.0 / c[t + 1]
            b = table[idx[t + 1]]
            for j in range(N):
                w[j] = b[j] * beta_next[j] * inv
                beta_next[j] = 0.0
            for j in range(N):  # beta = transmat @ w, column by column: vectorisable
                wj = w[j]
                for i in range(N):
                    beta_next[i] += trans_T[j, i] * wj
            for i in range(N):
                a = alpha[t, i]
                if want_xi:
                    for j in range(N):
                        acc[i, j] += a * w[j]
                gamma[t, i] = a * beta_next[i]
        # log of the product of the scales, a log per ~hundred steps, never underflowing
        prod = 1.0
        for t in range(t0, t1):
            p = prod * c[t]
            if 1e-150 < p < 1e150:
                prod = p
            else:
                loglik += math.log(prod) + math.log(c[t])
                prod = 1.0
        loglik += math.log(prod)
    for i in range(N):
        for j in range(N):
            xi_sum[i, j] = acc[i, j] * transmat[i, j] if want_xi else 0.0
    return loglik


@njit(nogil=True, cache=True, error_model="numpy")
def emission_counts(gamma, x, counts):
    """counts[i, k] = sum of gamma[t, i] over the steps t with symbol x[t] = k."""
    counts[:] = 0.0
    for t in range(x.shape[0]):
        for i in range(gamma.shape[1]):
            counts[i, x[t]] += gamma[t, i]


@njit(nogil=True, cache=True, error_model="numpy", fastmath=_FAST)
def gaussian_stats(gamma, x, weight, mean, var):
    """Per state: total posterior weight, weighted mean and weighted variance of
    x (two passes over gamma, no T x N temporaries)."""
    T, N = gamma.shape
    weight[:] = 0.0
    mean[:] = 0.0
    var[:] = 0.0
    for t in range(T):
        for i in range(N):
            weight[i] += gamma[t, i]
            mean[i] += gamma[t, i] * x[t]
    for i in range(N):
        mean[i] = mean[i] / weight[i] if weight[i] > 0 else 0.0
    for t in range(T):
        for i in range(N):
            d = x[t] - mean[i]
            var[i] += gamma[t, i] * d * d
    for i in range(N):
        var[i] = var[i] / weight[i] if weight[i] > 0 else 0.0


@njit(nogil=True, cache=True, error_model="numpy")
def viterbi(log_startprob, log_transmat_T, log_table, idx, starts, path):
    """Most likely state path (T,) for every sequence; returns its total log-probability.
    log_transmat_T is the transposed log transition matrix (row j: into state j);
    the log-likelihood of state j at step t is log_table[idx[t], j]."""
    T, N = idx.shape[0], log_startprob.shape[0]
    delta = np.empty(N)
    new = np.empty(N)
    back = np.empty((T, N), dtype=np.int64)
    total = 0.0
    for s in range(starts.shape[0] - 1):
        t0, t1 = starts[s], starts[s + 1]
        for i in range(N):
            delta[i] = log_startprob[i] + log_table[idx[t0], i]
        for t in range(t0 + 1, t1):
            for j in range(N):
                best, arg = -np.inf, 0
                for i in range(N):
                    v = delta[i] + log_transmat_T[j, i]
                    if v > best:
                        best, arg = v, i
                new[j] = best + log_table[idx[t], j]
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
