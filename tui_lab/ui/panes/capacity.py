"""The 7a-07 sweep as tables: how many states an HMM and how many cells an LSTM
need to carry a k-bit word across a gap."""

import math

import numpy as np
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from tui_lab.sim.tasks.kbits import needed_size
from tui_lab.sim.session import Snapshot
from tui_lab.ui.panes.gridtext import shade


def _cell(v: float, chance: float) -> str:
    """'▓ 87%': a shade for the share of the way from chance to perfect, then the value."""
    if math.isnan(v):
        return "    · "
    frac = (v - chance) / (1 - chance) if chance < 1 else 1.0
    return f"{shade(frac)}{v:>4.0%} "


def _table(title: str, sizes, ks, values: np.ndarray, fmt) -> Text:
    text = Text(f"{title}\n", style="bold")
    text.append(f"{'':<8}" + "".join(f"{s:>6}" for s in sizes) + "\n", style="dim")
    for i, k in enumerate(ks):
        text.append(f"k={k:<6}" + "".join(fmt(values[i, j], k) for j in range(len(sizes)))
                    + "\n")
    return text


def capacity_text(snap: Snapshot) -> Text:
    e = snap.extra
    if "hmm_recall" not in e:
        return Text("This view shows the HMM-vs-LSTM memory sweep (7a-07).")
    ks, Ns, Hs = e["ks"], e["states"], e["cells"]
    hr, hb, lr = (np.asarray(e[n]) for n in ("hmm_recall", "hmm_bits", "lstm_recall"))
    enough = e["recalled"]
    text = Text(f"Needed for ≥{enough:.0%} recall after a wait of ~{e['gap']}\n",
                style="bold")
    text.append(f"{'k':>3} {'words 2^k':>10} {'HMM states':>11} {'LSTM cells':>11}\n",
                style="dim")
    for i, k in enumerate(ks):
        text.append(f"{k:>3} {2 ** k:>10} {needed_size(hr[i], Ns, enough):>11} "
                    f"{needed_size(lr[i], Hs, enough):>11}\n")
    text.append("\n")
    text.append(_table("HMM recall, N states", Ns, ks, hr,
                       lambda v, k: _cell(v, 2.0 ** -k)))
    text.append(_table("HMM bits carried (never above log2 N)", Ns, ks, hb,
                       lambda v, k: "    · " if math.isnan(v) else f"{max(v, 0):>5.2f} "))
    text.append(f"{'log2 N':<8}" + "".join(f"{math.log2(n):>5.2f} " for n in Ns) + "\n",
                style="dim")
    text.append("\n")
    text.append(_table("LSTM recall, H cells", Hs, ks, lr, lambda v, k: _cell(v, 2.0 ** -k)))
    text.append("shade: blank = chance (1 in 2^k), █ = all right", style="dim")
    return text


class CapacityPane(VerticalScroll):
    DEFAULT_CSS = """
    CapacityPane { height: 1fr; padding: 0 1; }
    """

    def compose(self):
        yield Static("", id="capacity")

    def show(self, snapshot: Snapshot) -> None:
        self.query_one("#capacity", Static).update(capacity_text(snapshot))
