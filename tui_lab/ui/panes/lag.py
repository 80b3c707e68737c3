"""Gradient norm against time lag (7d-03): vanishing and exploding, on a log scale."""

from dataclasses import dataclass

import numpy as np
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Label
from textual_plotext import PlotextPlot

from tui_lab.sim.session import Snapshot
from tui_lab.ui.panes.gridtext import RedrawGate


class LagPane(Vertical, can_focus=True):
    """log10 |d loss / d state k steps back| against k; < and > rescale the RNN."""

    DEFAULT_CSS = """
    LagPane { height: 1fr; padding: 0 1; }
    LagPane:focus { background: $boost; }
    LagPane Label { height: auto; width: 100%; }
    LagPane PlotextPlot { height: 1fr; }
    """
    BINDINGS = [
        Binding("less_than_sign,comma", "scale(False)", "smaller U", show=False),
        Binding("greater_than_sign,full_stop", "scale(True)", "larger U", show=False),
    ]

    @dataclass
    class ScaleRequested(Message):
        """Grow (up) or shrink the probe RNN's recurrent weights."""

        up: bool

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._gate = RedrawGate()

    def compose(self):
        yield Label("", id="lag-head")
        yield PlotextPlot(id="lag-plot")
        yield Label("", id="lag-numbers")

    def action_scale(self, up: bool) -> None:
        self.post_message(self.ScaleRequested(up))

    def show(self, snapshot: Snapshot) -> None:
        lag = snapshot.extra.get("lag")
        head = self.query_one("#lag-head", Label)
        if not lag:
            head.update("Gradient against lag is shown for the delay-task scenarios.")
            return
        head.update(f"[b]log10 |∂loss/∂state|, k steps before the answer[/b]   "
                    f"< > rescale U (now {snapshot.extra['lag_scale']:g})")
        if not self._gate.due((snapshot.seed, snapshot.extra["lag_scale"], snapshot.scenario),
                              snapshot.updates):
            return
        plt = self.query_one(PlotextPlot).plt
        plt.clear_data()
        numbers = []
        for (name, norms), marker in zip(lag.items(), ("braille", "+")):
            logs = np.log10(np.maximum(np.asarray(norms), 1e-300))
            plt.plot(list(range(len(logs))), logs.tolist(), marker=marker, label=name)
            numbers.append(f"{name}: lag 0 1e{logs[0]:.0f}, lag {len(logs) - 1} "
                           f"1e{logs[-1]:.0f}")
        plt.xlabel("lag k (steps back)")
        self.query_one(PlotextPlot).refresh()
        self.query_one("#lag-numbers", Label).update("\n".join(numbers))
