"""Colours as a remote terminal sees them: the app on a pseudo-terminal with
TERM=xterm (16 colours) and with NO_COLOR. Linux/macOS only (pty)."""

import os
import re
import select
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("pty")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from bench_bandwidth import spawn  # noqa: E402

SGR = re.compile(rb"\x1b\[([0-9;]*)m")


def _screen_bytes(env: dict, seconds: float = 6.0) -> bytes:
    proc, master = spawn([sys.executable, "-m", "tui_lab", "hmm-casino"], 80, 24, env)
    data, end = b"", time.monotonic() + seconds
    try:
        while time.monotonic() < end:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    data += os.read(master, 65536)
                except OSError:
                    break
    finally:
        os.write(master, b"q")
        proc.wait(20)
        os.close(master)
    return data


def test_a_16_colour_terminal_gets_only_the_16_colours():
    data = _screen_bytes({"TERM": "xterm", "COLORTERM": ""})
    codes = SGR.findall(data)
    assert b"Models" in data and len(codes) > 100
    assert not [c for c in codes if b"38;5" in c or b"48;5" in c or b"38;2" in c
                or b"48;2" in c]


def test_no_color_draws_in_greys_only():
    data = _screen_bytes({"NO_COLOR": "1"})
    assert b"Models" in data
    shades = {int(v) for v in re.findall(rb"[34]8;5;(\d+)", data)}
    assert shades and shades <= {16, 231} | set(range(232, 256))  # black, white, greys
    assert not re.search(rb"[34]8;2;", data)
