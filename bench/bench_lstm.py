"""Benchmark the LSTM kernel: forward + backward time steps per second.

Input 4, sequence length 50, hidden 8, 32 and 128, batch 1 and 16; our kernels
with their passes in float64 and in float32 (the weights stay float64 either
way), against the plain-NumPy twin (float64) in the same run, and against
torch's nn.LSTM (float32, one thread) when torch is installed (optional). Run
from the repository root:
    python bench/bench_lstm.py
"""

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.twins import lstm_np  # noqa: E402
from tui_lab.sim.lstm import LSTM  # noqa: E402

I, T = 4, 50


def rate(fn, steps_per_call: int, min_seconds: float = 0.5) -> float:
    """Best time steps per second over repeated calls for about min_seconds."""
    fn()
    best, spent = 0.0, 0.0
    while spent < min_seconds:
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        spent += dt
        best = max(best, steps_per_call / dt)
    return best


def ours(H: int, N: int, precision: str):
    rng = np.random.default_rng(0)
    net = LSTM(I, H, 1, rng, output="linear", precision=precision)
    X, Y, M = rng.normal(size=(N, T, I)), rng.normal(size=(N, T, 1)), np.ones((N, T))
    return lambda: net.loss_grad(X, Y, M), net, X, Y, M


def twin(net, X, Y, M):
    return lambda: lstm_np.loss_grad(net.theta, I, net.H, 1, X, Y, M, 0)


def torch_fn(H: int, N: int):
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    lstm = torch.nn.LSTM(I, H, batch_first=True)
    head = torch.nn.Linear(H, 1)
    x = torch.randn(N, T, I)
    y = torch.randn(N, T, 1)

    def step():
        lstm.zero_grad()
        head.zero_grad()
        out, _ = lstm(x)
        loss = 0.5 * ((head(out) - y) ** 2).sum() / N
        loss.backward()
    return step


def main() -> None:
    print("LSTM forward + backward, input 4, 50 steps: time steps per second")
    print(f"{'hidden':>6} {'batch':>5} {'ours f64':>10} {'numpy f64':>10} {'ratio':>6} "
          f"{'ours f32':>10} {'torch f32':>10} {'f32 vs torch':>12} {'f64 vs torch':>12}")
    for H in (8, 32, 128):
        for N in (1, 16):
            fn64, net, X, Y, M = ours(H, N, "float64")
            fn32 = ours(H, N, "float32")[0]
            t = torch_fn(H, N)
            f64, f32 = rate(fn64, N * T), rate(fn32, N * T)
            slow = rate(twin(net, X, Y, M), N * T, 0.3)
            ref = rate(t, N * T) if t else float("nan")
            print(f"{H:>6} {N:>5} {f64:>10,.0f} {slow:>10,.0f} {f64 / slow:>5.1f}x "
                  f"{f32:>10,.0f} {ref:>10,.0f} {f32 / ref:>11.1f}x {f64 / ref:>11.1f}x")
    print("(torch: nn.LSTM + nn.Linear, float32, torch.set_num_threads(1); "
          "nan when torch is not installed)")


if __name__ == "__main__":
    main()
