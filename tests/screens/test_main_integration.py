"""The README path through the real TUI: keys start a real namesrv and broker, the broker
registers, a broker killed behind rocketui's back shows crashed (with its signal) until `a`
acknowledges it, stopping the broker leaves the namesrv running."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from rocketui.app import RocketUI
from rocketui.model.loader import load_cluster
from rocketui.widgets.confirm import ConfirmModal
from rocketui.widgets.node_table import NodeTable
from tests.support.ports import broker_port, namesrv_port
from tests.support.rocketmq import kill_jvms_under, rocketmq_home, write_cluster
from tests.support.waits import pilot_wait_for

pytestmark = [pytest.mark.rocketmq]

NS_PORT, BROKER_PORT = namesrv_port(), broker_port()


@pytest.fixture
def cluster_file(tmp_path: Path) -> Iterator[Path]:
    home = rocketmq_home()
    yield write_cluster(tmp_path, home, namesrv_port=NS_PORT, brokers=[("broker-a", BROKER_PORT)])
    kill_jvms_under(str(tmp_path))


def cell(app: RocketUI, node: str, column: str) -> str:
    return str(app.screen.query_one(NodeTable).get_cell(node, column))


# JVM starts and stops: a slow machine's bound, asked every 0.25 s
wait_for = partial(pilot_wait_for, timeout=120.0, interval=0.25)


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


async def confirm(pilot) -> None:
    """Wait for the confirmation (its plan is worked out first) and accept it."""
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmModal), timeout=20)
    assert any("local:" in line for line in pilot.app.screen.details)  # the exact command is shown
    await pilot.press("y")


async def test_start_register_stop_through_keys(cluster_file: Path) -> None:
    app = RocketUI(load_cluster(str(cluster_file)), poll_interval=0.5)
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.pause()
        assert cell(app, "ns", "state") == "stopped" or cell(app, "ns", "state") == "unknown"
        seen: set[str] = set()

        await pilot.press("s")  # cursor starts on the namesrv row
        await confirm(pilot)  # the dialog shows the exact start command first
        await wait_for(pilot, lambda: seen.add(cell(app, "ns", "state")) or cell(app, "ns", "state") == "running")
        assert "starting" in seen

        await pilot.press("down", "s")
        await confirm(pilot)
        await wait_for(
            pilot, lambda: cell(app, "broker-a", "state") == "running" and cell(app, "broker-a", "registered") == "1/1"
        )
        pid = int(cell(app, "broker-a", "pid"))
        assert os.path.exists(f"/proc/{pid}")

        os.kill(pid, 9)  # behind rocketui's back: crashed within a poll or two, never "running"
        await wait_for(pilot, lambda: cell(app, "broker-a", "state") == "crashed", timeout=5)
        status_line = str(app.screen.query_one("#status-line").render())
        assert "broker-a: crashed" in status_line and "SIGKILL" in status_line
        assert "SIGKILL" in str(app.screen.query_one("#node-detail").render())
        await pilot.press("a")  # acknowledged: shown stopped from now on
        await wait_for(pilot, lambda: cell(app, "broker-a", "state") == "stopped", timeout=10)

        await pilot.press("s")
        await confirm(pilot)
        await wait_for(
            pilot, lambda: cell(app, "broker-a", "state") == "running" and cell(app, "broker-a", "registered") == "1/1"
        )
        pid = int(cell(app, "broker-a", "pid"))

        await pilot.press("x")
        await confirm(pilot)
        await wait_for(pilot, lambda: cell(app, "broker-a", "state") == "stopped")
        assert not os.path.exists(f"/proc/{pid}") and not port_open(BROKER_PORT)
        assert cell(app, "ns", "state") == "running" and port_open(NS_PORT)

        await pilot.press("up", "x")
        await confirm(pilot)
        await wait_for(pilot, lambda: cell(app, "ns", "state") == "stopped")
        assert not port_open(NS_PORT)
