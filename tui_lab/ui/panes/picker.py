"""The model picker: the models that exist, and the scenarios of the selected one."""

from dataclasses import dataclass

from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from tui_lab.scenario import Scenario
from tui_lab.specs import MODEL_SPECS


class ModelPicker(Vertical):
    """Two lists: models (from the registry) and the scenarios for the highlighted one.

    Enter on a scenario posts `ModelPicker.ScenarioChosen`.
    """

    DEFAULT_CSS = """
    ModelPicker { height: auto; max-height: 12; border: round $secondary; padding: 0; }
    ModelPicker:focus-within { border: round $accent; }
    ModelPicker Label { color: $text-muted; padding: 0 1; }
    ModelPicker OptionList, ModelPicker OptionList:focus {
        border: none; height: auto; max-height: 8; padding: 0; }
    ModelPicker #scenarios { height: auto; max-height: 6; }
    """

    @dataclass
    class ScenarioChosen(Message):
        """The user picked a scenario to load."""

        scenario: Scenario

    def __init__(self, scenarios: list[Scenario], current: Scenario, **kwargs) -> None:
        super().__init__(**kwargs)
        self.scenarios = scenarios
        self.current = current

    def compose(self):
        self.border_title = "Models"
        yield OptionList(*[Option(spec.LABEL, id=kind) for kind, spec in MODEL_SPECS.items()],
                         id="models")
        yield Label("Scenarios (enter loads)")
        yield OptionList(id="scenarios")

    def on_mount(self) -> None:
        models = self.query_one("#models", OptionList)
        models.highlighted = list(MODEL_SPECS).index(self.current.model_kind)
        self._fill(self.current.model_kind)

    def set_scenarios(self, scenarios: list[Scenario], current: Scenario) -> None:
        """Replace the scenario list (after the user opened a file) and show `current`."""
        self.scenarios, self.current = scenarios, current
        self.query_one("#models", OptionList).highlighted = list(MODEL_SPECS).index(
            current.model_kind)
        self._fill(current.model_kind)

    def _fill(self, kind: str) -> None:
        lst = self.query_one("#scenarios", OptionList)
        lst.clear_options()
        mine = [s for s in self.scenarios if s.model_kind == kind]
        lst.add_options([Option(f"{s.name}  {s.sections[0]}", id=s.name) for s in mine])
        names = [s.name for s in mine]
        if names:  # always one highlighted, so enter loads something
            lst.highlighted = (names.index(self.current.name) if self.current.name in names
                               else 0)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list.id == "models":
            event.stop()
            self._fill(event.option.id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_list.id == "scenarios":
            chosen = next(s for s in self.scenarios if s.name == event.option.id)
            self.current = chosen
            self.post_message(self.ScenarioChosen(chosen))
        else:
            self.query_one("#scenarios", OptionList).focus()
