"""One sum through the adder, time step by time step, for the stepper pane (7c-04).

On the lecture's time axis (every connection takes one step):

    time t   input column t enters; the hidden units hold column t - 1
             (at t = 0 they hold the initial state h0); the output answers
             column t - 2, so its target is the sum bit of column t - 2.

A sum of n-bit numbers has n + 1 columns (one trailing zero column for the
last carry) and n + 3 time steps.
"""

from dataclasses import dataclass

import numpy as np

from tui_lab.sim import automaton as A
from tui_lab.sim.rnn import LogisticRNN
from tui_lab.sim.tasks import binary_addition as task

MAX_BITS = 64


def parse_number(text: str) -> int:
    """A whole number from 0 to 2^64 - 1, in decimal or in binary with a 0b prefix."""
    raw = text.strip().replace("_", "").replace(" ", "")
    if not raw:
        raise ValueError("type a number (decimal, or binary like 0b1011)")
    try:
        value = int(raw[2:], 2) if raw.lower().startswith("0b") else int(raw, 10)
    except ValueError:
        kind = "binary digits after 0b" if raw.lower().startswith("0b") else "a decimal number"
        raise ValueError(f"expected {kind}, got {text.strip()!r}") from None
    if value < 0 or value >= 1 << MAX_BITS:
        raise ValueError(f"expected 0 to 2^64 - 1 (at most 64 bits), got {text.strip()!r}")
    return value


@dataclass(frozen=True)
class Trace:
    """Everything the stepper shows for one sum, on the lecture's time axis (T steps)."""

    a: int
    b: int
    n_bits: int
    inputs: np.ndarray  # (T, 2) the input pair entering at time t (0 after the last column)
    hidden: np.ndarray  # (T, H) hidden activities at time t (h0 at t = 0)
    p: np.ndarray  # (T,) output probability, NaN for t < 2
    target: np.ndarray  # (T,) sum bit of column t - 2, -1 for t < 2
    state: np.ndarray  # (T,) true automaton state of the column the hidden units hold, -1 at t = 0
    learned_state: np.ndarray  # (T,) label of the hidden vector's class, -1 if unknown

    @property
    def T(self) -> int:
        return len(self.p)

    @property
    def out_bits(self) -> np.ndarray:
        return (np.nan_to_num(self.p, nan=0.0) > 0.5).astype(int)

    @property
    def net_sum(self) -> int:
        return sum(int(bit) << (t - 2) for t, bit in enumerate(self.out_bits) if t >= 2)

    @property
    def true_sum(self) -> int:
        return self.a + self.b

    def right(self, t: int) -> bool | None:
        """Whether the output at time t is right (None where there is no output)."""
        return None if t < 2 else bool(self.out_bits[t] == self.target[t])


def _label(automaton: A.Automaton | None, hidden: np.ndarray, out: np.ndarray) -> np.ndarray:
    """The learned state label of each hidden vector (N, H) with output bits out (N,)."""
    if automaton is None:
        return np.full(len(hidden), -1)
    keys = ["".join(str(int(v > 0.5)) for v in h) + f"|{int(o)}" for h, o in zip(hidden, out)]
    index = {p: automaton.class_label[automaton.pattern_class[i]]
             for i, p in enumerate(automaton.patterns)}
    return np.array([index.get(k, -1) for k in keys])


def trace(params: dict, a: int, b: int, automaton: A.Automaton | None = None,
          n_bits: int | None = None) -> Trace:
    """Run the net with parameters `params` (a snapshot's) on a + b."""
    n = n_bits or max(a.bit_length(), b.bit_length(), 1)
    a_bits = task.int_to_bits(np.array([a], dtype=np.uint64), n)
    b_bits = task.int_to_bits(np.array([b], dtype=np.uint64), n)
    X, Y = task.encode(a_bits, b_bits)  # (1, n+1, 2), (1, n+1)
    net = LogisticRNN.from_params(params)
    p, hidden = net.forward(X)  # (1, n+1), (1, n+1, H)
    T = n + 1 + task.DELAY
    inputs, target = task.timeline(a_bits[0], b_bits[0])
    h_time = np.vstack([np.asarray(params["h0"])[None], hidden[0], hidden[0, -1:]])[:T]
    p_time = np.full(T, np.nan)
    p_time[task.DELAY:] = p[0]
    state = np.full(T, -1)
    state[1:n + 2] = A.true_states(X)[0]
    learned = np.full(T, -1)
    learned[1:n + 2] = _label(automaton, hidden[0], p[0] > 0.5)
    h_time[n + 2] = np.nan  # past the last column the hidden units hold nothing new
    return Trace(a, b, n, inputs, h_time, p_time, target, state, learned)
