"""The training loop that runs in the app's worker thread.

`Trainer.run()` owns one `Session` from start to end: it compiles the kernels
(in a daemon thread, so quitting never waits for the compiler), then trains in
chunks sized to take about 20 ms, and publishes a `Report` at most every 100 ms
and after every command. The UI talks to it only through `send()` (a queue it
reads between chunks) and hears from it only through the `publish` callback.

Nothing here imports Textual: the app passes `post_message` as `publish` and the
worker's `is_cancelled` as `cancelled`, and tests drive it synchronously.
"""

import math
import queue
import threading
import time
from dataclasses import dataclass
from enum import Enum
from typing import Callable

from tui_lab.scenario import Scenario
from tui_lab.sim.session import Session, Snapshot, Status, session_class

CHUNK_SECONDS = 0.02
PUBLISH_SECONDS = 0.1


class Phase(str, Enum):
    """What the trainer is doing; a stopped session's own status wins on screen."""

    COMPILING = "compiling"
    READY = "ready"
    TRAINING = "training"
    PAUSED = "paused"


class Command(str, Enum):
    TOGGLE = "toggle"  # start / pause
    STEP = "step"  # one update
    RESET = "reset"  # fresh weights, same seed
    NEW_SEED = "new_seed"  # fresh data and weights from the next seed
    LR_UP = "lr_up"
    LR_DOWN = "lr_down"
    FASTER = "faster"
    SLOWER = "slower"


@dataclass(frozen=True)
class Edit:
    """Change one given value of a hand-set model (the memory cell's gates)."""

    row: str
    step: int
    delta: float


@dataclass(frozen=True)
class Save:
    """Write the run to `path` (.npz), to resume with `tui-lab open`."""

    path: str


@dataclass(frozen=True)
class ExportCSV:
    """Write the chart's histories to `path` as CSV."""

    path: str


@dataclass(frozen=True)
class LagScale:
    """Grow or shrink the recurrent weights of the gradient-vs-lag probe."""

    up: bool


PACES = (1, 3, 10, 30, 100, 300, 1_000, 3_000, 10_000, 30_000, 100_000, None)
"""Training speeds the UI offers, in updates per second; None is full speed."""


@dataclass(frozen=True)
class Report:
    """What the worker tells the UI: its phase and the session's latest picture."""

    phase: Phase
    snapshot: Snapshot | None
    updates_per_second: float = 0.0
    pace: int | None = None  # the speed limit, updates/s (None: full speed)
    note: str = ""  # a one-off notice for the user
    error: bool = False  # the note tells of a failure

    @property
    def state(self) -> str:
        """The run state to show: the session's status once it has stopped."""
        if self.snapshot is not None and self.snapshot.status.value != "ready":
            return self.snapshot.status.value
        return self.phase.value


def lr_step(lr: float, up: bool) -> float:
    """The next learning rate on the 1-2-5 ladder (..., 0.01, 0.02, 0.05, 0.1, ...)."""
    exp = math.floor(math.log10(lr) + 1e-9)
    ladder = [m * 10.0 ** e for e in (exp - 1, exp, exp + 1) for m in (1, 2, 5)]
    if up:
        return next(v for v in ladder if v > lr * (1 + 1e-9))
    return next(v for v in reversed(ladder) if v < lr * (1 - 1e-9))


def pace_step(pace: int | None, faster: bool) -> int | None:
    """The next speed on the PACES ladder (None, full speed, is the fastest)."""
    rank = [float("inf") if p is None else p for p in PACES]
    now = float("inf") if pace is None else pace
    if faster:
        return next((p for p, r in zip(PACES, rank) if r > now), None)
    return next((p for p, r in zip(reversed(PACES), reversed(rank)) if r < now), PACES[0])


def next_chunk(chunk: int, seconds: float, target: float = CHUNK_SECONDS) -> int:
    """Scale a chunk of updates towards `target` seconds (at most 2x per step)."""
    factor = 2.0 if seconds <= 0 else min(max(target / seconds, 0.5), 2.0)
    return int(min(max(chunk * factor, 1), 1_000_000))


class Trainer:
    """One session's training loop (see module docstring)."""

    def __init__(self, scenario: Scenario, publish: Callable[[Report], None],
                 cancelled: Callable[[], bool] = lambda: False,
                 session: Session | None = None) -> None:
        self.scenario = scenario
        self.resume = session  # a run loaded from a save, to go on with
        self.publish = publish
        self.cancelled = cancelled
        self.commands: queue.Queue = queue.Queue()
        self.session: Session | None = None
        self.training = False
        self.chunk = 256
        self.ups = 0.0
        self.pace: int | None = scenario.training.pace or None  # 0 means full speed
        self._due = 0.0  # when the next chunk may start (paced runs)
        self._note = ""
        self._error = False

    def send(self, command: "Command | Edit | LagScale | Save | ExportCSV") -> None:
        """Queue a command; the loop applies it before its next chunk."""
        self.commands.put(command)

    def run(self) -> None:
        """Compile, build the session, then serve commands and train until cancelled."""
        self.publish(Report(Phase.COMPILING, None))
        if not self._compile():
            return
        self.session = self.resume or session_class(self.scenario)(self.scenario)
        self._report()
        last = time.monotonic()
        while not self.cancelled():
            # Wait for a command until the next chunk is due (at most 50 ms, so a
            # cancel is seen quickly); a paced run waits out its time slot here.
            wait = 0.05 if not self.training else min(self._due - time.monotonic(), 0.05)
            try:
                command = (self.commands.get(timeout=wait) if wait > 0
                           else self.commands.get_nowait())
                self._apply(command)
                self._report()
                continue
            except queue.Empty:
                pass
            if self.training and time.monotonic() >= self._due:
                self._train_chunk()
                if self.session.done or time.monotonic() - last >= PUBLISH_SECONDS:
                    self.training = self.training and not self.session.done
                    last = time.monotonic()
                    self._report()

    def _compile(self) -> bool:
        errors: list[BaseException] = []

        def warm() -> None:
            try:
                session_class(self.scenario).warmup_for(self.scenario)
            except BaseException as exc:  # reported by the worker below
                errors.append(exc)

        thread = threading.Thread(target=warm, name="tui-lab-compile", daemon=True)
        thread.start()
        while thread.is_alive():
            if self.cancelled():
                return False
            thread.join(0.05)
        if errors:
            raise errors[0]
        return True

    def _train_chunk(self) -> None:
        """Train one chunk. Paced: pace x slot updates per slot of at least 20 ms
        (one update per 1/pace s when slower); full speed: chunks adapt to ~20 ms."""
        t0 = time.monotonic()
        before = self.session.updates
        if self.pace is None:
            self.session.train(self.chunk)
            self.chunk = next_chunk(self.chunk, time.monotonic() - t0)
            self._due = time.monotonic()
        else:
            slot = max(CHUNK_SECONDS, 1.0 / self.pace)
            self.session.train(max(1, round(self.pace * slot)))
            self._due = t0 + slot
        span = max(self._due, time.monotonic()) - t0
        done = self.session.updates - before
        if span > 0 and done:
            rate = done / span
            self.ups = rate if self.ups == 0 else 0.7 * self.ups + 0.3 * rate

    def _apply(self, command: "Command | Edit | LagScale | Save | ExportCSV") -> None:
        s = self.session
        note = ""
        if isinstance(command, (Save, ExportCSV)):
            from tui_lab import saves  # noqa: PLC0415 (only when asked)

            try:
                if isinstance(command, Save):
                    path = saves.save_session(s, command.path)
                    note = f"saved to {path} (tui-lab open {path} resumes it)"
                else:
                    path = saves.export_csv(s.snapshot(), command.path)
                    note = f"chart histories written to {path}"
            except saves.SaveError as exc:
                note, self._error = f"not written: {exc}", True
            self._note = note
            return
        if isinstance(command, Edit):
            s.edit(command.row, command.step, command.delta)
        elif isinstance(command, LagScale):
            s.set_lag_scale(command.up)
        elif command in (Command.TOGGLE, Command.STEP):
            if s.done:
                note = (f"Nothing to train: {s.message}." if s.status is Status.GIVEN else
                        f"This run has stopped ({s.status.value}): press r to reset "
                        "or n for a new seed.")
            self.training = (command is Command.TOGGLE and not self.training
                             and not s.done)
            if command is Command.STEP and not s.done:
                s.train(1)
        elif command in (Command.RESET, Command.NEW_SEED):
            self.training = False
            s.reset(s.seed + 1 if command is Command.NEW_SEED else None)
        elif command in (Command.LR_UP, Command.LR_DOWN):
            s.set_learning_rate(lr_step(s.learning_rate, command is Command.LR_UP))
        elif command in (Command.FASTER, Command.SLOWER):
            self.pace = pace_step(self.pace, command is Command.FASTER)
            self.ups = 0.0
        if not self.training:
            self.ups = 0.0
        self._note = note

    def _report(self) -> None:
        s = self.session
        if self.training:
            phase = Phase.TRAINING
        else:
            phase = Phase.PAUSED if s.updates else Phase.READY
        note, self._note = self._note, ""
        error, self._error = self._error, False
        self.publish(Report(phase, s.snapshot(), self.ups, self.pace, note, error))
