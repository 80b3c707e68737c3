"""Binary addition, one column at a time (lecture 7c-02 .. 7c-05).

Encoding. Two n-bit numbers a and b are fed least significant bit first, one
column per step: input x[k] = (a_k, b_k). One extra all-zero column follows so
the last carry can come out, so a sequence has n + 1 columns and its targets are
the n + 1 bits of a + b, again least significant first.

Timing. In the lecture's net every connection takes one time step: the bits of
column k reach the hidden units at time k + 1 and the output at time k + 2, so
the target at time t is the sum bit of column t - 2 ("two steps earlier"). The
arrays here are indexed by column (the kernels' view); `timeline` lays the same
sequence out on the lecture's time axis.

Train and held-out pairs are disjoint: both are drawn without replacement from
the same set of distinct (a, b) pairs.
"""

from dataclasses import dataclass

import numpy as np

DELAY = 2  # time steps from an input column to its output bit
MAX_TRAIN_PAIRS = 200_000


def ripple_add(a_bits: np.ndarray, b_bits: np.ndarray) -> np.ndarray:
    """Sum bits (N, n+1) of bit arrays a, b (N, n), all least significant first."""
    N, n = a_bits.shape
    out = np.zeros((N, n + 1), dtype=np.uint8)
    carry = np.zeros(N, dtype=np.uint8)
    for k in range(n):
        s = a_bits[:, k] + b_bits[:, k] + carry
        out[:, k] = s & 1
        carry = s >> 1
    out[:, n] = carry
    return out


def int_to_bits(values: np.ndarray, n: int) -> np.ndarray:
    """Bits (N, n) of non-negative integers below 2**n, least significant first."""
    values = np.asarray(values, dtype=np.uint64)
    shifts = np.arange(n, dtype=np.uint64)
    return ((values[:, None] >> shifts) & np.uint64(1)).astype(np.uint8)


def bits_to_int(bits: np.ndarray) -> int:
    """The integer whose bits (least significant first) are given."""
    return sum(int(bit) << k for k, bit in enumerate(bits))


def encode(a_bits: np.ndarray, b_bits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inputs X (N, n+1, 2) and targets Y (N, n+1) as float64, by column."""
    N, n = a_bits.shape
    X = np.zeros((N, n + 1, 2))
    X[:, :n, 0] = a_bits
    X[:, :n, 1] = b_bits
    return X, ripple_add(a_bits, b_bits).astype(np.float64)


def encode_flat(a_bits: np.ndarray, b_bits: np.ndarray, width: int
                ) -> tuple[np.ndarray, np.ndarray]:
    """For a memoryless net: inputs (N, 2 width) = a's bits then b's, zero-padded to
    `width` bits each, and targets (N, width + 1), the sum's bits."""
    N, n = a_bits.shape
    if n > width:
        raise ValueError(f"{n}-bit numbers do not fit a {width}-bit input")
    a = np.zeros((N, width), np.uint8)
    b = np.zeros((N, width), np.uint8)
    a[:, :n], b[:, :n] = a_bits, b_bits
    return (np.concatenate([a, b], axis=1).astype(np.float64),
            ripple_add(a, b).astype(np.float64))


def timeline(a_bits: np.ndarray, b_bits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One pair on the lecture's time axis: inputs (T, 2) and targets (T,).

    T = n + 1 + DELAY. Input at time t is column t (zero past the last column);
    the target at time t is the sum bit of column t - DELAY, and -1 (no target)
    for the first DELAY steps.
    """
    n = len(a_bits)
    X, Y = encode(np.asarray(a_bits)[None], np.asarray(b_bits)[None])
    inputs = np.zeros((n + 1 + DELAY, 2))
    inputs[: n + 1] = X[0]
    targets = np.full(n + 1 + DELAY, -1.0)
    targets[DELAY:] = Y[0]
    return inputs, targets


@dataclass(frozen=True)
class AdditionData:
    """Encoded training, held-out and longer test sums."""

    X_train: np.ndarray  # (N, n+1, 2)
    Y_train: np.ndarray  # (N, n+1)
    X_heldout: np.ndarray
    Y_heldout: np.ndarray
    tests: dict  # bits -> (X, Y) for longer random numbers


def split_pairs(bits: int, heldout: int, rng: np.random.Generator):
    """Disjoint (a, b) code arrays for held-out and training pairs."""
    total = 1 << (2 * bits)
    if heldout >= total:
        raise ValueError(f"{heldout} held-out pairs leave none to train on: "
                         f"{bits}-bit numbers make only {total} pairs")
    n_train = min(total - heldout, MAX_TRAIN_PAIRS)
    codes = rng.choice(total, size=heldout + n_train, replace=False).astype(np.uint64)
    return codes[:heldout], codes[heldout:]


def codes_to_bits(codes: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Pair codes (a << bits | b) -> bit arrays a, b (N, bits)."""
    mask = np.uint64((1 << bits) - 1)
    return int_to_bits(codes >> np.uint64(bits), bits), int_to_bits(codes & mask, bits)


def make_data(bits: int, heldout: int, test_lengths, test_pairs: int,
              rng: np.random.Generator, encoder=encode) -> AdditionData:
    """Draw the data of one run; `encoder(a_bits, b_bits) -> (X, Y)` lays it out."""
    held, train = split_pairs(bits, heldout, rng)
    X_train, Y_train = encoder(*codes_to_bits(train, bits))
    X_held, Y_held = encoder(*codes_to_bits(held, bits))
    tests = {}
    for n in test_lengths:
        a = rng.integers(0, 2, size=(test_pairs, n), dtype=np.uint8)
        b = rng.integers(0, 2, size=(test_pairs, n), dtype=np.uint8)
        tests[int(n)] = encoder(a, b)
    return AdditionData(X_train, Y_train, X_held, Y_held, tests)
