"""The lab app: layout, keys, and routing between the worker and the panes."""

import os
from pathlib import Path
from typing import Iterable

from textual import events, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Static, TabbedContent, TabPane
from textual.worker import Worker, WorkerState, get_current_worker

from tui_lab.sim.session import Session
from tui_lab.scenario import (Scenario, ScenarioError, builtin_scenario_paths,
                              load_scenario, resolve_scenario)
from tui_lab.ui.messages import ReportReady
from tui_lab.ui.panes.automaton import AutomatonPane
from tui_lab.ui.panes.capacity import CapacityPane
from tui_lab.ui.panes.cell import CellGrid, CellPane
from tui_lab.ui.panes.gates import GatesPane
from tui_lab.ui.panes.hmm_tables import HMMTablesPane
from tui_lab.ui.panes.kalman import KalmanPane
from tui_lab.ui.panes.trellis import TrellisPane
from tui_lab.ui.panes.lag import LagPane
from tui_lab.ui.panes.chart import LossChart
from tui_lab.ui.panes.help import HelpScreen
from tui_lab.ui.panes.notes import NotesPane
from tui_lab.ui.panes.open_file import OpenScenario, PathPrompt
from tui_lab.ui.panes.picker import ModelPicker
from tui_lab.ui.panes.status import StatusLine
from tui_lab.ui.panes.stepper import StepperPane
from tui_lab.ui.trainer import (Command, Edit, ExportCSV, LagScale, Phase, Report, Save,
                                Trainer)

MIN_SIZE = (80, 24)
GRADIENT_MODELS = ("rnn", "ffn", "lstm")  # the models a learning rate means something for
_LR = Binding.Group("lr", compact=True)
_PACE = Binding.Group("speed", compact=True)
_VIEW = Binding.Group("view", compact=True)
VIEWS = ("chart", "stepper", "automaton", "gates", "lag", "cell", "trellis", "tables",
         "kalman", "capacity")
VIEWS_FOR = {  # (model kind, task kind) -> the views that make sense, in tab order
    ("rnn", "binary_addition"): ("chart", "stepper", "automaton"),
    ("lstm", "delay"): ("chart", "gates", "lag"),
    ("rnn", "delay"): ("chart", "gates", "lag"),
    ("memory_cell", "given"): ("cell",),
    ("lstm_file", "given"): ("gates",),
    ("hmm", "casino"): ("chart", "trellis", "tables"),
    ("hmm", "regimes"): ("chart", "trellis", "tables"),
    ("memory_sweep", "kbits"): ("chart", "capacity"),
    ("lds", "tracking"): ("kalman", "chart"),
    ("lds", "oscillator"): ("kalman", "chart"),
}
_TRAINING_ACTIONS = {"toggle", "step", "reset", "new_seed", "lr_up", "lr_down",
                     "faster", "slower"}


class LabApp(App):
    """tui-lab's main app. `autostart=False` runs no worker (for snapshot tests)."""

    CSS_PATH = str(Path(__file__).with_name("lab.tcss"))  # absolute: subclasses too
    TITLE = "tui-lab"
    BINDINGS = [
        Binding("space", "toggle", "Run", id="toggle", tooltip="start training, or pause it"),
        Binding("s", "step", "Step", id="step", tooltip="run one update, then pause"),
        Binding("r", "reset", "Reset", id="reset", tooltip="fresh weights from the same seed"),
        Binding("n", "new_seed", "Seed", id="new_seed",
                tooltip="the next seed: fresh data and weights"),
        Binding("plus,equals_sign", "lr_up", "lr+", key_display="+", id="lr_up",
                tooltip="raise the learning rate (1-2-5 steps)", group=_LR),
        Binding("minus", "lr_down", "lr-", key_display="-", id="lr_down",
                tooltip="lower the learning rate (1-2-5 steps)", group=_LR),
        Binding("left_square_bracket", "slower", "Slower", key_display="[", id="slower",
                tooltip="train slower, to watch it learn", group=_PACE),
        Binding("right_square_bracket", "faster", "Faster", key_display="]", id="faster",
                tooltip="train faster, up to full speed", group=_PACE),
        Binding("1", "view('chart')", "Chart", id="view_chart", group=_VIEW,
                tooltip="view: loss and accuracy chart"),
        Binding("2", "view('stepper')", "Stepper", id="view_stepper", group=_VIEW,
                tooltip="view: step the adder through a sum, bit by bit (7c-04)"),
        Binding("3", "view('automaton')", "Automaton", id="view_automaton", group=_VIEW,
                tooltip="view: the automaton the hidden units learned (7c-06)"),
        Binding("4", "view('gates')", "Gates", id="view_gates", group=_VIEW,
                tooltip="view: LSTM keep / write / read gates and cells over time (7e)"),
        Binding("5", "view('lag')", "Lag", id="view_lag", group=_VIEW,
                tooltip="view: gradient against time lag, vanishing or exploding (7d-03)"),
        Binding("6", "view('cell')", "Cell", id="view_cell", group=_VIEW,
                tooltip="view: one memory cell by hand, the 1.7 example (7e-04)"),
        Binding("7", "view('trellis')", "Trellis", id="view_trellis", group=_VIEW,
                tooltip="view: HMM state posteriors over time, Viterbi and true paths"),
        Binding("8", "view('tables')", "Tables", id="view_tables", group=_VIEW,
                tooltip="view: HMM transition and emission tables, learned and true"),
        Binding("9", "view('kalman')", "Kalman", id="view_kalman", group=_VIEW,
                tooltip="view: Kalman filter step by step: truth, observations, band"),
        Binding("0", "view('capacity')", "Capacity", id="view_capacity", group=_VIEW,
                tooltip="view: HMM states vs LSTM cells needed to carry k bits (7a-07)"),
        Binding("o", "open", "Open", id="open", show=False,
                tooltip="open a scenario file by its path"),
        Binding("w", "save", "Save", id="save", show=False,
                tooltip="save this run (.npz) to resume later with tui-lab open"),
        Binding("x", "export", "Export", id="export", show=False,
                tooltip="write the chart's histories to a CSV file"),
        Binding("e", "notes", "Notes", id="notes", tooltip="show or hide the lecture notes"),
        Binding("question_mark", "help", "Help", key_display="?", id="help",
                tooltip="every key, explained"),
        Binding("q", "quit", "Quit", id="quit", tooltip="quit (training stops at once)"),
    ]

    VIEW_PANES = {"chart": LossChart, "stepper": StepperPane, "automaton": AutomatonPane,
                  "gates": GatesPane, "lag": LagPane, "cell": CellPane,
                  "trellis": TrellisPane, "tables": HMMTablesPane, "kalman": KalmanPane,
                  "capacity": CapacityPane}

    def __init__(self, scenario: Scenario, *, scenarios: list[Scenario] | None = None,
                 autostart: bool = True, resume: "Session | None" = None,
                 low_bandwidth: bool | None = None) -> None:
        super().__init__()
        if low_bandwidth is None:
            low_bandwidth = os.environ.get("TUI_LAB_LOW_BANDWIDTH", "") not in ("", "0")
        self.low_bandwidth = low_bandwidth
        self.scenario = scenario
        self._resume = resume  # a run loaded from a save (tui-lab open)
        self._shipped_errors: list[str] = []
        self.scenarios = (scenarios if scenarios is not None
                          else self._shipped(scenario))
        self.autostart = autostart
        self.trainer: Trainer | None = None
        self.report = Report(Phase.COMPILING, None)
        self.views: tuple[str, ...] = VIEWS

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="≋")
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield ModelPicker(self.scenarios, self.scenario, id="picker")
                yield NotesPane(id="notes")
            with Vertical(id="right"):
                with TabbedContent(id="views"):
                    with TabPane("1 Chart", id="chart"):
                        yield LossChart()
                    with TabPane("2 Stepper", id="stepper"):
                        yield StepperPane()
                    with TabPane("3 Automaton", id="automaton"):
                        yield AutomatonPane()
                    with TabPane("4 Gates", id="gates"):
                        yield GatesPane()
                    with TabPane("5 Lag", id="lag"):
                        yield LagPane()
                    with TabPane("6 Cell", id="cell"):
                        yield CellPane()
                    with TabPane("7 Trellis", id="trellis"):
                        yield TrellisPane()
                    with TabPane("8 Tables", id="tables"):
                        yield HMMTablesPane()
                    with TabPane("9 Kalman", id="kalman"):
                        yield KalmanPane()
                    with TabPane("0 Capacity", id="capacity"):
                        yield CapacityPane()
                yield StatusLine(id="status")
        yield Footer(compact=True, show_command_palette=False)
        yield Static("", id="too-small")

    def on_mount(self) -> None:
        if self.low_bandwidth:  # a chart without colours, numbers once a second
            self.query_one(LossChart).theme = "clear"
            self.query_one(StatusLine).MIN_INTERVAL = 1.0
        self._check_size()
        self._load(self.scenario)
        for error in self._shipped_errors:
            self.notify(error, title="shipped scenario skipped", severity="error", timeout=15)

    def _shipped(self, current: Scenario) -> list[Scenario]:
        """The shipped scenarios (broken ones noted), with `current` among them."""
        found = []
        for path in builtin_scenario_paths():
            try:
                found.append(load_scenario(path))
            except ScenarioError as exc:
                self._shipped_errors.append(str(exc))
        found = [s for s in found if s.name != current.name]
        return sorted(found + [current], key=lambda s: s.name)

    def on_resize(self, event: events.Resize) -> None:
        self._check_size(event.size)

    def _check_size(self, size=None) -> None:
        """Below 80x24 the layout cannot fit: say so instead of drawing it broken."""
        w, h = size or self.size
        small = w < MIN_SIZE[0] or h < MIN_SIZE[1]
        note = self.query_one("#too-small", Static)
        note.display = small
        if small:
            note.update(f"Enlarge the terminal to at least {MIN_SIZE[0]}x{MIN_SIZE[1]} "
                        f"(it is {w}x{h} now).\n\nTraining goes on; q quits.")

    # -------------------------------------------------------------- routing
    def _load(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.views = VIEWS_FOR.get((scenario.model_kind, scenario.task_kind), ("chart",))
        tabs = self.query_one(TabbedContent)
        for view in VIEWS:
            (tabs.show_tab if view in self.views else tabs.hide_tab)(view)
        tabs.active = self.views[0]
        if self.views[0] != "chart":  # a model with nothing to train: go to its view
            self.call_after_refresh(self.action_view, self.views[0])
        self.refresh_bindings()
        self.query_one(NotesPane).show(scenario)
        self.query_one(LossChart).border_title = f"{scenario.name}: training"
        self.show_report(Report(Phase.COMPILING, None))
        if self.autostart:
            self.trainer = Trainer(scenario, lambda r: None, session=self._resume)
            self._resume = None
            trainer = self.trainer
            trainer.publish = lambda r: self.post_message(ReportReady(trainer, r))
            self._run_trainer(trainer)

    @work(thread=True, exclusive=True, exit_on_error=False, group="trainer")
    def _run_trainer(self, trainer: Trainer) -> None:
        worker = get_current_worker()
        trainer.cancelled = lambda: worker.is_cancelled
        trainer.run()

    def on_report_ready(self, message: ReportReady) -> None:
        if message.trainer is self.trainer and self.is_running:
            self.show_report(message.report)

    def show_report(self, report: Report) -> None:
        """Route a report to the header, the status line, the chart (which stores it
        and draws on its own timer) and the view on screen; a view that is not on
        screen gets the latest snapshot when it is shown."""
        changed = report.state != self.report.state
        self.report = report
        self.sub_title = f"{report.state.upper()} · {self.scenario.title}"
        self.query_one(StatusLine).show(report)
        if report.snapshot is not None:
            self.query_one(LossChart).show(report.snapshot)
            active = self.query_one(TabbedContent).active
            if active != "chart" and active in self.views:
                self.query_one(self.VIEW_PANES[active]).show(report.snapshot)
        if report.note:
            self.notify(report.note, severity="error" if report.error else "information",
                        timeout=15 if report.error else 6)
        if changed:
            self.refresh_bindings()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.group == "trainer":
            self.notify(f"training stopped by an error: {event.worker.error}",
                        title="error", severity="error", timeout=15)

    def on_model_picker_scenario_chosen(self, message: ModelPicker.ScenarioChosen) -> None:
        self.workers.cancel_group(self, "trainer")
        self._load(message.scenario)
        self.notify(f"loaded {message.scenario.name}", timeout=2)

    # -------------------------------------------------------------- actions
    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "view":
            return parameters[0] in getattr(self, "views", VIEWS)
        if action not in _TRAINING_ACTIONS:
            return True
        if action in ("lr_up", "lr_down") and self.scenario.model_kind not in GRADIENT_MODELS:
            return False  # EM and hand-set models have no learning rate: hide the keys
        if self.report.snapshot is None:  # compiling: keys shown, dimmed
            return None
        if action in ("toggle", "step") and self.report.snapshot.status.value != "ready":
            return None
        return True

    def _send(self, command: Command) -> None:
        if self.trainer is not None:
            self.trainer.send(command)

    def action_toggle(self) -> None:
        self._send(Command.TOGGLE)

    def action_step(self) -> None:
        self._send(Command.STEP)

    def action_reset(self) -> None:
        self._send(Command.RESET)

    def action_new_seed(self) -> None:
        self._send(Command.NEW_SEED)

    def action_lr_up(self) -> None:
        self._send(Command.LR_UP)

    def action_lr_down(self) -> None:
        self._send(Command.LR_DOWN)

    def action_faster(self) -> None:
        self._send(Command.FASTER)

    def action_slower(self) -> None:
        self._send(Command.SLOWER)

    def action_notes(self) -> None:
        notes = self.query_one(NotesPane)
        notes.display = not notes.display

    def action_save(self) -> None:
        self.push_screen(PathPrompt("Save this run to (.npz; tui-lab open FILE resumes it)",
                                    value=f"{self.scenario.name}.npz", enter="enter saves"),
                         lambda path: path and self._send(Save(path)))

    def action_export(self) -> None:
        self.push_screen(PathPrompt("Write the chart's histories as CSV to",
                                    value=f"{self.scenario.name}.csv", enter="enter writes"),
                         lambda path: path and self._send(ExportCSV(path)))

    def action_open(self) -> None:
        self.push_screen(OpenScenario(), self._open_path)

    def _open_path(self, path: str | None) -> None:
        """Load a scenario the user named; on error say why and stay where we are."""
        if not path:
            return
        try:
            scenario = resolve_scenario(path)
        except ScenarioError as exc:
            self.notify(str(exc), title="scenario not loaded", severity="error", timeout=15)
            return
        self.scenarios = [s for s in self.scenarios if s.name != scenario.name] + [scenario]
        self.query_one(ModelPicker).set_scenarios(self.scenarios, scenario)
        self.workers.cancel_group(self, "trainer")
        self._load(scenario)
        self.notify(f"loaded {scenario.name} from {scenario.source}", timeout=3)

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        view = event.pane.id
        if view != "chart" and view in self.views and self.report.snapshot is not None:
            self.query_one(self.VIEW_PANES[view]).show(self.report.snapshot)

    def action_view(self, view: str) -> None:
        if view not in self.views:
            return
        self.query_one(TabbedContent).active = view
        pane = self.query_one(self.VIEW_PANES[view])
        getattr(pane, "focus_grid", pane.focus)()

    def on_cell_grid_edit_requested(self, message: CellGrid.EditRequested) -> None:
        self._send(Edit(message.row, message.step, message.delta))

    def on_lag_pane_scale_requested(self, message: LagPane.ScaleRequested) -> None:
        self._send(LagScale(message.up))

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.BINDINGS))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for b in self.BINDINGS:
            if b.action != "quit":
                yield SystemCommand(f"{b.description} ({b.key_display or b.key})",
                                    b.tooltip, lambda a=b.action: self.run_action(a))
