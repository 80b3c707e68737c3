"""What the adder learned (7c-06): read a finite-state automaton out of its hidden units.

The algorithm for binary addition is a Moore machine with four states (7c-03):
after reading column k the adder is in state (carry out of k, sum bit of k),

    0 = (no carry, print 0)   1 = (no carry, print 1)
    2 = (carry, print 0)      3 = (carry, print 1)

and the next column's input pair (a, b) moves it on: s = a + b + carry,
next state = (s >= 2, s mod 2).

Extraction, from the hidden vectors of many held-out sums:
1. binarise each hidden vector at 0.5 (the lecture's view): a *pattern*; a step's
   *cluster* is its pattern together with the output unit's bit;
2. a cluster's transition on an input pair is the majority cluster that follows;
   a transition never seen in the data is simulated from the cluster's mean vector;
3. merge clusters that behave the same (Moore minimisation: same output, and
   successors in the same class for every input pair);
4. label each merged class by the majority true automaton state at its steps, and
   compare its transitions with the automaton's: the agreement is the fraction of
   (class, input pair) entries whose successor's label is the automaton's next state.
"""

from dataclasses import dataclass

import numpy as np

STATE_NAMES = ("(no carry, print 0)", "(no carry, print 1)",
               "(carry, print 0)", "(carry, print 1)")
SHORT_NAMES = ("no carry,0", "no carry,1", "carry,0", "carry,1")
INPUT_PAIRS = ((0, 0), (0, 1), (1, 0), (1, 1))  # (a bit, b bit), index = 2a + b
INPUT_LABELS = ("00", "01", "10", "11")


def automaton_step(state: int, pair: int) -> int:
    """The adder automaton's next state from `state` on input pair index `pair`."""
    a, b = INPUT_PAIRS[pair]
    s = a + b + (state >> 1)
    return 2 * (s >> 1) + (s & 1)


TRANSITIONS = np.array([[automaton_step(s, i) for i in range(4)] for s in range(4)])


def true_states(X: np.ndarray) -> np.ndarray:
    """Automaton state after each column, (N, T), for inputs X (N, T, 2)."""
    pairs = (2 * X[..., 0] + X[..., 1]).astype(int)
    out = np.empty(pairs.shape, dtype=int)
    state = np.zeros(len(X), dtype=int)
    for k in range(pairs.shape[1]):
        state = TRANSITIONS[state, pairs[:, k]]
        out[:, k] = state
    return out


@dataclass(frozen=True)
class Automaton:
    """An automaton read out of a net, compared with the adder's."""

    n_patterns: int  # distinct binarised hidden vectors seen (before merging)
    n_states: int  # classes after merging equivalent clusters
    patterns: tuple[str, ...]  # each cluster as hidden bits|output bit, e.g. "101|1"
    pattern_class: tuple[int, ...]  # class of each cluster
    class_label: tuple[int, ...]  # automaton state each class stands for (majority)
    class_output: tuple[int, ...]  # output bit of each class
    class_share: tuple[float, ...]  # fraction of steps in each class
    table: tuple[tuple[int, ...], ...]  # class x input pair -> next class
    agreement: float  # fraction of table entries that match the automaton
    state_agreement: float  # fraction of steps whose class label is the true state

    def learned_next_label(self, cls: int, pair: int) -> int:
        return self.class_label[self.table[cls][pair]]


def _codes(hidden: np.ndarray) -> np.ndarray:
    """Binarised hidden vectors (..., H) as integers (unit 0 is the first bit)."""
    bits = (hidden > 0.5).astype(np.int64)
    return (bits << np.arange(hidden.shape[-1])).sum(-1)


def _majority(keys: np.ndarray, values: np.ndarray, n_keys: int, n_values: int) -> np.ndarray:
    counts = np.zeros((n_keys, n_values), dtype=np.int64)
    np.add.at(counts, (keys, values), 1)
    return counts


def _minimise(output: np.ndarray, succ: np.ndarray) -> np.ndarray:
    """Moore-machine minimisation by partition refinement; returns a class per pattern."""
    cls = np.unique(output, return_inverse=True)[1]
    while True:
        keys = [(cls[p],) + tuple(cls[succ[p]]) for p in range(len(output))]
        uniq = {k: i for i, k in enumerate(dict.fromkeys(keys))}
        new = np.array([uniq[k] for k in keys])
        if len(uniq) == len(np.unique(cls)):
            return new
        cls = new


def extract(hidden: np.ndarray, X: np.ndarray, out_bits: np.ndarray, step) -> Automaton:
    """Read an automaton out of hidden vectors (N, T, H) of sums with inputs X (N, T, 2).

    out_bits (N, T) are the net's output bits; `step(h (M, H), x (M, 2)) -> (M, H)`
    runs the net's hidden update, used for transitions the data never showed.
    """
    N, T, H = hidden.shape
    codes = _codes(hidden)  # (N, T) binarised hidden vectors: the lecture's patterns
    n_patterns = len(np.unique(codes))
    # A step's cluster is its hidden pattern together with the output unit's bit:
    # a unit sitting near 0.5 can blur two states into one hidden pattern, but the
    # output unit, which reads the whole vector, still tells them apart.
    keys = codes * 2 + out_bits.astype(np.int64)
    uniq, idx, freq = np.unique(keys.ravel(), return_inverse=True, return_counts=True)
    order = np.argsort(-freq, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    pat = rank[idx].reshape(N, T)  # cluster index per step, 0 = most used
    P = len(uniq)
    flat_h = hidden.reshape(-1, H)
    centroids = np.array([flat_h[pat.ravel() == p].mean(0) for p in range(P)])
    states = true_states(X)
    pairs = (2 * X[..., 0] + X[..., 1]).astype(int)
    output = _majority(pat.ravel(), out_bits.ravel().astype(int), P, 2).argmax(1)
    trans = np.zeros((P, 4, P), dtype=np.int64)
    np.add.at(trans, (pat[:, :-1].ravel(), pairs[:, 1:].ravel(), pat[:, 1:].ravel()), 1)
    succ = trans.argmax(2)
    missing = np.argwhere(trans.sum(2) == 0)
    if len(missing):
        x = np.array([INPUT_PAIRS[i] for i in missing[:, 1]], dtype=np.float64)
        h = step(centroids[missing[:, 0]], x)
        dist = ((h[:, None, :] - centroids[None]) ** 2).sum(-1)
        succ[missing[:, 0], missing[:, 1]] = dist.argmin(1)
    pclass = _minimise(output, succ)
    K = int(pclass.max()) + 1
    step_class = pclass[pat]
    label = _majority(step_class.ravel(), states.ravel(), K, 4).argmax(1)
    rep = np.array([np.flatnonzero(pclass == c)[0] for c in range(K)])
    table = pclass[succ[rep]]  # (K, 4)
    agree = (label[table] == TRANSITIONS[label]).mean()
    share = np.bincount(step_class.ravel(), minlength=K) / step_class.size
    return Automaton(
        n_patterns=n_patterns, n_states=K,
        patterns=tuple("".join(str((int(c) >> (j + 1)) & 1) for j in range(H))
                       + f"|{int(c) & 1}" for c in uniq[order]),
        pattern_class=tuple(int(c) for c in pclass),
        class_label=tuple(int(v) for v in label),
        class_output=tuple(int(output[rep[c]]) for c in range(K)),
        class_share=tuple(float(s) for s in share),
        table=tuple(tuple(int(v) for v in row) for row in table),
        agreement=float(agree),
        state_agreement=float((label[step_class] == states).mean()),
    )
