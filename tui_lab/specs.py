"""The parameter tables a scenario file may hold, as frozen dataclasses.

Each table of a scenario (`[model]`, `[task]`, `[training]`) is validated against
one of these dataclasses by `tui_lab.scenario`. A field's metadata carries its
limits (`min`, `max`, `choices`) and a one-line `doc`; the loader derives the
checks and the error messages from them, so adding a model or a task is a matter
of adding a dataclass here and registering it in `MODEL_SPECS` or `TASK_SPECS`.

Limits are deliberately generous but finite: a scenario asking for a hidden layer
of 10^9 units or 10^12 updates is refused with the limit, never attempted.
"""

from dataclasses import dataclass, field
from typing import Any, ClassVar


def spec(default: Any = None, *, doc: str, min: float | None = None,
         max: float | None = None, choices: tuple = (), required: bool = False) -> Any:
    """A dataclass field with validation metadata (see module docstring)."""
    meta = {"doc": doc, "min": min, "max": max, "choices": choices}
    if required:
        return field(metadata=meta)
    if isinstance(default, (list, dict, set)):
        raise TypeError("use a tuple for sequence defaults")
    return field(default=default, metadata=meta)


MAX_UPDATES = 1_000_000_000


def precision_spec() -> Any:
    """The float type an LSTM's training passes run in."""
    return spec("float32", doc="float type of the LSTM training passes: float32 as in PyTorch "
                "(1.4-1.5x faster at 32 cells) or float64; the weights and the optimiser stay "
                "float64", choices=("float32", "float64"))


@dataclass(frozen=True)
class RNNSpec:
    """A recurrent net of logistic units (7a-08, 7c-05)."""

    LABEL: ClassVar[str] = "RNN (7b, 7c)"

    hidden: int = spec(3, doc="hidden units, fully interconnected", min=1, max=512)
    learn_initial_state: bool = spec(
        True, doc="learn the initial hidden state by its gradient (7b-05)")
    initial_state: float = spec(
        0.5, doc="initial hidden activity (kept fixed unless learned)", min=0.0, max=1.0)
    init_scale: float = spec(
        1.0, doc="standard deviation of the random initial weights", min=0.0, max=100.0)


@dataclass(frozen=True)
class FeedForwardSpec:
    """A memoryless net with one hidden layer that sees every bit at once (7a-03)."""

    LABEL: ClassVar[str] = "Feed-forward (7a-03)"

    width: int = spec(16, doc="bits per number the net takes, fixed when it is built",
                      min=1, max=64)
    hidden: int = spec(256, doc="logistic hidden units", min=1, max=4096)
    init_scale: float = spec(
        0.1, doc="standard deviation of the random initial weights", min=0.0, max=100.0)

    def check_task(self, task: Any) -> list[tuple[str, str]]:
        """(key, message) for task settings this net cannot take."""
        problems = []
        if getattr(task, "bits", 0) > self.width:
            problems.append(("task.bits", f"expected at most model.width = {self.width}: "
                             "the net's inputs are fixed when it is built"))
        for i, n in enumerate(getattr(task, "test_lengths", ())):
            if n > self.width:
                problems.append((f"task.test_lengths[{i}]", f"expected at most model.width "
                                 f"= {self.width}; a {self.width}-bit net cannot take "
                                 f"{n}-bit numbers"))
        return problems


@dataclass(frozen=True)
class LSTMSpec:
    """Long short-term memory cells (7e-02, 7e-03) with an output layer."""

    LABEL: ClassVar[str] = "LSTM (7d, 7e)"
    OPTIMIZERS: ClassVar[tuple] = ("sgd", "adam")

    hidden: int = spec(8, doc="memory cells", min=1, max=1024)
    forget_bias: float = spec(
        1.0, doc="initial bias of the keep (forget) gates", min=-20.0, max=20.0)
    init_scale: float = spec(
        0.0, doc="half-width of the uniform initial weights (0 = 1/sqrt(hidden))",
        min=0.0, max=100.0)
    output: str = spec("logistic", doc="output units",
                       choices=("linear", "logistic", "softmax"))
    precision: str = precision_spec()


@dataclass(frozen=True)
class MemoryCellSpec:
    """One memory cell whose input and gates are given per step (7e-03, 7e-04)."""

    LABEL: ClassVar[str] = "Memory cell (7e-04)"

    inputs: tuple[float, ...] = spec(
        required=True, doc="value arriving from the rest of the net, per step",
        min=-1e6, max=1e6)
    keep: tuple[float, ...] = spec(required=True, doc="keep (forget) gate per step",
                                   min=0.0, max=1.0)
    write: tuple[float, ...] = spec(required=True, doc="write (input) gate per step",
                                    min=0.0, max=1.0)
    read: tuple[float, ...] = spec(required=True, doc="read (output) gate per step",
                                   min=0.0, max=1.0)

    def check_task(self, task: Any) -> list[tuple[str, str]]:
        T = len(self.inputs)
        problems = [] if T else [("model.inputs", "expected at least one step")]
        for name in ("keep", "write", "read"):
            if len(getattr(self, name)) != T:
                problems.append((f"model.{name}", f"expected {T} values, one per step "
                                 f"(as many as model.inputs), got {len(getattr(self, name))}"))
        return problems


@dataclass(frozen=True)
class LSTMFileSpec:
    """Your own trained LSTM: PyTorch nn.LSTM weights and an input sequence."""

    LABEL: ClassVar[str] = "LSTM from a file"

    weights: str = spec(required=True, doc=".npz of nn.LSTM arrays (weight_ih_l0, ...), "
                        "relative to the scenario file")
    inputs: str = spec(required=True, doc="input sequence, .npy or .csv of shape (T, I)")
    output: str = spec("linear", doc="output units", choices=("linear", "logistic", "softmax"))


@dataclass(frozen=True)
class HMMSpec:
    """A hidden Markov model (7a-06): N discrete states, learned by Baum-Welch."""

    LABEL: ClassVar[str] = "HMM (7a-06)"

    states: int = spec(2, doc="hidden states N", min=1, max=64)
    init: str = spec("random", doc="starting parameters for Baum-Welch",
                     choices=("random", "uniform"))


@dataclass(frozen=True)
class MemorySweepSpec:
    """HMMs of 1, 2, 4, ... states against LSTMs of 1, 2, ... cells (7a-07)."""

    LABEL: ClassVar[str] = "HMM vs LSTM (7a-07)"
    OPTIMIZERS: ClassVar[tuple] = ("sgd", "adam")

    states: int = spec(32, doc="largest HMM tried: N = 1, 2, 4, ... up to this", min=1,
                       max=64)
    restarts: int = spec(10, doc="Baum-Welch runs from different starts per N (the one "
                         "with the best training likelihood is kept)", min=1, max=100)
    em_iterations: int = spec(300, doc="Baum-Welch iterations per run at most", min=1,
                              max=100_000)
    cells: int = spec(6, doc="largest LSTM tried: H = 1, 2, ... up to this many cells",
                      min=1, max=64)
    seeds: int = spec(3, doc="LSTM runs from different seeds per H (the best is kept)",
                      min=1, max=100)
    lstm_updates: int = spec(3000, doc="LSTM updates per run at most", min=1,
                             max=MAX_UPDATES)
    forget_bias: float = spec(1.0, doc="initial bias of the LSTM's keep (forget) gates",
                              min=-20.0, max=20.0)
    precision: str = precision_spec()


@dataclass(frozen=True)
class KBitsSpec:
    """Carry a k-bit word across a gap and give it back (7a-07)."""

    max_bits: int = spec(4, doc="words of k = 1 .. max_bits bits are tried", min=1, max=6)
    gap: int = spec(5, doc="mean wait between the word and its recall (random, at most 4x)",
                    min=1, max=500)
    sequences: int = spec(400, doc="training sequences per k", min=10, max=100_000)
    heldout: int = spec(512, doc="held-out sequences per k", min=10, max=100_000)


@dataclass(frozen=True)
class CasinoSpec:
    """The dishonest casino: a fair and a loaded die, switched now and then."""

    to_loaded: float = spec(0.05, doc="P(fair -> loaded) per roll", min=0.0, max=1.0)
    to_fair: float = spec(0.1, doc="P(loaded -> fair) per roll", min=0.0, max=1.0)
    loaded_six: float = spec(0.5, doc="P(six) with the loaded die", min=0.0, max=1.0)
    length: int = spec(3000, doc="rolls to learn from", min=10, max=10_000_000)


@dataclass(frozen=True)
class RegimesSpec:
    """A 1-D signal whose Gaussian mean and spread switch with a hidden regime."""

    means: tuple[float, ...] = spec((-1.0, 0.5, 2.0), doc="mean of each regime",
                                    min=-1e6, max=1e6)
    stds: tuple[float, ...] = spec((0.5, 0.3, 0.8), doc="standard deviation of each regime",
                                   min=1e-6, max=1e6)
    stay: float = spec(0.97, doc="probability of staying in a regime per step",
                       min=0.0, max=1.0)
    length: int = spec(3000, doc="samples to learn from", min=10, max=10_000_000)


@dataclass(frozen=True)
class LDSSpec:
    """A linear dynamical system (7a-05): Kalman filter, smoother and EM."""

    LABEL: ClassVar[str] = "LDS / Kalman (7a-05)"

    learn: bool = spec(False, doc="learn the parameters by EM (one update = one "
                       "iteration) instead of filtering with the true ones")
    init_scale: float = spec(0.5, doc="EM start: random matrices of this scale",
                             min=0.0, max=100.0)


@dataclass(frozen=True)
class TrackingSpec:
    """Track an object with constant velocity from noisy positions."""

    dt: float = spec(1.0, doc="time step", min=1e-6, max=1e3)
    accel_noise: float = spec(0.2, doc="std of the random acceleration", min=0.0, max=1e3)
    obs_noise: float = spec(3.0, doc="std of the position measurement", min=1e-6, max=1e6)
    length: int = spec(300, doc="time steps", min=2, max=10_000_000)
    missing_from: int = spec(-1, doc="first step of a stretch with no observations "
                             "(-1: none)", min=-1, max=10_000_000)
    missing_steps: int = spec(0, doc="length of that stretch", min=0, max=10_000_000)


@dataclass(frozen=True)
class OscillatorSpec:
    """A noisy rotation (a planet seen edge-on) observed through one coordinate."""

    period: float = spec(40.0, doc="steps per revolution", min=2.0, max=1e6)
    damping: float = spec(0.999, doc="shrink per step", min=0.0, max=1.0)
    process_noise: float = spec(0.1, doc="std of the state noise", min=0.0, max=1e3)
    obs_noise: float = spec(1.0, doc="std of the measurement", min=1e-6, max=1e6)
    length: int = spec(400, doc="time steps", min=2, max=10_000_000)
    missing_from: int = spec(-1, doc="first step with no observations (-1: none)",
                             min=-1, max=10_000_000)
    missing_steps: int = spec(0, doc="length of that stretch", min=0, max=10_000_000)


@dataclass(frozen=True)
class GivenSpec:
    """No task: the model's values are given and the student steps through them."""


@dataclass(frozen=True)
class DelaySpec:
    """Output a marked bit `delay` steps later, past distractors (7d-03, 7e)."""

    delay: int = spec(50, doc="steps between the marked value and its recall",
                      min=1, max=2000)
    prefix: int = spec(5, doc="early steps where the marked value can be", min=1, max=200)
    train_sequences: int = spec(4000, doc="training sequences", min=10, max=200_000)
    heldout: int = spec(500, doc="held-out sequences", min=10, max=100_000)


@dataclass(frozen=True)
class BinaryAdditionSpec:
    """Adding two binary numbers one column at a time (7c-02 .. 7c-06)."""

    bits: int = spec(8, doc="bits of each training number", min=1, max=16)
    heldout: int = spec(
        1000, doc="held-out pairs, never trained on", min=10, max=100_000)
    test_lengths: tuple[int, ...] = spec(
        (16, 32, 64), doc="number lengths (bits) to test generalisation on", min=1, max=64)
    test_pairs: int = spec(
        200, doc="random pairs per test length", min=10, max=100_000)


@dataclass(frozen=True)
class TrainingSpec:
    """How a scenario trains."""

    optimizer: str = spec("sgd", doc="optimiser (adam for models that offer it)",
                          choices=("sgd", "adam"))
    learning_rate: float = spec(0.05, doc="step size", min=1e-9, max=1e3)
    momentum: float = spec(0.5, doc="momentum (0 = plain SGD)", min=0.0, max=0.999)
    clip: float = spec(
        0.0, doc="gradient-norm clip (0 = off)", min=0.0, max=1e6)
    batch: int = spec(1, doc="sequences per update", min=1, max=4096)
    seed: int = spec(1, doc="random seed", min=0, max=2**63 - 1)
    updates: int = spec(
        2_000_000, doc="update budget", min=1, max=MAX_UPDATES)
    eval_every: int = spec(
        250, doc="updates between held-out evaluations", min=1, max=1_000_000)
    stuck_after: int = spec(
        30_000, doc="updates without progress before a run counts as stuck",
        min=100, max=MAX_UPDATES)
    restart_when_stuck: bool = spec(
        True, doc="restart from a new seed when stuck (restarts are counted)")
    max_restarts: int = spec(50, doc="restarts allowed", min=0, max=10_000)
    target_accuracy: float = spec(
        1.0, doc="held-out accuracy at which a run counts as learned", min=0.0, max=1.0)
    pace: int = spec(
        1000, doc="updates per second the app trains at to start with (0 = full speed)",
        min=0, max=10_000_000)


MODEL_SPECS: dict[str, type] = {"rnn": RNNSpec, "lstm": LSTMSpec, "ffn": FeedForwardSpec,
                                "memory_cell": MemoryCellSpec, "lstm_file": LSTMFileSpec,
                                "hmm": HMMSpec, "memory_sweep": MemorySweepSpec,
                                "lds": LDSSpec}
"""Model kinds a scenario may name in `model.kind`."""

TASK_SPECS: dict[str, type] = {"binary_addition": BinaryAdditionSpec, "delay": DelaySpec,
                               "given": GivenSpec, "casino": CasinoSpec,
                               "regimes": RegimesSpec, "kbits": KBitsSpec, "tracking": TrackingSpec,
                               "oscillator": OscillatorSpec}
"""Task kinds a scenario may name in `task.kind`."""
