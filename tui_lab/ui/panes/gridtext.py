"""Helpers shared by the grid panes (stepper, memory cell, gates): a cursor
column kept in view, and shading for values in [0, 1]."""

import math

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
