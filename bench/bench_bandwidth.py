"""Bytes the app writes to its terminal per second while a model trains.

Runs `tui-lab SCENARIO` on a pseudo-terminal of the given size (as an SSH
session would), waits for the first frame and the compiler, starts training
at full speed with the chart visible, and counts the bytes written over a
measuring window. Run from the repository root with the package installed:
    python bench/bench_bandwidth.py [--scenario adder-ffn] [--seconds 10]
"""

import argparse
import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time


def drain(fd: int, seconds: float) -> int:
    """Read everything the app writes for `seconds`; return the byte count."""
    total, end = 0, time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        ready, _, _ = select.select([fd], [], [], min(left, 0.1))
        if ready:
            try:
                total += len(os.read(fd, 65536))
            except OSError:
                break
    return total


def spawn(argv: list[str], cols: int, rows: int, env_extra: dict):
    """Start argv on a new pseudo-terminal of cols x rows; return (process, master fd)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", **env_extra}
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                            close_fds=True)
    os.close(slave)
    return proc, master


def measure(scenario: str, cols: int, rows: int, seconds: float, env_extra: dict,
            ssh: str = "") -> float:
    argv = [sys.executable, "-m", "tui_lab", scenario]
    if ssh:  # the app on the far side of an SSH connection; count what the client prints
        remote = " ".join([*(f"{k}={v}" for k, v in env_extra.items()), *argv])
        argv = [*ssh.split(), "-tt", remote]
    proc, master = spawn(argv, cols, rows, env_extra)
    try:
        drain(master, 15.0)  # first frame, compile (cached), settle
        for key in ["]"] * 12 + [" "]:  # full speed, then start
            os.write(master, key.encode())
            drain(master, 0.05)
        drain(master, 2.0)
        return drain(master, seconds) / seconds
    finally:
        os.write(master, b"q")
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        os.close(master)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scenario", default="delay-rnn",
                   help="a scenario that trains for longer than the window")
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--ssh", default="", metavar="'ssh -p 2222 localhost'",
                   help="run the app through this ssh command (TERM is passed along)")
    p.add_argument("--term", default="xterm-256color", help="TERM for the app")
    args = p.parse_args()
    print(f"bytes written per second while '{args.scenario}' trains at full speed "
          f"(chart visible, {args.seconds:g} s window, TERM={args.term}"
          f"{', through ' + args.ssh if args.ssh else ''})")
    for cols, rows in ((80, 24), (200, 50)):
        for label, extra in (("default", {}), ("TEXTUAL_FPS=10", {"TEXTUAL_FPS": "10"}),
                             ("--low-bandwidth", {"TUI_LAB_LOW_BANDWIDTH": "1"})):
            rate = measure(args.scenario, cols, rows, args.seconds,
                           {"TERM": args.term, **extra}, args.ssh)
            print(f"  {cols}x{rows:<3} {label:<15} {rate / 1024:7.1f} KiB/s")


if __name__ == "__main__":
    main()
