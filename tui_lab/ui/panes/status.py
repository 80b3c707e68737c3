"""The status line: run state, updates, speed, loss, accuracy, seed, restarts."""

import math
import time

from textual.widgets import Static

from tui_lab.ui.trainer import Report


def _num(x: float, fmt: str) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, fmt)


def _rate(x: float) -> str:
    return f"{x / 1000:.0f}k" if x >= 10_000 else f"{x:.0f}"


def status_text(report: Report) -> str:
    """Two lines of Rich markup for a report (each fits 54 columns)."""
    s = report.snapshot
    if s is None:
        return (f"[b reverse] {report.state.upper()} [/] the kernels, once;\n"
                "later starts load them from the cache")
    m = s.metrics
    if s.status.value == "given weights":  # a hand-set model: nothing trains
        figures = "  ".join(f"{k} {_num(v, '.4g')}" for k, v in m.items())
        return f"[b reverse] {report.state.upper()} [/] {figures}\n{s.message}"
    pace = "max" if report.pace is None else _rate(report.pace)
    line1 = (f"[b reverse] {report.state.upper()} [/] {s.updates:,} upd "
             f"{_rate(report.updates_per_second)}/s (pace {pace})  seed {s.seed}")
    if "loss" in m:
        line2 = (f"loss {_num(m.get('loss'), '.4g')}  held-out "
                 f"[b]{_num(m.get('held-out'), '.1%')}[/]  restarts {s.restarts}  "
                 f"lr {s.learning_rate:g}")
        lengths = [f"{k.removesuffix('-bit')}:{v:.0%}" for k, v in m.items()
                   if k.endswith("-bit") and not k.startswith("RNN ")]
        if lengths:
            line2 += "\nsums right by bits " + " ".join(lengths)
        rnn = [f"{k[4:].removesuffix('-bit')}:{v:.0%}" for k, v in m.items()
               if k.startswith("RNN ")]
        if rnn:  # the feed-forward baseline shows the RNN beside it (7c-02)
            line2 += "\nRNN, same training: " + " ".join(rnn)
    else:  # other models name their own figures
        line2 = "  ".join(f"{k} {_num(v, '.4g')}" for k, v in m.items())
    if s.message and s.status.value != "learned":
        line2 += f"\n{s.message}"
    return f"{line1}\n{line2}"


class StatusLine(Static):
    """Shows the latest report; repaints at most 4 times a second while the run
    state stays the same (every repaint costs bytes on a remote terminal)."""

    MIN_INTERVAL = 0.25

    DEFAULT_CSS = """
    StatusLine { height: auto; max-height: 6; padding: 0 1; }
    """

    _last = (0.0, "")

    def show(self, report: Report) -> None:
        now = time.monotonic()
        last_time, last_state = self._last
        if report.state == last_state and now - last_time < self.MIN_INTERVAL \
                and not report.note:
            self._pending = report
            if not getattr(self, "_timer_set", False):
                self._timer_set = True
                self.set_timer(self.MIN_INTERVAL, self._flush)
            return
        self._paint(report, now)

    def _flush(self) -> None:
        self._timer_set = False
        pending, self._pending = getattr(self, "_pending", None), None
        if pending is not None:
            self._paint(pending, time.monotonic())

    def _paint(self, report: Report, now: float) -> None:
        self._last = (now, report.state)
        self._pending = None
        self.update(status_text(report))
