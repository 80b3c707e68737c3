"""Helpers shared by the grid panes (stepper, memory cell, gates): a cursor
column kept in view, and shading for values in [0, 1]."""

import math
import time

from textual.binding import Binding

SHADES = " ░▒▓█"


def shade(x: float) -> str:
    """A block character for a value in [0, 1] (blank for NaN)."""
    if math.isnan(x):
        return " "
    x = min(max(x, 0.0), 1.0)
    return SHADES[min(int(x * len(SHADES)), len(SHADES) - 1)]


def window(first: int, cursor: int, visible: int, total: int) -> tuple[int, range]:
    """The first visible column after moving to `cursor`, and the visible range."""
    first = min(max(first, cursor - visible + 1), cursor)
    first = max(min(first, total - visible), 0)
    return first, range(first, min(first + visible, total))


CURSOR_BINDINGS = [
    Binding("left,h", "move(-1)", "earlier", show=False),
    Binding("right,l", "move(1)", "later", show=False),
    Binding("home", "jump(0)", "first", show=False),
    Binding("end", "jump(-1)", "last", show=False),
]


class TimeCursor:
    """Mixin for panes with a time cursor: ←/→ (h/l) and home/end move it, then
    `_draw()` (which clamps it to the data) repaints."""

    cursor = 0

    def action_move(self, step: int) -> None:
        self.cursor += step
        self._draw()

    def action_jump(self, where: int) -> None:
        self.cursor = 0 if where == 0 else 10**12
        self._draw()


class RedrawGate:
    """Decides when a plotext plot is worth rebuilding on the UI thread: at once
    when what it shows changed (another cell, scenario, scale), at most once a
    second when only training moved on (every rebuild costs time and bytes)."""

    def __init__(self, seconds: float = 1.0) -> None:
        self.seconds = seconds
        self._key: tuple | None = None
        self._updates = None
        self._at = 0.0

    def due(self, key: tuple, updates: int) -> bool:
        now = time.monotonic()
        if key == self._key and (updates == self._updates or now - self._at < self.seconds):
            return False
        self._key, self._updates, self._at = key, updates, now
        return True
