"""The stepper: watch the adder add two numbers one time step at a time (7c-04).

Rows are the lecture's time steps, left to right, least significant column
first. The hidden units at time t hold column t - 1 and the output at time t
answers column t - 2: the `answers` row says which column each output is for.
"""

import math

from rich.text import Text
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Label, Static

from tui_lab.sim import automaton as A
from tui_lab.sim.session import Snapshot
from tui_lab.sim.stepper import Trace, parse_number, trace
from tui_lab.ui.panes.gridtext import shade, window

LABEL_W, CELL_W = 9, 4

def _cell(x: float) -> str:
    """Shade plus two digits of an activity: '▓87', '█1.' for 1.0, '   ' for none."""
    if math.isnan(x):
        return "   "
    x = min(max(x, 0.0), 1.0)  # a learned h0 may stray outside [0, 1]
    digits = "1." if x >= 0.995 else f"{round(x * 100):02d}"
    return f"{shade(x)}{digits}"


def grid_rows(tr: Trace) -> list[tuple[str, list[str]]]:
    """(label, cells) for each row of the grid, one cell per time step."""
    T, H = tr.T, tr.hidden.shape[1]
    dot = " · "
    rows = [("time", [f"{t:>3}" for t in range(T)]),
            ("a bit", [f" {int(tr.inputs[t, 0])} " if t <= tr.n_bits else dot for t in range(T)]),
            ("b bit", [f" {int(tr.inputs[t, 1])} " if t <= tr.n_bits else dot for t in range(T)])]
    for j in range(H):
        rows.append((f"hidden {j + 1}", [_cell(tr.hidden[t, j]) for t in range(T)]))
    rows += [("p(out=1)", [_cell(tr.p[t]) for t in range(T)]),
             ("out bit", [f" {tr.out_bits[t]} " if t >= 2 else dot for t in range(T)]),
             ("target", [f" {int(tr.target[t])} " if t >= 2 else dot for t in range(T)]),
             ("right?", [dot if tr.right(t) is None else (" ✓ " if tr.right(t) else " ✗ ")
                         for t in range(T)]),
             ("answers", [f"c{t - 2:<2}" if t >= 2 else dot for t in range(T)])]
    return rows


def explain(tr: Trace, t: int) -> str:
    """Words for the cursor's time step."""
    parts = []
    if t <= tr.n_bits:
        parts.append(f"t={t}: column {t} enters (a={int(tr.inputs[t, 0])}, "
                     f"b={int(tr.inputs[t, 1])}).")
    else:
        parts.append(f"t={t}: no more columns enter.")
    if t == 0:
        parts.append("Hidden units hold the initial state h0.")
    elif t <= tr.n_bits + 1:
        learned = tr.learned_state[t]
        said = (f"≈ state {A.STATE_NAMES[learned]}" if learned >= 0
                else "a pattern the automaton view has not seen")
        parts.append(f"Hidden vector (after column {t - 1}) {said}; "
                     f"true state {A.STATE_NAMES[tr.state[t]]}.")
    if t >= 2:
        mark = "right" if tr.right(t) else "WRONG"
        parts.append(f"Output p={tr.p[t]:.2f} → {tr.out_bits[t]} answers column {t - 2} "
                     f"(two steps back): target {int(tr.target[t])}, {mark}.")
    else:
        parts.append("No output yet: it comes two steps after its column.")
    return " ".join(parts)


class StepperGrid(Static, can_focus=True):
    """The grid itself; ←/→ (h/l) move the cursor, home/end jump to the ends."""

    DEFAULT_CSS = """
    StepperGrid { height: auto; }
    StepperGrid:focus { background: $boost; }
    """
    BINDINGS = [
        Binding("left,h", "move(-1)", "earlier", show=False),
        Binding("right,l", "move(1)", "later", show=False),
        Binding("home", "jump(0)", "first", show=False),
        Binding("end", "jump(-1)", "last", show=False),
        Binding("i", "type_numbers", "type numbers", show=False),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.trace: Trace | None = None
        self.cursor = 0
        self.first = 0  # first visible time step

    def show(self, tr: Trace | None) -> None:
        self.trace = tr
        if tr is not None:
            self.cursor = min(self.cursor, tr.T - 1)
        self._render_grid()

    def action_move(self, step: int) -> None:
        if self.trace is not None:
            self.cursor = min(max(self.cursor + step, 0), self.trace.T - 1)
            self._render_grid()

    def action_jump(self, where: int) -> None:
        if self.trace is not None:
            self.cursor = 0 if where == 0 else self.trace.T - 1
            self._render_grid()

    def action_type_numbers(self) -> None:
        self.post_message(self.TypeNumbers())

    class TypeNumbers(Message):
        """The user wants to type the two numbers."""

    def on_resize(self) -> None:
        self._render_grid()

    def visible_columns(self) -> int:
        return max((self.size.width or 54) - LABEL_W, CELL_W) // CELL_W

    def _render_grid(self) -> None:
        tr = self.trace
        if tr is None:
            self.update("no net yet")
            return
        self.first, cols = window(self.first, self.cursor, self.visible_columns(), tr.T)
        text = Text()
        rows = grid_rows(tr)
        for r, (label, cells) in enumerate(rows):
            if r == 0:  # scroll marks in the label column of the time row
                label = ("time " + ("◄" if self.first > 0 else " ")
                         + ("►" if cols.stop < tr.T else ""))
            text.append(f"{label:<{LABEL_W}}"[:LABEL_W], style="dim")
            for t in cols:
                style = "reverse" if t == self.cursor else ""
                text.append(f"{cells[t]:<{CELL_W - 1}} ", style=style)
            if r < len(rows) - 1:
                text.append("\n")
        self.update(text)
        self.post_message(self.CursorMoved())

    class CursorMoved(Message):
        """The cursor or the trace changed."""


class StepperPane(Vertical):
    """Type two numbers (or keep the held-out pair), then step through the sum."""

    DEFAULT_CSS = """
    StepperPane { height: 1fr; padding: 0 1; }
    StepperPane Horizontal { height: 1; }
    StepperPane Input, StepperPane Input:focus {
        width: 1fr; height: 1; border: none; padding: 0 1; }
    StepperPane .tag { width: auto; padding: 0 1 0 0; color: $text-muted; }
    StepperPane #error { color: $error; height: auto; }
    StepperPane #error.-empty { display: none; }
    StepperPane #explain { height: auto; width: 100%; color: $text; }
    StepperPane #error { width: 100%; }
    StepperPane #sums { height: auto; width: 100%; text-style: bold; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.snapshot: Snapshot | None = None
        self.typed: tuple[int, int] | None = None

    def compose(self):
        with Horizontal():
            yield Label("a", classes="tag")
            yield Input(placeholder="decimal or 0b…", id="a")
            yield Label(" b", classes="tag")
            yield Input(placeholder="enter to add", id="b")
        yield Label("", id="error", classes="-empty")
        yield StepperGrid(id="grid")
        yield Label("", id="sums")
        yield Label("", id="explain")

    def show(self, snapshot: Snapshot) -> None:
        """A new snapshot: recompute the trace if the stepper can show it."""
        self.snapshot = snapshot
        self._recompute()

    def _pair(self) -> tuple[int, int, int | None] | None:
        if self.typed is not None:
            return (*self.typed, None)
        example = self.snapshot.extra.get("example") if self.snapshot else None
        if example is None:
            return None
        a_bits, b_bits = example
        to_int = lambda bits: sum(int(v) << k for k, v in enumerate(bits))  # noqa: E731
        return to_int(a_bits), to_int(b_bits), len(a_bits)

    def _recompute(self) -> None:
        grid = self.query_one(StepperGrid)
        pair = self._pair()
        if self.snapshot is None or pair is None or "W" not in self.snapshot.params \
                or "U" not in self.snapshot.params:
            grid.show(None)
            self.query_one("#sums", Label).update(
                "The stepper shows recurrent nets; this model sees every bit at once.")
            return
        a, b, n = pair
        tr = trace(dict(self.snapshot.params), a, b, self.snapshot.extra.get("automaton"), n)
        grid.show(tr)
        ok = "✓" if tr.net_sum == tr.true_sum else "✗"
        self.query_one("#sums", Label).update(
            f"a={a} b={b}  net {tr.net_sum} {ok}  true {tr.true_sum}")
        self._explain()

    def _explain(self) -> None:
        grid = self.query_one(StepperGrid)
        if grid.trace is not None:
            self.query_one("#explain", Label).update(explain(grid.trace, grid.cursor))

    def on_stepper_grid_cursor_moved(self, _message) -> None:
        self._explain()

    def on_stepper_grid_type_numbers(self, _message) -> None:
        self.query_one("#a", Input).focus()

    def focus_grid(self) -> None:
        self.query_one(StepperGrid).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        error = self.query_one("#error", Label)
        values = []
        for name in ("a", "b"):
            text = self.query_one(f"#{name}", Input).value
            try:
                values.append(parse_number(text))
            except ValueError as exc:
                error.update(f"{name}: {exc}")
                error.remove_class("-empty")
                return
        error.update("")
        error.add_class("-empty")
        self.typed = (values[0], values[1])
        self.query_one(StepperGrid).cursor = 0
        self._recompute()
        self.query_one(StepperGrid).focus()
