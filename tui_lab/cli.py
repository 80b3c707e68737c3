"""The `tui-lab` command.

    tui-lab [SCENARIO] [--no-mouse] [--low-bandwidth]
                                       open the lab (default scenario: adder)
    tui-lab run SCENARIO [--updates N] [--seed S] [--json] [--save F.npz] [--csv F.csv]
    tui-lab open FILE.npz              resume a saved run in the app
    tui-lab serve [SCENARIO] [--host H] [--port P]
                                       the lab in a web browser (textual-serve)
    tui-lab list                       the shipped scenarios
    tui-lab check FILE...              validate scenario files
    tui-lab warmup                     compile every kernel ahead of time
    tui-lab inspect-lstm WEIGHTS.npz INPUT.npy|csv [--output KIND] [--json]
                                       open your own PyTorch LSTM in the gate viewer

SCENARIO is a path to a TOML file or the name of a shipped scenario. Bad input
prints one line naming the file and key, and exits with status 2.
"""

import argparse
import json
import os
import sys
import time

from tui_lab.scenario import (DEFAULT_SCENARIO, Scenario, ScenarioError,
                              builtin_scenarios, load_scenario, resolve_scenario)
from tui_lab.specs import MAX_UPDATES

EXIT_BAD_INPUT = 2
COMMANDS = ("run", "list", "check", "inspect-lstm", "warmup")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # exit 2 with one line, as for bad files
        self.print_usage(sys.stderr)
        raise SystemExit(f"{self.prog}: error: {message}")


def _bounded_int(lo: int, hi: int):
    def parse(text: str) -> int:
        try:
            value = int(text.replace("_", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"expected {lo} to {hi}, got {value}")
        return value
    return parse


def _app_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="tui-lab", description="A terminal lab for the sequence models "
                "of lecture week 7. Subcommands: run, list, check (see tui-lab CMD -h).")
    p.add_argument("scenario", nargs="?", default=DEFAULT_SCENARIO,
                   help="scenario file or shipped scenario name (default: %(default)s)")
    p.add_argument("--no-mouse", action="store_true", help="do not capture the mouse")
    p.add_argument("--low-bandwidth", action="store_true",
                   help="for slow links: the chart without colours, the status line once "
                   "a second (also TUI_LAB_LOW_BANDWIDTH=1)")
    return p


def _run_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="tui-lab run", description="Train a scenario without the UI.")
    p.add_argument("scenario", help="scenario file or shipped scenario name")
    p.add_argument("--updates", type=_bounded_int(1, MAX_UPDATES),
                   help="update budget (overrides training.updates)")
    p.add_argument("--seed", type=_bounded_int(0, 2**63 - 1),
                   help="random seed (overrides training.seed)")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object per line; the last has \"final\": true")
    p.add_argument("--save", metavar="FILE.npz",
                   help="at the end, save the run (tui-lab open FILE resumes it in the app)")
    p.add_argument("--csv", metavar="FILE.csv",
                   help="at the end, write the chart's histories as CSV")
    p.add_argument("--export-lstm", metavar="FILE.npz",
                   help="LSTM scenarios: write the trained weights in PyTorch nn.LSTM "
                   "layout (weight_ih_l0, ...; plus out_weight, out_bias)")
    return p


def _inspect_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="tui-lab inspect-lstm", description="Open a PyTorch nn.LSTM's weights "
                "(an .npz of weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0 and "
                "optionally out_weight, out_bias) on an input sequence in the gate viewer.")
    p.add_argument("weights", help=".npz file of nn.LSTM arrays (np.savez of state_dict "
                   "tensors as numpy)")
    p.add_argument("inputs", help="input sequence: .npy or .csv of shape (T, I)")
    p.add_argument("--output", choices=("linear", "logistic", "softmax"), default="linear",
                   help="output units when out_weight is given (default: linear)")
    p.add_argument("--json", action="store_true", help="print a summary, do not open the app")
    return p


def inspect_scenario(weights: str, inputs: str, output: str = "linear") -> Scenario:
    """A scenario, built in code, that opens the given files in the gate viewer."""
    from pathlib import Path

    from tui_lab.specs import GivenSpec, LSTMFileSpec, TrainingSpec

    w, x = str(Path(weights).resolve()), str(Path(inputs).resolve())
    return Scenario(
        name="inspect-lstm", title=f"Your LSTM: {Path(weights).name} on {Path(inputs).name}",
        sections=("7e-03",), notes=INSPECT_NOTES, model_kind="lstm_file",
        model=LSTMFileSpec(weights=w, inputs=x, output=output), task_kind="given",
        task=GivenSpec(), training=TrainingSpec(), source="<command line>")


INSPECT_NOTES = """
## Your own LSTM (7e-03)

The gate viewer shows your net's **keep** gates (PyTorch's forget gates),
**write** gates (input gates) and **read** gates (output gates), and its cell
values, for every cell and every step of your input sequence. A cell whose
keep gate stays near 1 is holding something; a write gate that fires marks
where it was stored; a read gate that opens marks where it is used.
"""


def cmd_inspect(args: argparse.Namespace) -> int:
    from tui_lab.sim.inspect import InspectSession

    scenario = inspect_scenario(args.weights, args.inputs, args.output)
    session = InspectSession(scenario)  # reads and checks both files now
    if args.json:
        print(json.dumps({"final": True, **session.summary()}))
        return 0
    from tui_lab.ui.app import LabApp

    return _run_app(LabApp(scenario))


def cmd_warmup() -> int:
    """Compile each session class's kernels in turn, with a progress line."""
    import importlib

    from tui_lab.sim.session import SESSIONS

    targets = sorted(set(SESSIONS.values()))
    start = time.perf_counter()
    for i, target in enumerate(targets, 1):
        module, name = target.split(":")
        bar = "#" * (20 * i // len(targets))
        print(f"[{bar:<20}] {i}/{len(targets)} {name}...", end="", flush=True)
        t0 = time.perf_counter()
        getattr(importlib.import_module(module), name).warmup()
        print(f" {time.perf_counter() - t0:.1f} s", flush=True)
    print(f"all kernels compiled and cached in {time.perf_counter() - start:.1f} s")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status. Run as the command (argv None), it
    ends the process as soon as an app has closed (see `_run_app`)."""
    code = _main(sys.argv[1:] if argv is None else argv)
    if argv is None and _app_closed:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


_app_closed = False


def _run_app(app, mouse: bool = True) -> int:
    """Run the app. Once it has closed, the terminal is restored and everything
    the user made is on disk (saves are written synchronously and atomically),
    so the command need not wait for the interpreter's teardown (about 0.4 s of
    freeing arrays and compiled code, measured): `main` exits at once."""
    global _app_closed
    _fewer_malloc_arenas()
    app.run(mouse=mouse)
    _app_closed = True
    return app.return_code or 0


def _fewer_malloc_arenas() -> None:
    """At most two malloc arenas (glibc only). By default each thread that
    allocates under contention gets its own, and the worker, compiler and UI
    threads left memory spread over several: the resident size after loading
    every scenario fell from 270-280 MiB to about 245 MiB with two (measured,
    bench/bench_app.py). Elsewhere this does nothing."""
    import ctypes
    import ctypes.util

    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(-8, 2)  # M_ARENA_MAX
    except (OSError, AttributeError):
        pass


def _main(argv: list[str]) -> int:
    try:
        if argv and argv[0] == "list":
            _Parser(prog="tui-lab list", description="List the shipped scenarios."
                    ).parse_args(argv[1:])
            return cmd_list()
        if argv and argv[0] == "check":
            p = _Parser(prog="tui-lab check", description="Validate scenario files.")
            p.add_argument("files", nargs="+")
            return cmd_check(p.parse_args(argv[1:]).files)
        if argv and argv[0] == "run":
            return cmd_run(_run_parser().parse_args(argv[1:]))
        if argv and argv[0] == "warmup":
            _Parser(prog="tui-lab warmup", description="Compile every Numba kernel now "
                    "(they are cached, so the app starts training at once later).",
                    ).parse_args(argv[1:])
            return cmd_warmup()
        if argv and argv[0] == "open":
            p = _Parser(prog="tui-lab open", description="Resume a saved run (.npz, from "
                        "the app's w key or tui-lab run --save) in the app.")
            p.add_argument("file")
            p.add_argument("--no-mouse", action="store_true", help="do not capture the mouse")
            args = p.parse_args(argv[1:])
            return cmd_open(args.file, mouse=not args.no_mouse)
        if argv and argv[0] == "serve":
            p = _Parser(prog="tui-lab serve", description="Serve the lab to a web browser "
                        "with textual-serve (each browser tab runs its own lab).")
            p.add_argument("scenario", nargs="?", default=DEFAULT_SCENARIO)
            p.add_argument("--host", default="127.0.0.1",
                           help="address to listen on (default: %(default)s, this machine "
                           "only; over SSH, forward the port: ssh -L 8000:localhost:8000)")
            p.add_argument("--port", type=_bounded_int(1, 65535), default=8000)
            args = p.parse_args(argv[1:])
            return cmd_serve(args.scenario, args.host, args.port)
        if argv and argv[0] == "inspect-lstm":
            return cmd_inspect(_inspect_parser().parse_args(argv[1:]))
        args = _app_parser().parse_args(argv)
        if args.low_bandwidth:
            os.environ["TUI_LAB_LOW_BANDWIDTH"] = "1"
        return cmd_app(args.scenario, mouse=not args.no_mouse)
    except (ScenarioError, ValueError) as exc:  # WeightsError is a ValueError
        print(f"tui-lab: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except SystemExit as exc:  # argparse: usage errors exit 2 with their message
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
            return EXIT_BAD_INPUT
        return int(exc.code or 0)


def cmd_list() -> int:
    rows = [(s.name, s.model_kind, ",".join(s.sections), s.title) for s in builtin_scenarios()]
    widths = [max(len(r[i]) for r in rows + [("name", "model", "sections", "")])
              for i in range(3)]
    print(f"{'name':<{widths[0]}}  {'model':<{widths[1]}}  {'sections':<{widths[2]}}  title")
    for r in rows:
        print(f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]}")
    return 0


def cmd_check(files: list[str]) -> int:
    bad = 0
    for f in files:
        try:
            s = load_scenario(f)
            print(f"ok    {f} ({s.name}: {s.model_kind} on {s.task_kind})")
        except ScenarioError as exc:
            bad += 1
            print(f"error {exc}")
    print(f"{len(files) - bad} fine, {bad} with errors")
    return EXIT_BAD_INPUT if bad else 0


def cmd_run(args: argparse.Namespace) -> int:
    from tui_lab.sim.session import open_session

    scenario = resolve_scenario(args.scenario)
    if args.updates is not None:
        scenario = scenario.with_training(updates=args.updates)
    session = open_session(scenario, args.seed)
    progress = _Progress(scenario, enabled=not args.json and sys.stderr.isatty())
    progress.note("compiling kernels (cached after the first run)...")
    session.warmup_for(scenario)
    chunk, start, last_report = 1000, time.perf_counter(), 0.0
    try:
        while not session.done:
            t0 = time.perf_counter()
            metrics = session.train(chunk)
            chunk = _next_chunk(chunk, time.perf_counter() - t0, 0.05)
            now = time.perf_counter() - start
            if now - last_report >= 0.5:
                last_report = now
                if args.json:
                    print(json.dumps(_jsonable({**metrics, "seconds": round(now, 3)})),
                          flush=True)
                progress.update(session.updates, metrics, now)
    except KeyboardInterrupt:
        progress.done()
        print("tui-lab: interrupted", file=sys.stderr)
        return 130
    progress.done()
    if args.export_lstm:
        _export_lstm(session, args.export_lstm)
    if args.save or args.csv:
        from tui_lab import saves

        if args.save:
            print(f"tui-lab: saved the run to {saves.save_session(session, args.save)}",
                  file=sys.stderr)
        if args.csv:
            print(f"tui-lab: wrote the histories to "
                  f"{saves.export_csv(session.snapshot(), args.csv)}", file=sys.stderr)
    final = {"final": True, **session.summary(),
             "seconds": round(time.perf_counter() - start, 3)}
    if args.json:
        print(json.dumps(_jsonable(final)), flush=True)
    else:
        _print_summary(final)
    return 0


def _export_lstm(session, path: str) -> None:
    """Write the session's LSTM as PyTorch-layout arrays, atomically."""
    from tui_lab.saves import atomic_savez
    from tui_lab.sim.lstm import LSTM

    net = getattr(session, "net", None)
    if not isinstance(net, LSTM):
        raise ValueError(f"--export-lstm: scenario {session.scenario.name!r} has no LSTM "
                         f"(its model is {session.scenario.model_kind!r})")
    atomic_savez(path, net.to_torch_arrays())  # a reader sees the old file or the new one
    print(f"tui-lab: wrote the LSTM's weights to {path}", file=sys.stderr)


def _next_chunk(chunk: int, seconds: float, target: float) -> int:
    """Scale a chunk of updates towards `target` seconds, within 1 .. 10^6."""
    if seconds <= 0:
        return min(chunk * 2, 1_000_000)
    return int(min(max(chunk * min(max(target / seconds, 0.5), 2.0), 1), 1_000_000))


def _jsonable(d: dict) -> dict:
    return {k: (None if isinstance(v, float) and v != v else v) for k, v in d.items()}


def _print_summary(final: dict) -> None:
    print(f"{final['scenario']}: {final['state']} after {final['updates']:,} updates "
          f"in {final['seconds']:.2f} s (seed {final['seed']}, "
          f"{final['restarts']} restarts)")
    if final.get("message"):
        print(f"  {final['message']}")
    for key, value in final.items():  # the figures every model reports its own way
        if key in ("final", "scenario", "seed", "updates", "restarts", "state", "message",
                   "seconds") or isinstance(value, (dict, list)):
            continue
        shown = f"{value:.4g}" if isinstance(value, float) else value
        print(f"  {key.replace('_', ' ')}: {shown}")
    for bits, acc in final.get("accuracy_by_length", {}).items():
        print(f"  {bits:>3}-bit sums right: {acc:.1%}")
    for bits, acc in final.get("rnn_accuracy_by_length", {}).items():
        print(f"  {bits:>3}-bit sums right by the 3-unit RNN, same training: {acc:.1%}")


class _Progress:
    """A one-line progress bar on stderr, only when it is a terminal."""

    def __init__(self, scenario: Scenario, enabled: bool) -> None:
        self.budget, self.enabled, self.name = scenario.training.updates, enabled, scenario.name

    def note(self, text: str) -> None:
        if self.enabled:
            print(f"\r{self.name}: {text}\x1b[K", end="", file=sys.stderr, flush=True)

    def update(self, updates: int, metrics: dict, seconds: float) -> None:
        if not self.enabled:
            return
        frac = min(updates / self.budget, 1.0)
        bar = "#" * int(frac * 20) + "." * (20 - int(frac * 20))
        print(f"\r{self.name} [{bar}] {updates:,}/{self.budget:,} updates  "
              f"loss {metrics['loss']:.4f}  held-out {metrics['heldout_accuracy']:.1%}  "
              f"{seconds:.1f} s\x1b[K", end="", file=sys.stderr, flush=True)

    def done(self) -> None:
        if self.enabled:
            print("\r\x1b[K", end="", file=sys.stderr, flush=True)


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def bind_warning(host: str) -> str:
    """The warning for serving beyond this machine ("" for a loopback address)."""
    if host in LOOPBACK or host.startswith("127."):
        return ""
    return (f"tui-lab: warning: serving on {host}, not 127.0.0.1: anyone who can reach "
            "this address can drive the lab, with your file permissions, and there is no "
            "login. Prefer the default and an SSH tunnel (ssh -L 8000:localhost:8000 host).")


def cmd_serve(scenario_name: str, host: str, port: int) -> int:
    import shlex

    resolve_scenario(scenario_name)  # a bad name fails here, not in every browser tab
    try:
        from textual_serve.server import Server
    except ImportError:
        print("tui-lab: serve needs textual-serve: pip install 'tui-lab[web]' "
              "(or pip install textual-serve)", file=sys.stderr)
        return EXIT_BAD_INPUT
    if warning := bind_warning(host):
        print(warning, file=sys.stderr)
    command = f"{shlex.quote(sys.executable)} -m tui_lab {shlex.quote(scenario_name)}"
    print(f"tui-lab: serving {scenario_name} at http://{host}:{port} (ctrl+c stops)",
          file=sys.stderr, flush=True)
    Server(command, host=host, port=port, title="tui-lab").serve()
    return 0


def cmd_open(path: str, mouse: bool = True) -> int:
    from tui_lab.saves import load_session

    session = load_session(path)
    from tui_lab.ui.app import LabApp

    return _run_app(LabApp(session.scenario, resume=session), mouse)


def cmd_app(scenario_name: str, mouse: bool = True) -> int:
    scenario = resolve_scenario(scenario_name)
    from tui_lab.ui.app import LabApp

    return _run_app(LabApp(scenario), mouse)
