"""The scenario's notes: Markdown that cites the lecture sections it teaches."""

from textual.containers import VerticalScroll
from textual.widgets import Markdown

from tui_lab.scenario import Scenario


class NotesPane(VerticalScroll):
    """Scrollable notes for the current scenario (focus it to scroll with keys)."""

    DEFAULT_CSS = """
    NotesPane { height: 1fr; border: round $secondary; padding: 0 1;
        scrollbar-size-vertical: 1; }
    NotesPane:focus { border: round $accent; }
    NotesPane Markdown { margin: 0; padding: 0; }
    """

    def compose(self):
        yield Markdown("")

    def show(self, scenario: Scenario) -> None:
        self.border_title = f"Notes {', '.join(scenario.sections)}"
        self.border_subtitle = "e hides"
        self.query_one(Markdown).update(scenario.notes or "*This scenario has no notes.*")
        self.scroll_home(animate=False)
