"""A small dialog that asks for a path: a scenario to open, a file to save to."""

from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class PathPrompt(ModalScreen[str | None]):
    """Type a path and press enter; escape or ctrl+c cancels. Returns the path or None."""

    DEFAULT_CSS = """
    PathPrompt { align: center middle; }
    PathPrompt > Vertical { width: 70; max-width: 100%; height: auto;
        border: round $accent; padding: 0 1; background: $surface; }
    PathPrompt Label { color: $text-muted; }
    """
    BINDINGS = [Binding("escape,ctrl+c", "cancel", "Cancel")]

    def __init__(self, question: str, value: str = "", placeholder: str = "",
                 enter: str = "enter confirms") -> None:
        super().__init__()
        self.question, self.value = question, value
        self.placeholder, self.enter = placeholder, enter

    def compose(self):
        with Vertical():
            yield Label(self.question)
            yield Input(value=self.value, placeholder=self.placeholder, id="path")
            yield Label(f"{self.enter} · escape cancels")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class OpenScenario(PathPrompt):
    def __init__(self) -> None:
        super().__init__("Open a scenario file (a path to a .toml file, or a shipped name)",
                         placeholder="scenarios/adder.toml", enter="enter opens")
