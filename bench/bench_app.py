"""The app under load: event-loop lag, training speed against headless, CPU
while paused, resident memory with every model loaded, and colour output.

Runs the app on a pseudo-terminal (80x24, as over SSH) in a child process that
probes itself: a 10 ms timer records how late the event loop runs it, and
every report's update count is kept with its time. The parent presses the
keys, measures the child's CPU time from /proc, and runs the same scenario
headless for the same time for the speed ratio. Linux only (/proc). Run from
the repository root with the package installed:
    python bench/bench_app.py [--scenario adder-ffn] [--seconds 10]
"""

import argparse
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from bench_bandwidth import drain, spawn  # noqa: E402

PROBE_SECONDS = 0.01


def child(scenario_name: str, out: str, mode: str) -> None:
    """The app with a lag probe; on exit, what it saw goes to `out` as JSON."""
    from tui_lab.scenario import builtin_scenarios, resolve_scenario
    from tui_lab.ui.app import LabApp

    class ProbedApp(LabApp):
        def on_mount(self) -> None:
            super().on_mount()
            self.lags: list[tuple[float, float]] = []
            self.updates: list[tuple[float, int]] = []
            self.steps: list[tuple[str, int]] = []
            self._due = time.monotonic() + PROBE_SECONDS
            if mode == "train":  # (no probe when idle: it would cost CPU itself)
                self.set_interval(PROBE_SECONDS, self._probe)
            if mode == "all":
                self.run_worker(self._load_every_model(), exclusive=False)

        def _probe(self) -> None:
            now = time.monotonic()
            self.lags.append((now, max(now - self._due, 0.0)))
            self._due = now + PROBE_SECONDS

        def show_report(self, report) -> None:
            super().show_report(report)
            if report.snapshot is not None:
                self.updates.append((time.monotonic(), report.snapshot.updates))

        async def _load_every_model(self) -> None:
            import asyncio
            for sc in builtin_scenarios():
                self.report = self.report.__class__(self.report.phase, None)
                self.workers.cancel_group(self, "trainer")
                self._load(sc)
                while self.report.snapshot is None:
                    await asyncio.sleep(0.05)
                self.steps.append((sc.name, _rss_kib(os.getpid())["VmRSS"]))
            self.rss = _rss_kib(os.getpid())
            self.exit()

    from tui_lab.cli import _fewer_malloc_arenas

    _fewer_malloc_arenas()  # as the tui-lab command does before its app runs
    app = ProbedApp(resolve_scenario(scenario_name))
    app.run()
    with open(out, "w") as fh:
        json.dump({"lags": app.lags, "updates": app.updates, "steps": app.steps,
                   "rss_kib": getattr(app, "rss", _rss_kib(os.getpid()))}, fh)
    os._exit(0)  # as `tui-lab` does once its app has closed (tui_lab.cli.main)


def _rss_kib(pid: int) -> dict:
    fields = {}
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith(("VmRSS", "VmHWM")):
                key, value = line.split(":")
                fields[key] = int(value.split()[0])
    return fields


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as fh:
        parts = fh.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")


def headless_rate(scenario_name: str, seconds: float) -> float:
    """Updates per second of the same session trained without the UI, in chunks of
    about 20 ms as the app's worker trains it."""
    from tui_lab.scenario import resolve_scenario
    from tui_lab.sim.session import open_session
    from tui_lab.ui.trainer import CHUNK_SECONDS, next_chunk

    s = open_session(resolve_scenario(scenario_name))
    s.warmup()
    chunk, start = 256, time.monotonic()
    s.train(chunk)
    start, before = time.monotonic(), s.updates
    while time.monotonic() - start < seconds and not s.done:
        t0 = time.monotonic()
        s.train(chunk)
        chunk = next_chunk(chunk, time.monotonic() - t0, CHUNK_SECONDS)
    return (s.updates - before) / (time.monotonic() - start)


def run_child(scenario: str, mode: str, seconds: float, env: dict | None = None):
    out = tempfile.NamedTemporaryFile(suffix=".json", delete=False).name
    proc, master = spawn([sys.executable, __file__, "--child", scenario, out, mode], 80, 24,
                         env or {})
    return proc, master, out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scenario", default="adder-ffn",
                   help="a scenario that trains for longer than the window")
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(*args.child)
        return

    proc, master, out = run_child(args.scenario, "idle", args.seconds)
    drain(master, 15.0)  # first frame, compile (cached), settle: the run is READY
    for key in ["]"] * 12 + [" "] + [" "]:  # train a moment, then pause
        os.write(master, key.encode())
        drain(master, 0.3)
    drain(master, 2.0)
    cpu0, t0 = _cpu_seconds(proc.pid), time.monotonic()
    drain(master, args.seconds)
    paused_cpu = (_cpu_seconds(proc.pid) - cpu0) / (time.monotonic() - t0)
    os.write(master, b"q")
    drain(master, 1.0)
    proc.wait(20)

    proc, master, out = run_child(args.scenario, "train", args.seconds)
    drain(master, 15.0)
    for key in ["]"] * 12 + [" "]:  # full speed, then start
        os.write(master, key.encode())
        drain(master, 0.05)
    drain(master, 2.0)
    w0 = time.monotonic()
    drain(master, args.seconds)
    w1 = time.monotonic()
    os.write(master, b"q")
    while proc.poll() is None:  # q to process exit, training at full speed
        drain(master, 0.005)
    quit_seconds = time.monotonic() - w1
    with open(out) as fh:
        seen = json.load(fh)
    lags = sorted(lag for t, lag in seen["lags"] if w0 <= t <= w1)
    ups = [(t, u) for t, u in seen["updates"] if w0 <= t <= w1]
    app_rate = (ups[-1][1] - ups[0][1]) / (ups[-1][0] - ups[0][0])
    p99 = lags[int(0.99 * (len(lags) - 1))] * 1000
    p50 = lags[len(lags) // 2] * 1000
    ref = headless_rate(args.scenario, args.seconds)

    proc, master, out = run_child(args.scenario, "all", args.seconds)
    drain(master, 120.0)  # until every model has loaded and it quits
    proc.wait(60)
    with open(out) as fh:
        seen = json.load(fh)
    rss = seen["rss_kib"]
    steps = ", ".join(f"{name} {kib / 1024:.0f}" for name, kib in seen["steps"])

    print(f"the app at 80x24 on a pseudo-terminal, '{args.scenario}', "
          f"{args.seconds:g} s windows")
    print(f"  event-loop lag while training at full speed: p50 {p50:.1f} ms, "
          f"p99 {p99:.1f} ms, max {lags[-1] * 1000:.1f} ms ({len(lags)} probes; target "
          "p99 <= 20 ms)")
    print(f"  training speed: app {app_rate:,.0f} updates/s, headless {ref:,.0f} updates/s "
          f"= {app_rate / ref:.0%} (target >= 90 %)")
    print(f"  q to process exit while training at full speed: {quit_seconds:.2f} s "
          "(target < 0.5 s)")
    print(f"  CPU while paused: {paused_cpu:.1%} of one core (target <= 2 %)")
    print(f"  resident memory after loading every shipped scenario in turn: "
          f"{rss['VmRSS'] / 1024:.0f} MiB (peak {rss['VmHWM'] / 1024:.0f} MiB; "
          "target <= 250 MB)")
    print(f"  (MiB after each load: {steps})")


if __name__ == "__main__":
    main()
