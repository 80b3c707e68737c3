"""An LSTM layer with an output layer (7e): the class around `kernels/lstm.py`.

Weights can be read from and written to PyTorch's `nn.LSTM` layout, as plain
arrays in an `.npz` file (no torch needed): `weight_ih_l0` (4H, I),
`weight_hh_l0` (4H, H), `bias_ih_l0` and `bias_hh_l0` (4H,), gate order input,
forget, cell, output; optionally `out_weight` (O, H) and `out_bias` (O,) for the
output layer (a linear read-out of h otherwise absent: identity-sized zero).
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tui_lab.sim.kernels import lstm as k

OUT_KINDS = {"linear": k.LINEAR, "logistic": k.LOGISTIC, "softmax": k.SOFTMAX}
OPTIMIZERS = {"sgd": k.SGD, "adam": k.ADAM}
GATE_NAMES = ("write", "keep", "candidate", "read")  # the lecture's words, torch order
STANDARD_NAMES = ("input", "forget", "cell", "output")
# the float type training passes run in, and the integer type of its width, as
# empty arrays of those types (the kernels' fkind, ikind)
PRECISIONS = {"float64": (np.empty(0, np.float64), np.empty(0, np.int64)),
              "float32": (np.empty(0, np.float32), np.empty(0, np.int32))}


class WeightsError(ValueError):
    """A weights file that cannot be used; the message names the file and the array."""


@dataclass(frozen=True)
class LSTMTrace:
    """Everything one forward pass computed, per sequence and step."""

    write: np.ndarray  # (N, T, H) input gate
    keep: np.ndarray  # (N, T, H) forget gate
    candidate: np.ndarray  # (N, T, H) g
    read: np.ndarray  # (N, T, H) output gate
    cell: np.ndarray  # (N, T, H)
    hidden: np.ndarray  # (N, T, H)
    output: np.ndarray  # (N, T, O) after the output nonlinearity


class LSTM:
    """I inputs -> H LSTM cells -> O outputs (linear, logistic or softmax)."""

    SAVED = ("theta", "opt_state")

    def __init__(self, n_in: int, hidden: int, n_out: int, rng: np.random.Generator, *,
                 output: str = "logistic", init_scale: float | None = None,
                 forget_bias: float = 1.0, precision: str = "float64") -> None:
        self.I, self.H, self.O = int(n_in), int(hidden), int(n_out)
        self.precision = precision  # of the training passes; weights stay float64
        self.out_kind = OUT_KINDS[output]
        scale = 1.0 / np.sqrt(self.H) if init_scale is None else init_scale
        self.theta = rng.uniform(-scale, scale, k.n_params(self.I, self.H, self.O))
        p = self.views()
        p["b"][self.H:2 * self.H] = forget_bias  # keep gates start open
        self.opt_state = np.zeros((3, len(self.theta)))

    # ----------------------------------------------------------------- layout
    def views(self) -> dict[str, np.ndarray]:
        """Views (not copies) of W (4H, I), U (4H, H), b (4H,), V (O, H), d (O,)."""
        I, H, O = self.I, self.H, self.O
        ends = np.cumsum([0, 4 * H * I, 4 * H * H, 4 * H, O * H, O])
        shapes = [(4 * H, I), (4 * H, H), (4 * H,), (O, H), (O,)]
        return {n: self.theta[ends[i]:ends[i + 1]].reshape(shapes[i])
                for i, n in enumerate(["W", "U", "b", "V", "d"])}

    def params(self) -> dict[str, np.ndarray]:
        return {n: v.copy() for n, v in self.views().items()}

    def is_finite(self) -> bool:
        return bool(np.isfinite(self.theta).all())

    def reset_optimizer(self) -> None:
        self.opt_state[:] = 0.0

    # --------------------------------------------------------------- numerics
    def train_chunk(self, X, Y, M, idx, batch, optimizer, lr, momentum, clip) -> np.ndarray:
        """Run len(idx) // batch updates; return the losses of those done."""
        n = len(idx) // batch
        losses = np.empty(n)
        done = k.train_chunk(self.theta, self.opt_state, self.H, self.O, X, Y, M,
                             self.out_kind, idx.astype(np.int64, copy=False), batch,
                             OPTIMIZERS[optimizer], float(lr), float(momentum), float(clip),
                             losses, *PRECISIONS[self.precision])
        return losses[: done + (1 if done < n else 0)]

    def warmup(self, X, Y, M, precisions=tuple(PRECISIONS)) -> None:
        """Compile (or load from the cache) the training kernels, one chunk per
        optimiser in each of `precisions`, and the traced forward pass. Changes
        the weights: for a throwaway net."""
        for self.precision in precisions:
            for optimizer in OPTIMIZERS:
                self.train_chunk(X, Y, M, np.zeros(2, np.int64), 1, optimizer, 0.1, 0.5, 1.0)
        self.run(X)

    def loss_grad(self, X, Y, M) -> tuple[float, np.ndarray]:
        grad = np.empty_like(self.theta)
        loss = k.loss_grad(self.theta, self.H, self.O, X, Y, M, self.out_kind, grad,
                           *PRECISIONS[self.precision])
        return float(loss), grad

    def run(self, X: np.ndarray) -> LSTMTrace:
        """Forward X (N, T, I) and keep every gate, cell and output."""
        N, T, _ = X.shape
        H = self.H
        gates = np.empty((N, T, 4 * H))
        cs = np.empty((N, T, H))
        hs = np.empty((N, T, H))
        z = np.empty((N, T, self.O))
        k.run(self.theta, H, self.O, X, gates, cs, hs, z)
        if self.out_kind == k.LOGISTIC:
            out = 1.0 / (1.0 + np.exp(-z))
        elif self.out_kind == k.SOFTMAX:
            e = np.exp(z - z.max(-1, keepdims=True))
            out = e / e.sum(-1, keepdims=True)
        else:
            out = z
        return LSTMTrace(gates[..., :H], gates[..., H:2 * H], gates[..., 2 * H:3 * H],
                         gates[..., 3 * H:], cs, hs, out)

    def state_grads(self, x, y, mask) -> tuple[np.ndarray, np.ndarray]:
        """d loss / d h[t] and d loss / d c[t], each (T, H), for one sequence."""
        T = len(x)
        dh = np.empty((T, self.H))
        dc = np.empty((T, self.H))
        k.state_grads(self.theta, self.H, self.O, x, y, mask, self.out_kind, dh, dc)
        return dh, dc

    # ------------------------------------------------------------ torch files
    def to_torch_arrays(self) -> dict[str, np.ndarray]:
        """PyTorch nn.LSTM names (the bias all in bias_ih_l0), plus the output layer."""
        p = self.views()
        return {"weight_ih_l0": p["W"].copy(), "weight_hh_l0": p["U"].copy(),
                "bias_ih_l0": p["b"].copy(), "bias_hh_l0": np.zeros(4 * self.H),
                "out_weight": p["V"].copy(), "out_bias": p["d"].copy()}

    @classmethod
    def from_torch_arrays(cls, arrays: dict, source: str = "<arrays>",
                          output: str = "linear") -> "LSTM":
        """Build from nn.LSTM arrays; without out_weight the output is h itself."""
        for name in ("weight_ih_l0", "weight_hh_l0"):
            if name not in arrays:
                raise WeightsError(f"{source}: missing array {name!r} (expected PyTorch "
                                   "nn.LSTM names: weight_ih_l0, weight_hh_l0, "
                                   "bias_ih_l0, bias_hh_l0)")
        W = np.asarray(arrays["weight_ih_l0"], dtype=np.float64)
        U = np.asarray(arrays["weight_hh_l0"], dtype=np.float64)
        if W.ndim != 2 or W.shape[0] % 4 or W.shape[0] == 0:
            raise WeightsError(f"{source}: weight_ih_l0 has shape {W.shape}; expected "
                               "(4H, I)")
        H, I = W.shape[0] // 4, W.shape[1]
        _expect(U, (4 * H, H), "weight_hh_l0", source)
        b = np.zeros(4 * H)
        for name in ("bias_ih_l0", "bias_hh_l0"):
            if name in arrays:
                b += _expect(np.asarray(arrays[name], dtype=np.float64), (4 * H,), name, source)
        V = arrays.get("out_weight")
        V = np.eye(H) if V is None else np.asarray(V, dtype=np.float64)
        if V.ndim != 2 or V.shape[1] != H:
            raise WeightsError(f"{source}: out_weight has shape {V.shape}; expected (O, {H})")
        d = np.asarray(arrays.get("out_bias", np.zeros(len(V))), dtype=np.float64)
        _expect(d, (len(V),), "out_bias", source)
        net = cls(I, H, len(V), np.random.default_rng(0), output=output)
        p = net.views()
        p["W"][:], p["U"][:], p["b"][:], p["V"][:], p["d"][:] = W, U, b, V, d
        if not net.is_finite():
            raise WeightsError(f"{source}: the weights contain NaN or infinite values")
        return net

    @classmethod
    def load_npz(cls, path: str | Path, output: str = "linear") -> "LSTM":
        """Read PyTorch-layout weights from an .npz file (allow_pickle=False)."""
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {name: data[name] for name in data.files}
        except FileNotFoundError:
            raise WeightsError(f"{path}: no such file") from None
        except (OSError, ValueError) as exc:
            raise WeightsError(f"{path}: not a readable .npz file of arrays ({exc})") from None
        return cls.from_torch_arrays(arrays, str(path), output)


def _expect(a: np.ndarray, shape: tuple, name: str, source: str) -> np.ndarray:
    if a.shape != shape:
        raise WeightsError(f"{source}: {name} has shape {a.shape}; expected {shape}")
    return a
