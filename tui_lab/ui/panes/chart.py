"""The live training chart: loss (left axis) and held-out accuracy (right axis)."""

from textual_plotext import PlotextPlot

from tui_lab.sim.session import Snapshot


class LossChart(PlotextPlot):
    """Plots a snapshot's histories; redraws on a timer, and only when they changed.

    The session keeps its history bounded (a few hundred points however long it
    trains), so a redraw costs the same after a million updates as after a
    hundred; the timer bounds the redraw rate whatever the training speed.
    """

    DEFAULT_CSS = """
    LossChart { height: 1fr; min-height: 6; border: round $secondary; }
    """
    REFRESH_SECONDS = 1.0  # the chart moves once a second: bytes matter over SSH

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._snapshot: Snapshot | None = None
        self._drawn_key: tuple | None = None

    def on_mount(self) -> None:
        self.set_interval(self.REFRESH_SECONDS, self.redraw_if_changed)
        self.redraw_if_changed()

    def show(self, snapshot: Snapshot) -> None:
        """Remember the newest snapshot; the timer draws it."""
        self._snapshot = snapshot

    def redraw_if_changed(self) -> None:
        snap = self._snapshot
        key = None if snap is None else (snap.scenario, snap.seed, snap.restarts,
                                         snap.updates, len(snap.history_x))
        if key == self._drawn_key and key is not None:
            return
        self._drawn_key = key
        self._draw(snap)

    def _draw(self, snap: Snapshot | None) -> None:
        plt = self.plt
        plt.clear_data()
        plt.xlabel("updates")
        if snap is None or len(snap.history_x) == 0:
            plt.title("no evaluation yet: press space to train")
            self.border_subtitle = ""
        else:
            series = list(snap.history.items())[:2]
            (left, y_left), right = series[0], series[1:]
            x = snap.history_x.tolist()
            plt.title("")
            # No in-plot legend (it hides the top rows); the markers differ, so the
            # subtitle tells the series apart without colour.
            plt.plot(x, y_left.tolist(), yside="left", marker="braille")
            self.border_subtitle = f"⠒ {left}"
            if right:  # the second series is a share, on the right axis from 0 to 1
                plt.plot(x, right[0][1].tolist(), yside="right", marker="+")
                plt.ylim(0, 1.0, yside="right")
                self.border_subtitle += f"  + {right[0][0]} (right)"
            lo, hi = float(y_left.min()), float(y_left.max())
            if lo >= 0:  # losses: from zero up
                plt.ylim(0, max(hi, 1e-3) * 1.05, yside="left")
            else:  # log-likelihoods: just the range, with a margin
                pad = max(hi - lo, 1e-3) * 0.05
                plt.ylim(lo - pad, hi + pad, yside="left")
        self.refresh()
