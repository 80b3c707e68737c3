"""The worker-side training loop, driven from a plain thread (no Textual)."""

import threading
import time

import pytest

from tui_lab.scenario import resolve_scenario
from tui_lab.ui.trainer import (PACES, Command, Phase, Trainer, lr_step, next_chunk,
                                pace_step)

DEFAULT_PACE = 1000  # the adder scenario's training.pace

WAIT = 60.0  # generous: these tests wait for events, they do not time anything


def test_lr_ladder():
    assert lr_step(0.05, True) == pytest.approx(0.1)
    assert lr_step(0.1, True) == pytest.approx(0.2)
    assert lr_step(0.05, False) == pytest.approx(0.02)
    assert lr_step(0.01, False) == pytest.approx(0.005)
    assert lr_step(0.03, True) == pytest.approx(0.05)
    assert lr_step(0.03, False) == pytest.approx(0.02)


def test_pace_ladder():
    assert pace_step(1000, True) == 3000 and pace_step(1000, False) == 300
    assert pace_step(100_000, True) is None and pace_step(None, True) is None
    assert pace_step(None, False) == 100_000 and pace_step(100, False) == 30
    assert pace_step(1, False) == 1 and pace_step(5, True) == 10
    assert pace_step(2000, True) == 3000 and pace_step(2000, False) == 1000


def test_next_chunk_aims_at_the_target():
    assert next_chunk(1000, 0.04, 0.02) == 500
    assert next_chunk(1000, 0.001, 0.02) == 2000  # at most doubles
    assert next_chunk(1000, 0.0, 0.02) == 2000
    assert next_chunk(1, 10.0, 0.02) == 1


class Harness:
    def __init__(self, **training):
        scenario = resolve_scenario("adder")
        if training:
            scenario = scenario.with_training(**training)
        self.reports = []
        self.stop = threading.Event()
        self.trainer = Trainer(scenario, self.reports.append, self.stop.is_set)
        self.thread = threading.Thread(target=self.trainer.run, daemon=True)
        self.thread.start()
        self.wait(lambda r: r.snapshot is not None)

    def wait(self, pred):
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if self.reports and pred(self.reports[-1]):
                return self.reports[-1]
            time.sleep(0.005)
        raise AssertionError(f"condition not reached; last report {self.reports[-1]}")

    def send(self, command, pred):
        n = len(self.reports)
        self.trainer.send(command)
        self.wait(lambda r: len(self.reports) > n and pred(r))
        return self.reports[-1]

    def close(self):
        self.stop.set()
        self.thread.join(WAIT)
        assert not self.thread.is_alive()


def test_commands_change_the_run():
    h = Harness()
    try:
        assert h.reports[0].phase is Phase.COMPILING and h.reports[0].snapshot is None
        assert h.reports[-1].state == "ready"
        r = h.send(Command.STEP, lambda r: True)
        assert r.snapshot.updates == 1 and r.state == "paused"
        r = h.send(Command.LR_UP, lambda r: True)
        assert r.snapshot.learning_rate == pytest.approx(0.1)
        r = h.send(Command.RESET, lambda r: True)
        assert r.snapshot.updates == 0 and r.state == "ready"
        r = h.send(Command.NEW_SEED, lambda r: True)
        assert r.snapshot.seed == 2
        assert h.trainer.pace == DEFAULT_PACE
        for _ in PACES:
            r = h.send(Command.FASTER, lambda r: True)
        assert r.pace is None and h.trainer.pace is None
        r = h.send(Command.TOGGLE, lambda r: True)
        r = h.wait(lambda r: r.state == "learned")
        assert r.snapshot.metrics["held-out"] == 1.0 and r.snapshot.metrics["64-bit"] == 1.0
        r = h.send(Command.TOGGLE, lambda r: True)
        assert "stopped (learned)" in r.note and r.state == "learned"
    finally:
        h.close()


def test_pace_limits_the_speed():
    h = Harness()
    try:
        assert h.trainer.pace == DEFAULT_PACE
        h.trainer.send(Command.TOGGLE)
        h.wait(lambda r: r.phase is Phase.TRAINING and r.snapshot.updates >= 60)
        # A paced chunk is pace * 20 ms of updates: 20 at 1,000 updates/s.
        updates = [r.snapshot.updates for r in h.reports if r.phase is Phase.TRAINING]
        assert all(u % 20 == 0 for u in updates)
    finally:
        h.close()


def test_cancel_stops_training_between_chunks():
    h = Harness(learning_rate=1e-9, stuck_after=10**8)  # trains on and on
    for _ in PACES:
        h.trainer.send(Command.FASTER)
    h.trainer.send(Command.TOGGLE)
    r = h.wait(lambda r: r.phase is Phase.TRAINING and r.snapshot.updates > 50_000)
    assert r.state == "training"
    h.close()  # asserts the loop ended


def test_cancel_during_compile_returns(monkeypatch):
    """Quitting while the compiler runs does not wait for it."""
    from tui_lab.sim.adder import AdderSession

    release = threading.Event()
    monkeypatch.setattr(AdderSession, "warmup", staticmethod(lambda: release.wait(WAIT)))
    stop = threading.Event()
    reports = []
    trainer = Trainer(resolve_scenario("adder"), reports.append, stop.is_set)
    thread = threading.Thread(target=trainer.run, daemon=True)
    thread.start()
    time.sleep(0.2)
    stop.set()
    thread.join(WAIT / 2)
    try:
        assert not thread.is_alive()  # returned although the "compiler" still runs
        assert [r.phase for r in reports] == [Phase.COMPILING]
    finally:
        release.set()
