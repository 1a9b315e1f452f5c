"""A hostile "SSH server" cannot reach the operator's terminal through rocketui.

Before anything is verified, an SSH server may send text lines ahead of its version (RFC 4253
§4.2) and a DISCONNECT whose description it chooses freely.  This peer sends both with an OSC 52
(rewrite the clipboard), a window title, CSI/C1 controls and Rich markup.  rocketui must report
the host unreachable with that reason shown inert, in the CLI and in the TUI, and keep running.
It is not a stand-in for sshd: it is the hostile host itself (the real-sshd tests are elsewhere).
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.ports import free_port

EVIL = "\x1b]52;c;cm0gLXJmIH4K\x07\x1b]0;owned\x07\x1b[31m\x9b31m[@click=app.quit]x[/][red]"
BAD = ("\x1b", "\x9b", "\x07")


def disconnect_packet(description: str) -> bytes:
    """SSH_MSG_DISCONNECT in the unencrypted binary packet format of the first exchange."""
    desc = description.encode("utf-8")
    payload = bytes([1]) + struct.pack(">I", 2) + struct.pack(">I", len(desc)) + desc + struct.pack(">I", 0)
    padding = 8 - (len(payload) + 5) % 8
    padding += 8 if padding < 4 else 0
    return struct.pack(">IB", len(payload) + padding + 1, padding) + payload + bytes(padding)


@pytest.fixture
async def hostile() -> AsyncIterator[tuple[str, int]]:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(f"hello {EVIL}\r\nSSH-2.0-Evil_{'x'}\r\n".encode())
        await writer.drain()
        try:
            await asyncio.wait_for(reader.readline(), 5)  # the client's version line
        except (TimeoutError, ConnectionError):
            pass
        writer.write(disconnect_packet(f"go away {EVIL}"))
        await writer.drain()
        writer.close()

    port = free_port()
    server = await asyncio.start_server(serve, "127.0.0.1", port)
    try:
        yield "127.0.0.1", port
    finally:
        server.close()
        await server.wait_closed()


def cluster_file(tmp_path: Path, address: str, port: int) -> Path:
    path = tmp_path / "c.yaml"
    path.write_text(
        "cluster: C\n"
        'rocketmq: {home: /opt/rmq, version: "5.5.0"}\n'
        "work_dir: /tmp/w\n"
        "hosts:\n"
        f"  evil: {{backend: ssh, address: {address}, port: {port}, user: root, trust_on_first_use: true,\n"
        f"         known_hosts: {tmp_path}/known_hosts, connect_timeout: 3}}\n"
        "nodes:\n  - {name: ns, kind: namesrv, host: evil, port: 9876}\n"
    )
    return path


async def test_cli_status_shows_the_disconnect_reason_inert(
    hostile: tuple[str, int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from rocketui.cli import _resolve, _run_async
    from rocketui.commands.context import CommandContext

    path = cluster_file(tmp_path, *hostile)
    resolved = _resolve([str(path), "status"])
    assert not isinstance(resolved, int)
    module, _, _ = resolved
    import argparse

    ctx = CommandContext.create(str(path), argparse.Namespace(json=False, read_only=False))
    code = await _run_async(module, argparse.Namespace(json=False), ctx)
    out = capsys.readouterr()
    assert code == 1  # the host did not answer
    assert "go away" in out.out + out.err or "unreachable" in out.out
    assert not any(b in out.out + out.err for b in BAD)


async def test_tui_host_cell_and_detail_stay_inert(hostile: tuple[str, int], tmp_path: Path) -> None:
    from rocketui.app import RocketUI
    from rocketui.model.loader import load_cluster
    from rocketui.widgets.node_table import NodeTable

    app = RocketUI(load_cluster(str(cluster_file(tmp_path, *hostile))), poll_interval=0.3)
    async with app.run_test(size=(160, 30)) as pilot:
        for _ in range(100):
            cell = app.screen.query_one(NodeTable).get_cell("ns", "host")
            if "unreachable" in cell.plain:
                break
            await pilot.pause(0.1)
        assert "unreachable" in cell.plain
        detail = app.screen.query_one("#node-detail").render()
        for text in (cell.plain, getattr(detail, "plain", str(detail))):
            assert not any(b in text for b in BAD), repr(text)
        assert app.is_running
        svg = app.export_screenshot()
        assert not any(b in svg for b in BAD)
