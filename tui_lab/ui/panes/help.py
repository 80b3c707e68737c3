"""The help screen: every key of the app, generated from its bindings."""

from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


def help_text(bindings: list[Binding]) -> Text:
    """One line per key: the key, its footer label and what it does."""
    text = Text.from_markup("[b]tui-lab keys[/b]  (all of them are in the command "
                            "palette too: ctrl+p)\n\n")
    rows = [(b.key_display or b.key.split(",")[0], b.description, b.tooltip)
            for b in bindings]
    rows += [("", "", ""), ("tab", "", "move focus: models, scenarios, notes"),
             ("enter", "", "load the highlighted scenario"),
             ("ctrl+p", "", "command palette (every action, by name; themes)"),
             ("", "", ""), ("", "views", "keys of the focused view:"),
             ("←→", "", "stepper, gates, cell, trellis, kalman: move along time"),
             ("i", "", "stepper: type two numbers"),
             ("g ↑↓", "", "gates: next heatmap; pick a cell"),
             ("< >", "", "lag: shrink / grow the RNN's recurrent weights"),
             ("↑↓ + -", "", "cell: pick a row; change the value"),
             ("t o f b m", "", "kalman: truth, observations, filtered, band, smoothed"),
             ("r c p", "", "kalman: errors, other component, phase plane")]
    for key, label, what in rows:
        text.append(f"  {key:>7}  ", style="bold")
        text.append(f"{label:<8} {what}\n")
    text.append("\nPress ? or q to close.")
    return text


class HelpScreen(ModalScreen):
    """A modal list of keys; ? or q closes it (escape too)."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 76; max-width: 100%; height: auto;
        max-height: 100%; border: round $accent; padding: 0 1; background: $surface; }
    """
    BINDINGS = [Binding("question_mark,q,escape", "dismiss", "Close", key_display="?")]

    def __init__(self, bindings: list[Binding]) -> None:
        super().__init__()
        self._text = help_text(bindings)

    def compose(self):
        with VerticalScroll():
            yield Static(self._text)
