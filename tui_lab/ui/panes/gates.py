"""The gate viewer (7e-03): keep / write / read gates and cells over time.

One heatmap at a time (g cycles through them), cells down and time across, for
a probe sequence; the selected cell's four traces are drawn as lines below, and
the cursor step's values are given in numbers. Live during training.
"""

import numpy as np
from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Label, Static
from textual_plotext import PlotextPlot

from tui_lab.sim.session import Snapshot
from tui_lab.ui.panes.gridtext import CURSOR_BINDINGS, RedrawGate, TimeCursor, shade, window

MAPS = (("keep", "keep gate (forget)"), ("write", "write gate (input)"),
        ("read", "read gate (output)"), ("cell", "cell value"),
        ("hidden", "hidden units"))
LABEL_W = 7


def heatmap_text(values: np.ndarray, cursor: int, first: int, cols: range,
                 selected: int, rows: range, inputs: np.ndarray | None) -> Text:
    """values (T, H) as shade characters, time across, one row per cell."""
    lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
    span = hi - lo if hi > lo else 1.0
    text = Text()
    if inputs is not None:
        text.append(f"{'input':<{LABEL_W}}", style="dim")
        for t in cols:
            mark = "M" if inputs[t, 1] else ("R" if inputs[t, 2] else str(int(inputs[t, 0])))
            text.append(mark, style="reverse" if t == cursor else "bold" if mark in "MR" else "dim")
        text.append("\n")
    for j in rows:
        text.append(f"{'►' if j == selected else ' '}cell {j + 1:<{LABEL_W - 6}}",
                    style="bold" if j == selected else "dim")
        for t in cols:
            text.append(shade((values[t, j] - lo) / span),
                        style="reverse" if t == cursor else "")
        text.append("\n")
    text.append(f"{'':<{LABEL_W}}░ {lo:.2f} … █ {hi:.2f}", style="dim")
    return text


class GatesPane(TimeCursor, Vertical, can_focus=True):
    """Heatmap + numbers + the selected cell's traces. Keys: g map, ←→ step, ↑↓ cell."""

    DEFAULT_CSS = """
    GatesPane { height: 1fr; padding: 0 1; }
    GatesPane:focus { background: $boost; }
    GatesPane #gates-head, GatesPane #gates-numbers { height: auto; width: 100%; }
    GatesPane #gates-map { height: auto; }
    GatesPane PlotextPlot { height: 1fr; min-height: 5; }
    """
    BINDINGS = [
        Binding("g", "next_map", "next map", show=False),
        *CURSOR_BINDINGS,
        Binding("up,k", "cell(-1)", "cell up", show=False),
        Binding("down,j", "cell(1)", "cell down", show=False),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.snapshot: Snapshot | None = None
        self.map_index = 0
        self.cursor = 0
        self.first = 0
        self.cell = 0
        self._plot_gate = RedrawGate()

    def compose(self):
        yield Label("", id="gates-head")
        yield Static("", id="gates-map")
        yield Label("", id="gates-numbers")
        yield PlotextPlot(id="gates-plot")

    def show(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self._draw()

    def _gates(self) -> dict:
        return dict(self.snapshot.extra.get("gates", {})) if self.snapshot else {}

    def _maps(self) -> list[tuple[str, str]]:
        g = self._gates()
        return [(k, label) for k, label in MAPS if k in g]

    def action_next_map(self) -> None:
        self.map_index = (self.map_index + 1) % max(len(self._maps()), 1)
        self._draw()

    def action_cell(self, d: int) -> None:
        self.cell += d
        self._draw()

    def _draw(self) -> None:
        maps, g = self._maps(), self._gates()
        head = self.query_one("#gates-head", Label)
        if not maps:
            head.update("The gate viewer shows LSTM cells (or an RNN's hidden units) on a "
                        "probe sequence.")
            return
        key, label = maps[self.map_index % len(maps)]
        values = np.asarray(g[key])
        T, H = values.shape
        self.cursor = min(max(self.cursor, 0), T - 1)
        self.cell = min(max(self.cell, 0), H - 1)
        width = (self.size.width or 54) - LABEL_W - 2
        self.first, cols = window(self.first, self.cursor, max(width, 5), T)
        rows_visible = 8
        top = min(max(self.cell - rows_visible // 2, 0), max(H - rows_visible, 0))
        inputs = self.snapshot.extra.get("probe_inputs")
        head.update(f"[b]{label}[/b]  g next map · ←→ step · ↑↓ cell"
                    + (f"  (answer at t={self.snapshot.extra['answer_step']})"
                       if "answer_step" in self.snapshot.extra else ""))
        self.query_one("#gates-map", Static).update(heatmap_text(
            values, self.cursor, self.first, cols, self.cell,
            range(top, min(top + rows_visible, H)), inputs))
        t, j = self.cursor, self.cell
        nums = [f"{name} {float(np.asarray(g[name])[t, j]):.2f}" for name, _ in maps]
        out = g.get("output")
        extra = f"  net output {float(np.asarray(out)[t]):.2f}" if out is not None else ""
        self.query_one("#gates-numbers", Label).update(
            f"t={t} cell {j + 1}: " + "  ".join(nums) + extra)
        self._plot(maps, g, j)

    def _plot(self, maps, g, j) -> None:
        if not self._plot_gate.due((self.snapshot.seed, j, self.snapshot.scenario),
                                   self.snapshot.updates):
            return
        plot = self.query_one(PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        markers = {"keep": "braille", "write": "+", "read": "x", "cell": "dot",
                   "hidden": "braille"}
        for name, _ in maps:
            series = np.asarray(g[name])[:, j]
            plt.plot(list(range(len(series))), series.tolist(), marker=markers.get(name, "dot"),
                     label=name)
        plt.title(f"cell {j + 1} over time")
        plot.refresh()
