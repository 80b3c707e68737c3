"""`tui-lab serve`: the lab over a web socket, loopback by default."""

import asyncio
import socket
import subprocess
import sys
import time

import pytest

from tui_lab.cli import bind_warning, main

aiohttp = pytest.importorskip("aiohttp")
pytest.importorskip("textual_serve")


def test_only_non_loopback_addresses_are_warned_about():
    for host in ("127.0.0.1", "localhost", "::1", "127.0.0.2"):
        assert bind_warning(host) == ""
    for host in ("0.0.0.0", "192.168.1.5", "::"):
        w = bind_warning(host)
        assert host in w and "no login" in w and "ssh -L" in w


def test_a_bad_scenario_is_refused_before_serving(capsys):
    assert main(["serve", "no-such-scenario"]) == 2
    assert "no-such-scenario" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _first_screen(port: int) -> bytes:
    async with aiohttp.ClientSession() as http:
        for _ in range(100):  # until the server listens
            try:
                async with http.get(f"http://127.0.0.1:{port}/") as r:
                    assert r.status == 200 and "textual.js" in await r.text()
                    break
            except aiohttp.ClientConnectorError:
                await asyncio.sleep(0.1)
        async with http.ws_connect(f"http://127.0.0.1:{port}/ws?width=80&height=24") as ws:
            await ws.send_json(["resize", {"width": 80, "height": 24}])
            got, start = b"", time.monotonic()
            while b"Models" not in got and time.monotonic() - start < 60:
                try:
                    msg = await asyncio.wait_for(ws.receive(), 1)
                except asyncio.TimeoutError:
                    continue
                if msg.type == aiohttp.WSMsgType.BINARY:
                    got += msg.data
                elif msg.type == aiohttp.WSMsgType.TEXT:
                    got += msg.data.encode()
                else:
                    break
            return got


async def test_the_lab_is_served_on_loopback():
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "tui_lab", "serve", "adder", "--port",
                             str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        screen = await _first_screen(port)
        assert b"Models" in screen and b"tui-lab" in screen  # the app's first frame
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=20)
    assert f"http://127.0.0.1:{port}".encode() in err and b"warning" not in err
