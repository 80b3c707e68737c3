"""A small dialog that asks for the path of a scenario file to open."""

from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class OpenScenario(ModalScreen[str | None]):
    """Type a path and press enter; escape or ctrl+c cancels. Returns the path or None."""

    DEFAULT_CSS = """
    OpenScenario { align: center middle; }
    OpenScenario > Vertical { width: 70; max-width: 100%; height: auto;
        border: round $accent; padding: 0 1; background: $surface; }
    OpenScenario Label { color: $text-muted; }
    """
    BINDINGS = [Binding("escape,ctrl+c", "cancel", "Cancel")]

    def compose(self):
        with Vertical():
            yield Label("Open a scenario file (a path to a .toml file, or a shipped name)")
            yield Input(placeholder="scenarios/adder.toml", id="path")
            yield Label("enter opens · escape cancels")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
