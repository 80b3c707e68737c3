"""The HMM trellis (7a-06): time across, states down, shaded by posterior.

The observation row is on top; each state's row is shaded by P(state | all
observations); the Viterbi path is marked with ● in the row of its state (not
by colour alone), and for synthetic data the true path is given in a row
beneath. The cursor step's numbers are written out below.
"""

import numpy as np
from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Label, Static

from tui_lab.sim.session import Snapshot
from tui_lab.ui.panes.gridtext import CURSOR_BINDINGS, TimeCursor, shade, window

LABEL_W = 9


def _obs_char(v: float, categorical: bool) -> str:
    return str(int(v) + 1) if categorical else ("+" if v > 0 else "-")


def trellis_text(snap: Snapshot, cursor: int, first: int, cols: range) -> Text:
    e = snap.extra
    obs, post = np.asarray(e["observations"]), np.asarray(e["posteriors"])
    vit, true = np.asarray(e["viterbi"]), np.asarray(e["true_states"])
    names = e["state_names"]
    categorical = "emission" in snap.params
    text = Text()
    text.append(f"{'observed':<{LABEL_W}}", style="dim")
    for t in cols:
        text.append(_obs_char(obs[t], categorical), style="reverse" if t == cursor else "")
    for i in range(post.shape[1]):
        name = names[i] if i < len(names) else f"state {i + 1}"
        text.append(f"\n{name[:LABEL_W - 1]:<{LABEL_W}}", style="dim")
        for t in cols:
            ch = "●" if vit[t] == i else shade(post[t, i])
            style = "reverse" if t == cursor else ("bold" if vit[t] == i else "")
            text.append(ch, style=style)
    text.append(f"\n{'true':<{LABEL_W}}", style="dim")
    for t in cols:
        text.append(str(int(true[t]) + 1), style="reverse" if t == cursor else "dim")
    return text


class TrellisPane(TimeCursor, Vertical, can_focus=True):
    """←/→ (h/l) step, home/end jump, pgup/pgdn move by a screen."""

    DEFAULT_CSS = """
    TrellisPane { height: 1fr; padding: 0 1; }
    TrellisPane:focus { background: $boost; }
    TrellisPane Label, TrellisPane Static { height: auto; width: 100%; }
    """
    BINDINGS = [
        *CURSOR_BINDINGS,
        Binding("pageup", "move(-40)", "page back", show=False),
        Binding("pagedown", "move(40)", "page on", show=False),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.snapshot: Snapshot | None = None
        self.cursor = 0
        self.first = 0

    def compose(self):
        yield Label("", id="trellis-head")
        yield Static("", id="trellis-grid")
        yield Label("", id="trellis-numbers")

    def show(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self._draw()

    def _draw(self) -> None:
        snap = self.snapshot
        head = self.query_one("#trellis-head", Label)
        if snap is None or "posteriors" not in snap.extra:
            head.update("The trellis shows an HMM's state posteriors over time.")
            return
        post = np.asarray(snap.extra["posteriors"])
        T = len(post)
        self.cursor = min(max(self.cursor, 0), T - 1)
        width = max((self.size.width or 54) - LABEL_W - 2, 5)
        self.first, cols = window(self.first, self.cursor, width, T)
        head.update("shade = P(state | all rolls) · ● Viterbi path · ←→ PgUp PgDn")
        self.query_one("#trellis-grid", Static).update(
            trellis_text(snap, self.cursor, self.first, cols))
        t, e = self.cursor, snap.extra
        names = e["state_names"]
        probs = "  ".join(f"{names[i] if i < len(names) else i + 1} {post[t, i]:.2f}"
                          for i in range(post.shape[1]))
        vit, true = int(e["viterbi"][t]), int(e["true_states"][t])
        obs = float(e["observations"][t])
        shown = int(obs) + 1 if "emission" in snap.params else f"{obs:.2f}"
        self.query_one("#trellis-numbers", Label).update(
            f"t={t} of {T}: observed {shown}; posterior {probs}; Viterbi "
            f"{names[vit] if vit < len(names) else vit + 1}, true "
            f"{names[true] if true < len(names) else true + 1}"
            + (" ✓" if vit == true else " ✗"))

    def focus_grid(self) -> None:
        self.focus()
