"""The app at 80x24, driven by keys (Pilot), and a snapshot with no live worker."""

import asyncio

import pytest
from textual.widgets import Input, Markdown

from tui_lab.scenario import resolve_scenario
from tui_lab.sim.session import open_session
from tui_lab.ui.app import LabApp
from tui_lab.ui.panes.chart import LossChart
from tui_lab.ui.panes.help import HelpScreen
from tui_lab.ui.panes.notes import NotesPane
from tui_lab.ui.panes.status import StatusLine
from tui_lab.ui.trainer import Phase, Report

SIZE = (80, 24)


async def _until(pilot, pred, tries=600):
    for _ in range(tries):
        if pred():
            return
        await pilot.pause(0.05)
    raise AssertionError("condition not reached")


def _status(app) -> str:
    return str(app.query_one(StatusLine).render())


async def test_keys_change_the_run_state_and_status_line():
    app = LabApp(resolve_scenario("adder"))
    async with app.run_test(size=SIZE) as pilot:
        await _until(pilot, lambda: app.report.snapshot is not None)
        assert app.report.state == "ready" and "READY" in app.sub_title
        await pilot.press("s")
        await _until(pilot, lambda: app.report.snapshot.updates == 1)
        assert app.report.state == "paused" and "1 upd" in _status(app)
        await pilot.press("plus")
        await _until(pilot, lambda: app.report.snapshot.learning_rate == pytest.approx(0.1))
        await _until(pilot, lambda: "lr 0.1" in _status(app))  # repainted within 0.25 s
        await pilot.press("minus", "minus")
        await _until(pilot, lambda: app.report.snapshot.learning_rate == pytest.approx(0.02))
        await pilot.press("plus")
        for _ in range(8):
            await pilot.press("right_square_bracket")
        await _until(pilot, lambda: app.trainer.pace is None)
        await pilot.press("space")
        await _until(pilot, lambda: app.report.state == "learned")
        assert "LEARNED" in app.sub_title
        await _until(pilot, lambda: "held-out 100.0%" in _status(app)
                     and "64:100%" in _status(app))
        assert app.check_action("toggle", ()) is None  # shown dimmed: nothing to train
        await pilot.press("n")
        await _until(pilot, lambda: app.report.snapshot.seed == 2)
        assert app.report.state == "ready" and app.report.snapshot.updates == 0
        await _until(pilot, lambda: "seed 2" in _status(app))
        assert app.check_action("toggle", ()) is True


async def test_notes_help_and_palette_commands():
    app = LabApp(resolve_scenario("adder"), autostart=False)
    async with app.run_test(size=SIZE) as pilot:
        notes = app.query_one(NotesPane)
        assert notes.display and "7c-04" in notes.border_title
        assert "two steps earlier" in app.query_one(Markdown).source
        await pilot.press("e")
        assert not notes.display
        await pilot.press("e")
        assert notes.display
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("q")  # closes help, does not quit
        assert not isinstance(app.screen, HelpScreen) and app.is_running
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for label in ("Run (space)", "Step (s)", "Reset (r)", "Seed (n)", "lr+ (+)",
                      "lr- (-)", "Notes (e)", "Help (?)", "Faster (])", "Slower ([)"):
            assert label in titles


async def test_quitting_while_training_returns_promptly():
    scenario = resolve_scenario("adder").with_training(learning_rate=1e-9,
                                                        stuck_after=10**8)
    app = LabApp(scenario)

    async def drive():
        async with app.run_test(size=SIZE) as pilot:
            await _until(pilot, lambda: app.report.snapshot is not None)
            for _ in range(8):
                await pilot.press("right_square_bracket")
            await pilot.press("space")
            await _until(pilot, lambda: app.report.snapshot.updates > 20_000)
            assert app.report.state == "training"
            await pilot.press("q")
        return app.trainer

    trainer = await asyncio.wait_for(drive(), timeout=60)
    assert trainer.cancelled()  # the worker saw the cancel and the app returned
    assert app.return_code in (0, None)


async def test_picking_a_scenario_loads_it(tmp_path):
    base = resolve_scenario("adder")
    other = base.__class__(**{**base.__dict__, "name": "adder-wide", "title": "Wider",
                              "notes": "Other notes for 7c-06."})
    app = LabApp(base, scenarios=[base, other])
    async with app.run_test(size=SIZE) as pilot:
        await _until(pilot, lambda: app.report.snapshot is not None)
        assert app.focused.id == "models"
        await pilot.press("tab", "down", "enter")
        await _until(pilot, lambda: app.report.snapshot is not None
                     and app.report.snapshot.scenario == "adder-wide")
        assert app.scenario.name == "adder-wide"
        assert "Other notes" in app.query_one(Markdown).source


def _trained_report() -> Report:
    session = open_session(resolve_scenario("adder"), seed=1)
    while not session.done:
        session.train(500)
    return Report(Phase.PAUSED, session.snapshot(), 0.0, 1000)


def test_snapshot_80x24_after_learning(snap_compare):
    report = _trained_report()
    app = LabApp(resolve_scenario("adder"), autostart=False)

    async def show(pilot):
        app.show_report(report)
        app.query_one(LossChart).redraw_if_changed()
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=show)


async def test_opening_a_bad_file_shows_an_error_and_keeps_the_scenario(tmp_path):
    bad = tmp_path / "bad.toml"
    good_text = open(resolve_scenario("adder").source).read()
    bad.write_text(good_text.replace("hidden = 3", "hidden = 1000000000"))
    good = tmp_path / "mine.toml"
    good.write_text(good_text.replace('name = "adder"', 'name = "mine"'))
    app = LabApp(resolve_scenario("adder"), autostart=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        app.screen.query_one(Input).value = str(bad)
        await pilot.press("enter")
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any(f"{bad}: model.hidden: expected an integer from 1 to 512" in m
                   for m in messages)
        assert app.scenario.name == "adder" and app.is_running
        await pilot.press("o")
        await pilot.press("m")  # typing reaches the input
        assert app.screen.query_one(Input).value == "m"
        app.screen.query_one(Input).value = str(good)
        await pilot.press("enter")
        await pilot.pause()
        assert app.scenario.name == "mine"
        assert "mine" in [s.name for s in app.scenarios]


def test_snapshot_80x24_stepper_after_learning(snap_compare):
    report = _trained_report()
    app = LabApp(resolve_scenario("adder"), autostart=False)

    async def show(pilot):
        app.show_report(report)
        await pilot.press("2", "right", "right", "right")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=show)


async def test_small_terminal_shows_a_message_and_recovers():
    app = LabApp(resolve_scenario("adder"), autostart=False)
    async with app.run_test(size=(60, 20)) as pilot:
        note = app.query_one("#too-small")
        assert note.display and "at least 80x24 (it is 60x20 now)" in str(note.render())
        for w, h in [(20, 5), (300, 100), (79, 24), (80, 23), (1, 1), (120, 40)]:
            await pilot.resize_terminal(w, h)
            await pilot.pause()
            assert note.display == (w < 80 or h < 24)
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert not note.display and app.is_running


@pytest.mark.parametrize("name", [s.name for s in __import__(
    "tui_lab.scenario", fromlist=["builtin_scenarios"]).builtin_scenarios()])
async def test_every_scenario_draws_in_every_view(name):
    """Each shipped scenario's snapshot, a few updates in, draws in the chart and in
    each of its views without raising (the chart reads the first two series)."""
    keys = {b.action[6:-2]: b.key for b in LabApp.BINDINGS if b.action.startswith("view(")}
    scenario = resolve_scenario(name)
    session = open_session(scenario)
    session.warmup()
    if not session.done:
        session.train(3)
    snap = session.snapshot()
    app = LabApp(scenario, autostart=False)
    async with app.run_test(size=SIZE) as pilot:
        app.show_report(Report(Phase.PAUSED, snap))
        chart = app.query_one(LossChart)
        chart.redraw_if_changed()
        if len(snap.history_x):
            first = next(iter(snap.history))
            assert chart.border_subtitle.startswith(f"⠒ {first}")
        for view in app.views:
            await pilot.press(keys[view])
            await pilot.pause()
            assert app.query_one("#views").active == view


async def test_another_models_first_scenario_loads_by_keys_alone():
    """From the model list: down to another model, enter, enter loads its first
    scenario (it is highlighted, though the current scenario is not in the list)."""
    app = LabApp(resolve_scenario("adder"))
    async with app.run_test(size=SIZE) as pilot:
        await _until(pilot, lambda: app.report.snapshot is not None)
        assert app.focused.id == "models"
        names = [s.name for s in app.scenarios if s.model_kind == "hmm"]
        while app.query_one("#models").highlighted_option.id != "hmm":
            await pilot.press("down")
        await pilot.press("enter")
        assert app.focused.id == "scenarios"
        await pilot.press("enter")
        await _until(pilot, lambda: app.report.snapshot is not None
                     and app.report.snapshot.scenario == names[0])


async def test_low_bandwidth_option(monkeypatch):
    monkeypatch.setenv("TUI_LAB_LOW_BANDWIDTH", "1")
    app = LabApp(resolve_scenario("adder"), autostart=False)
    async with app.run_test(size=SIZE):
        assert app.low_bandwidth and app.query_one(LossChart).theme == "clear"
        assert app.query_one(StatusLine).MIN_INTERVAL == 1.0
    monkeypatch.delenv("TUI_LAB_LOW_BANDWIDTH")
    app = LabApp(resolve_scenario("adder"), autostart=False)
    async with app.run_test(size=SIZE):
        assert not app.low_bandwidth and app.query_one(LossChart).theme == "auto"
