"""Carrying k bits across a gap: the HMM's log2(N)-bit limit (7a-07).

Each sequence writes a k-bit word, waits, and then must give the same word
back. The word arrives in one step, and the wait has a random length
(geometric, mean about `gap`, at most 4 x `gap`), so what pays is remembering
the word, not counting steps:

- for the HMM, a sequence of symbols: the word (0 .. 2^k - 1), the filler
  symbol (2^k) for the wait, and the word again; sequences differ in length;
- for the LSTM, all sequences have 4 x `gap` + 2 steps: quiet steps, then k
  input lines carrying the word's bits with a "write" line on, the quiet wait,
  and a "recall" line at the last step, where its k logistic outputs must give
  the bits back.
"""

from dataclasses import dataclass

import numpy as np

RECALLED = 0.95  # "carries the word": at least this share of held-out words right


@dataclass(frozen=True)
class KBitData:
    words: np.ndarray  # (n,) the word of each sequence, 0 .. 2^k - 1
    symbols: np.ndarray  # (sum of lengths,) the HMM's observations, end to end
    lengths: np.ndarray  # (n,) each sequence's length for the HMM (wait + 2)
    X: np.ndarray  # (n, T, k + 2) the LSTM's inputs, T = 4 x gap + 2
    Y: np.ndarray  # (n, T, k) the LSTM's targets (the bits, at the last step)
    M: np.ndarray  # (n, T) 1 where there is a target (the last step)

    @property
    def bits(self) -> np.ndarray:
        """(n, k) the words' bits, most significant first."""
        return self.Y[:, -1].astype(np.int64)


def word_bits(words: np.ndarray, k: int) -> np.ndarray:
    """(n, k) the bits of each word, most significant first."""
    return (np.asarray(words)[:, None] >> np.arange(k)[::-1]) & 1


def make_data(k: int, gap: int, n: int, rng: np.random.Generator) -> KBitData:
    """n sequences with uniformly random k-bit words and random waits."""
    words = rng.integers(0, 2 ** k, n)
    waits = np.minimum(rng.geometric(1.0 / gap, n), 4 * gap)
    lengths = waits + 2
    symbols = np.full(lengths.sum(), 2 ** k, dtype=np.int64)
    ends = np.cumsum(lengths)
    symbols[ends - lengths] = symbols[ends - 1] = words
    T = 4 * gap + 2
    bits = word_bits(words, k)
    X = np.zeros((n, T, k + 2))
    rows, write_at = np.arange(n), T - lengths
    X[rows, write_at, :k] = bits
    X[rows, write_at, k] = 1.0  # write
    X[:, -1, k + 1] = 1.0  # recall
    Y = np.zeros((n, T, k))
    Y[:, -1] = bits
    M = np.zeros((n, T))
    M[:, -1] = 1.0
    return KBitData(words, symbols, lengths, X, Y, M)


def recall_distribution(startprob, transmat, emissionprob, symbols: np.ndarray,
                        lengths: np.ndarray, k: int) -> np.ndarray:
    """P(word at the recall step | everything before it), (n, 2^k), for an HMM.

    The forward algorithm over the prefix gives the state distribution at the
    last gap step; one transition and the emission table give the next symbol's
    distribution, renormalised over the words (the recall step is known to
    come now). Works for any N-state categorical HMM.
    """
    lengths = np.asarray(lengths)
    starts = np.cumsum(lengths) - lengths
    W = 2 ** k
    alpha = startprob * emissionprob[:, symbols[starts]].T  # (n, N)
    for t in range(1, int(lengths.max()) - 1):
        live = t < lengths - 1  # sequences still in their prefix at step t
        a = alpha[live] / alpha[live].sum(1, keepdims=True)
        alpha[live] = (a @ transmat) * emissionprob[:, symbols[starts[live] + t]].T
    total = alpha.sum(1, keepdims=True)
    alpha = np.where(total > 0, alpha / np.where(total > 0, total, 1), 1.0 / len(alpha[0]))
    q = (alpha @ transmat) @ emissionprob[:, :W]
    total = q.sum(1, keepdims=True)
    return np.where(total > 0, q / np.where(total > 0, total, 1), 1.0 / W)


def bits_carried(q: np.ndarray, words: np.ndarray) -> float:
    """k + mean log2 P(true word): the bits of the word the model still has at
    recall (k when it is sure and right, 0 at chance). For an N-state HMM this is
    at most log2 N whatever its parameters (7a-07): each state's recall
    distribution sums to one over the words, so the N of them together give the
    2^k words a total probability of at most N."""
    k = int(np.log2(q.shape[1]))
    p = np.maximum(q[np.arange(len(words)), words], 1e-300)
    return float(k + np.mean(np.log2(p)))


def needed_size(recall: np.ndarray, sizes: tuple[int, ...], enough: float = RECALLED) -> str:
    """The smallest size whose recall reached `enough`; '…' while a smaller size is
    still to be fitted (NaN), '>largest' when none did."""
    for r, s in zip(recall, sizes):
        if np.isnan(r):
            return "…"
        if r >= enough:
            return str(s)
    return f">{sizes[-1]}"
