"""Write tests/fixtures/lstm_torch.npz: PyTorch nn.LSTM reference values.

Run with torch installed (it is never needed at run time, nor by the tests):
    python tests/make_torch_fixture.py
The file holds the weights in nn.LSTM layout, an input batch, torch's outputs
(h for every step, the final c) and the gradients of
L = 1/2 sum over batch, steps and units of (h - Y)^2, all in float64.
"""

from pathlib import Path

import numpy as np
import torch

OUT = Path(__file__).resolve().parent / "fixtures" / "lstm_torch.npz"


def main() -> None:
    torch.manual_seed(0)
    I, H, N, T = 3, 5, 2, 7
    lstm = torch.nn.LSTM(I, H, batch_first=True).double()
    x = torch.randn(N, T, I, dtype=torch.float64)
    y = torch.randn(N, T, H, dtype=torch.float64)
    h, (_, c_n) = lstm(x)
    loss = 0.5 * ((h - y) ** 2).sum()
    loss.backward()
    arrays = {name: p.detach().numpy() for name, p in lstm.named_parameters()}
    arrays.update({f"grad_{name}": p.grad.numpy() for name, p in lstm.named_parameters()})
    arrays.update(x=x.numpy(), y=y.numpy(), h=h.detach().numpy(), c_n=c_n.detach().numpy(),
                  loss=np.array(loss.item()), torch_version=np.array(torch.__version__))
    OUT.parent.mkdir(exist_ok=True)
    np.savez(OUT, **arrays)
    print(f"wrote {OUT} (torch {torch.__version__})")


if __name__ == "__main__":
    main()
