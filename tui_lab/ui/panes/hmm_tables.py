"""The HMM's learned transition and emission tables beside the true ones (7a-06)."""

import numpy as np
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from tui_lab.sim.session import Snapshot


def _matrix(title: str, learned: np.ndarray, true: np.ndarray | None, rows, cols) -> Text:
    """Learned rows, each with the true row beneath it (dim) when known."""
    text = Text(f"{title}\n", style="bold")
    text.append(f"{'':<9}" + "".join(f"{c:>6}" for c in cols) + "\n", style="dim")
    for i, name in enumerate(rows):
        text.append(f"{name[:8]:<9}" + "".join(f"{v:6.2f}" for v in learned[i]) + "\n")
        if true is not None and i < len(true):
            text.append(f"{'  true':<9}" + "".join(f"{v:6.2f}" for v in true[i]) + "\n",
                        style="dim")
    return text


def tables_text(snap: Snapshot) -> Text:
    if "transmat" not in snap.params:
        return Text("The tables show an HMM's parameters.")
    p, true = snap.params, dict(snap.extra.get("true_params", {}))
    names = list(snap.extra.get("state_names", ()))
    N = len(p["transmat"])
    rows = [names[i] if i < len(names) else f"state {i + 1}" for i in range(N)]
    text = _matrix("transitions P(next | now)", np.asarray(p["transmat"]),
                   true.get("transmat"), rows, [r[:5] for r in rows])
    if "emission" in p:
        K = np.asarray(p["emission"]).shape[1]
        text.append("\n")
        text.append(_matrix("emissions P(face | die)" if K == 6 else "emissions",
                            np.asarray(p["emission"]), true.get("emission"), rows,
                            [str(k + 1) for k in range(K)]))
    else:
        text.append("\n")
        text.append(_matrix("Gaussian emissions", np.column_stack([p["means"], p["stds"]]),
                            None if "means" not in true else
                            np.column_stack([true["means"], true["stds"]]),
                            rows, ["mean", "std"]))
    m = snap.metrics
    text.append(f"\nlog-likelihood per step {m['log-lik/step']:.4f} "
                f"(true model {m['true model']:.4f}); Viterbi right {m['Viterbi right']:.1%}\n")
    text.append("Learned states are matched to the true ones by the Viterbi path.",
                style="dim")
    return text


class HMMTablesPane(VerticalScroll):
    DEFAULT_CSS = """
    HMMTablesPane { height: 1fr; padding: 0 1; }
    """

    def compose(self):
        yield Static("", id="hmm-tables")

    def show(self, snapshot: Snapshot) -> None:
        self.query_one("#hmm-tables", Static).update(tables_text(snapshot))
