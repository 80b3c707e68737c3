"""tui-lab: a terminal lab for the sequence models of lecture week 7."""

from tui_lab._numba_env import configure_numba_cache

configure_numba_cache()

__version__ = "0.1.0"
