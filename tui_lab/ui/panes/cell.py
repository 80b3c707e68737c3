"""The memory cell of 7e-04, step by step, with gates the student can change."""

from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Label, Static

from tui_lab.sim.memory_cell import EDIT_STEP, CellRun
from tui_lab.sim.session import Snapshot
from tui_lab.ui.panes.gridtext import shade, window

LABEL_W, CELL_W = 16, 7
ROWS = (("input", "input x"), ("keep", "keep (forget)"), ("write", "write (input)"),
        ("read", "read (output)"), ("cell", "cell c"), ("output", "output y"),
        ("grad", "∂y[R]/∂c"))
EDITABLE = ("input", "keep", "write", "read")


def _fmt(v: float) -> str:
    return "  ·  " if v != v else f"{v:5.2f}"


def cell_text(r: CellRun, t: int, row: str) -> str:
    """Words for the cursor's step."""
    c_prev = r.cell[t - 1] if t > 0 else 0.0
    words = (f"t={t}: cell = keep {r.keep[t]:.2f} × {c_prev:.2f} + write {r.write[t]:.2f} × "
             f"input {r.input[t]:.2f} = {r.cell[t]:.2f}; output = read {r.read[t]:.2f} × "
             f"{r.cell[t]:.2f} = {r.output[t]:.2f}.")
    if t <= r.readout_step:
        words += (f" The read-out at step {r.readout_step} changes by {r.grad[t]:.3g} per unit "
                  f"change of the cell here (product of the keep gates after it).")
    return words + f"  Editing: {row}."


class CellGrid(Static, can_focus=True):
    """←/→ step, ↑/↓ row, +/- change the value under the cursor."""

    DEFAULT_CSS = """
    CellGrid { height: auto; }
    CellGrid:focus { background: $boost; }
    """
    BINDINGS = [
        Binding("left,h", "move(-1)", "earlier", show=False),
        Binding("right,l", "move(1)", "later", show=False),
        Binding("up,k", "row(-1)", "row up", show=False),
        Binding("down,j", "row(1)", "row down", show=False),
        Binding("plus,equals_sign", "edit(1)", "value +", key_display="+"),
        Binding("minus", "edit(-1)", "value -", key_display="-"),
    ]

    @dataclass
    class EditRequested(Message):
        """Change `row` at `step` by `delta`."""

        row: str
        step: int
        delta: float

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.run: CellRun | None = None
        self.cursor = 0
        self.row = 1  # keep
        self.first = 0

    def show(self, run: CellRun | None) -> None:
        self.run = run
        self._draw()

    def action_move(self, d: int) -> None:
        if self.run is not None:
            self.cursor = min(max(self.cursor + d, 0), len(self.run.input) - 1)
            self._draw()

    def action_row(self, d: int) -> None:
        self.row = min(max(self.row + d, 0), len(EDITABLE) - 1)
        self._draw()

    def action_edit(self, sign: int) -> None:
        name = EDITABLE[self.row]
        self.post_message(self.EditRequested(name, self.cursor, sign * EDIT_STEP[name]))

    def _draw(self) -> None:
        r = self.run
        if r is None:
            self.update("")
            return
        T = len(r.input)
        visible = max(((self.size.width or 54) - LABEL_W) // CELL_W, 1)
        self.first, cols = window(self.first, self.cursor, visible, T)
        text = Text()
        text.append(f"{'step':<{LABEL_W}}", style="dim")
        for t in cols:
            text.append(f"{t:^{CELL_W}}", style="reverse" if t == self.cursor else "")
        for name, label in ROWS:
            mark = "►" if name == EDITABLE[self.row] else " "
            text.append(f"\n{mark}{label:<{LABEL_W - 1}}", style="bold" if mark != " " else "dim")
            values = getattr(r, name)
            for t in cols:
                v = float(values[t])
                cell = f"{shade(v) if name in ('keep', 'write', 'read') else ' '} {_fmt(v)}"
                style = "reverse" if t == self.cursor else ""
                if t == self.cursor and name == EDITABLE[self.row]:
                    style = "reverse bold"
                text.append(f"{cell:<{CELL_W}}", style=style)
        self.update(text)
        self.post_message(self.CursorMoved())

    class CursorMoved(Message):
        """The cursor, the row or the values changed."""


class CellPane(Vertical):
    """The grid and the words for its cursor step."""

    DEFAULT_CSS = """
    CellPane { height: 1fr; padding: 0 1; }
    CellPane #cell-words { height: auto; width: 100%; }
    CellPane #cell-head { height: auto; width: 100%; text-style: bold; }
    """

    def compose(self):
        yield Label("", id="cell-head")
        yield CellGrid(id="cell-grid")
        yield Label("", id="cell-words")

    def show(self, snapshot: Snapshot) -> None:
        run = snapshot.extra.get("cell")
        head = self.query_one("#cell-head", Label)
        if run is None:
            head.update("This view shows the hand-set memory cell of 7e-04.")
            self.query_one(CellGrid).show(None)
            return
        R = run.readout_step
        head.update(f"read-out at step {R}: {run.output[R]:.3g}   "
                    "(←→ step · ↑↓ row · +/- change)")
        self.query_one(CellGrid).show(run)

    def on_cell_grid_cursor_moved(self, _message) -> None:
        grid = self.query_one(CellGrid)
        if grid.run is not None:
            self.query_one("#cell-words", Label).update(
                cell_text(grid.run, grid.cursor, EDITABLE[grid.row]))

    def focus_grid(self) -> None:
        self.query_one(CellGrid).focus()
