"""The Kalman filter, step by step (7a-05): truth, observations, the filtered
estimate with its ±2σ band and the smoothed estimate, over a window of time.

Keys: ←/→ step (home/end), t o f b m toggle truth, observations, filtered,
band and smoothed; r plots everything minus the truth (the errors, on a scale
where the band is visible); c shows the other state component; p the phase
plane (first component against the second). The cursor step's predict / update
numbers are written out below; the status line has the summary (RMSEs, band
coverage).
"""

import numpy as np
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Label
from textual_plotext import PlotextPlot

from tui_lab.sim.session import Snapshot
from tui_lab.ui.panes.gridtext import CURSOR_BINDINGS, TimeCursor

WINDOW = 40  # time steps shown around the cursor
SERIES = {"t": "truth", "o": "observations", "f": "filtered", "b": "band", "m": "smoothed"}


def step_text(e, t: int, comp: int) -> str:
    """Predict / observe / update for step t, component comp."""
    name = e["state_names"][comp]
    y = float(e["observations"][t])
    pm, pv = float(e["predicted_mean"][t, comp]), float(e["predicted_var"][t, comp])
    fm, fv = float(e["filtered_mean"][t, comp]), float(e["filtered_var"][t, comp])
    k = float(e["gain"][t, comp])
    truth = f"; truth {float(e['truth'][t, comp]):.2f}" if not e["learned"] else ""
    seen = "no observation (missing): no update" if np.isnan(y) else f"observe {y:.2f}"
    return (f"t={t} {name}: predict {pm:.2f} ± {2 * np.sqrt(pv):.2f} → {seen} → "
            f"gain {k:.3f} → update {fm:.2f} ± {2 * np.sqrt(fv):.2f}{truth}")


class KalmanPane(TimeCursor, Vertical, can_focus=True):
    DEFAULT_CSS = """
    KalmanPane { height: 1fr; padding: 0 1; }
    KalmanPane:focus { background: $boost; }
    KalmanPane Label { height: auto; width: 100%; }
    KalmanPane PlotextPlot { height: 1fr; min-height: 6; }
    """
    BINDINGS = [
        *CURSOR_BINDINGS,
        *[Binding(key, f"toggle('{key}')", f"toggle {name}", show=False)
          for key, name in SERIES.items()],
        Binding("c", "component", "other component", show=False),
        Binding("r", "relative", "errors", show=False),
        Binding("p", "phase", "phase plane", show=False),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.snapshot: Snapshot | None = None
        self.cursor = 0
        self.comp = 0
        self.phase = False
        self.relative = True  # minus the truth, when there is one
        self.shown = set(SERIES)

    def compose(self):
        yield Label("", id="kalman-head")
        yield PlotextPlot(id="kalman-plot")
        yield Label("", id="kalman-step")

    def show(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self._draw()

    def action_toggle(self, key: str) -> None:
        self.shown ^= {key}
        self._draw()

    def action_component(self) -> None:
        self.comp = 1 - self.comp
        self._draw()

    def action_relative(self) -> None:
        self.relative = not self.relative
        self._draw()

    def action_phase(self) -> None:
        self.phase = not self.phase
        self._draw()

    def _draw(self) -> None:
        snap = self.snapshot
        head = self.query_one("#kalman-head", Label)
        if snap is None or "filtered_mean" not in snap.extra:
            head.update("This view steps a Kalman filter through its data.")
            return
        e = snap.extra
        T, d = np.asarray(e["filtered_mean"]).shape
        self.cursor = min(max(self.cursor, 0), T - 1)
        self.comp = min(self.comp, d - 1)
        on = " ".join(k if k in self.shown else "·" for k in SERIES)
        rel = self.relative and not e["learned"]
        head.update(f"[b]{e['state_names'][self.comp]}{' − truth' if rel else ''}[/b]  "
                    f"keys ←→ · t o f b m ({on}) · r c p")
        if self.phase and d >= 2:
            self._plot_phase(e)
        else:
            self._plot_time(e)
        self.query_one("#kalman-step", Label).update(step_text(e, self.cursor, self.comp))

    def _plot_time(self, e) -> None:
        T = len(e["observations"])
        lo = max(0, min(self.cursor - WINDOW // 2, T - WINDOW))
        ts = list(range(lo, min(lo + WINDOW, T)))
        c = self.comp
        plt = self.query_one(PlotextPlot).plt
        plt.clear_data()
        plt.xlabel("time step")
        truth = np.asarray(e["truth"])[ts, c]
        base = truth if self.relative and not e["learned"] else np.zeros(len(ts))
        fm = np.asarray(e["filtered_mean"])[ts, c] - base
        sd = 2 * np.sqrt(np.asarray(e["filtered_var"])[ts, c])
        if "t" in self.shown and not e["learned"]:
            plt.plot(ts, (truth - base).tolist(), marker="braille", label="truth")
        if "o" in self.shown and c == 0:
            obs = np.asarray(e["observations"])[ts] - base
            keep = ~np.isnan(obs)
            plt.scatter(np.asarray(ts)[keep].tolist(), obs[keep].tolist(), marker="•",
                        label="observed")
        if "f" in self.shown:
            plt.plot(ts, fm.tolist(), marker="+", label="filtered")
        if "b" in self.shown:
            plt.plot(ts, (fm + sd).tolist(), marker="·", label="±2σ")
            plt.plot(ts, (fm - sd).tolist(), marker="·")
        if "m" in self.shown:
            plt.plot(ts, (np.asarray(e["smoothed_mean"])[ts, c] - base).tolist(), marker="x",
                     label="smoothed")
        plt.vline(self.cursor)
        self.query_one(PlotextPlot).refresh()

    def _plot_phase(self, e) -> None:
        plt = self.query_one(PlotextPlot).plt
        plt.clear_data()
        names = e["state_names"]
        plt.xlabel(f"{names[0]} →  ({names[1]} up)")
        if not e["learned"]:
            tr = np.asarray(e["truth"])
            plt.plot(tr[:, 0].tolist(), tr[:, 1].tolist(), marker="braille", label="truth")
        fm = np.asarray(e["filtered_mean"])
        plt.scatter(fm[:, 0].tolist(), fm[:, 1].tolist(), marker="+", label="filtered")
        plt.scatter([float(fm[self.cursor, 0])], [float(fm[self.cursor, 1])], marker="█",
                    label=f"t={self.cursor}")
        self.query_one(PlotextPlot).refresh()

    def focus_grid(self) -> None:
        self.focus()
