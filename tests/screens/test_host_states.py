"""The node table's host column against real sshd: connecting, connected, unreachable: reason.

Three SSH hosts, no JVMs: `up` stays up, `down` is killed while the TUI runs (its nodes must
show unreachable within 5 s), `mute` accepts TCP but never speaks SSH (it shows connecting until
its connect_timeout, then unreachable).  Key latency is measured while the hosts are down and
printed; it is not asserted (timing depends on the machine).
"""

from __future__ import annotations

import asyncio
import getpass
import socket
import statistics
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from textual import events

from rocketui.app import RocketUI
from rocketui.model.loader import load_cluster
from rocketui.widgets.node_table import NodeTable
from tests.support.sshd import CLOSED, SSHFarm, ssh_client_keys, sshd_farm  # noqa: F401 (fixtures)
from tests.support.waits import pilot_wait_for

pytestmark = pytest.mark.ssh

UNREACHABLE_WITHIN = 5.0  # seconds, the bound


@pytest.fixture
def mute() -> Iterator[tuple[str, int]]:
    """Accepts TCP connections (the kernel's backlog) and never says a word."""
    sink = socket.socket()
    sink.bind((CLOSED[0], CLOSED[1] - 1))
    sink.listen(64)
    try:
        yield CLOSED[0], CLOSED[1] - 1
    finally:
        sink.close()


def write_cluster(tmp: Path, farm: SSHFarm, mute: tuple[str, int]) -> tuple[Path, list]:
    up, down = farm.start(2)
    known = tmp / "known_hosts"
    known.write_text(up.host_key_line + down.host_key_line)
    common = f"user: {getpass.getuser()}, identity_file: {farm.keys.key}, known_hosts: {known}"
    path = tmp / "cluster.yaml"
    path.write_text(f"""\
cluster: HostStates
rocketmq: {{home: {tmp}/rocketmq, version: "5.5.0"}}
work_dir: {tmp}/work
hosts:
  up: {{backend: ssh, address: {up.address}, port: {up.port}, {common}}}
  down: {{backend: ssh, address: {down.address}, port: {down.port}, {common}}}
  mute: {{backend: ssh, address: {mute[0]}, port: {mute[1]}, {common}, connect_timeout: 4}}
nodes:
  - {{name: ns-up, kind: namesrv, host: up, port: 32876}}
  - {{name: ns-down, kind: namesrv, host: down, port: 32876}}
  - {{name: ns-mute, kind: namesrv, host: mute, port: 32876}}
""")
    return path, [up, down]


def host_cell(app: RocketUI, node: str) -> str:
    table = app.screen.query_one(NodeTable)
    return str(table.get_row(node)[2])


wait_for = partial(pilot_wait_for, timeout=20.0, interval=0.02)  # returns the seconds waited


async def test_host_column_shows_connection_states_and_keys_stay_fast(sshd_farm: SSHFarm, mute, tmp_path: Path) -> None:
    path, (up, down) = write_cluster(tmp_path, sshd_farm, mute)
    app = RocketUI(load_cluster(str(path)), poll_interval=0.3)
    app.animation_level = "none"
    async with app.run_test(size=(160, 30)) as pilot:
        await pilot.pause()
        # before a first answer: connecting (the mute host stays there until its connect_timeout)
        assert host_cell(app, "ns-mute") == "mute connecting"
        await wait_for(
            pilot,
            lambda: host_cell(app, "ns-up") == "up connected" and host_cell(app, "ns-down") == "down connected",
            what="both live hosts connected",
        )
        assert host_cell(app, "ns-mute") == "mute connecting"  # its connect is still under way
        await wait_for(
            pilot,
            lambda: host_cell(app, "ns-mute").startswith("mute unreachable: no SSH answer"),
            what="the mute host's connect timeout",
        )
        table = app.screen.query_one(NodeTable)
        assert str(table.get_row("ns-up")[5]) == "stopped" and str(table.get_row("ns-mute")[5]) == "unreachable"

        down.kill()
        killed = time.monotonic()
        took = await wait_for(
            pilot,
            lambda: host_cell(app, "ns-down").startswith("down unreachable:"),
            what="the killed host shown unreachable",
            timeout=UNREACHABLE_WITHIN + 5,
        )
        print(f"\nTUI: host killed -> shown '{host_cell(app, 'ns-down')}' after {took:.2f}s")
        assert time.monotonic() - killed < UNREACHABLE_WITHIN
        assert host_cell(app, "ns-up") == "up connected"

        # keys while two hosts are down and polls keep trying them: from posting the key event
        # to the cursor having moved (the app's handling delay), sampled every millisecond
        delays: list[float] = []
        for i in range(60):
            key = "down" if i % 2 == 0 else "up"
            want = table.cursor_row + (1 if key == "down" else -1)
            t0 = time.perf_counter()
            app.post_message(events.Key(key, None))
            while table.cursor_row != want:
                assert time.perf_counter() - t0 < 10, f"key {key} not handled"
                await asyncio.sleep(0.001)
            delays.append((time.perf_counter() - t0) * 1000)
            await asyncio.sleep(0.02)  # keys a person types, not a burst
        print(
            f"TUI: key handling with 2 of 3 hosts down ({len(delays)} keys): median "
            f"{statistics.median(delays):.1f} ms, p95 {sorted(delays)[int(len(delays) * 0.95) - 1]:.1f} ms, "
            f"max {max(delays):.1f} ms"
        )

        await pilot.press("down")  # the detail line under the table shows the whole reason
        await pilot.pause()
        detail = str(app.screen.query_one("#node-detail").render())
        assert "host down: unreachable: cannot connect: connection refused" in detail


async def test_a_host_key_trusted_on_first_use_is_shown(sshd_farm: SSHFarm, tmp_path: Path) -> None:
    """trust_on_first_use: the TUI says which key it trusted (fingerprint) and where it added it."""
    server = sshd_farm.start(1)[0]
    known = tmp_path / "known_hosts"
    path = tmp_path / "cluster.yaml"
    path.write_text(f"""\
cluster: Tofu
rocketmq: {{home: {tmp_path}/rocketmq, version: "5.5.0"}}
work_dir: {tmp_path}/work
hosts:
  h1: {{backend: ssh, address: {server.address}, port: {server.port}, user: {getpass.getuser()},
        identity_file: {sshd_farm.keys.key}, known_hosts: {known}, trust_on_first_use: true}}
nodes:
  - {{name: ns, kind: namesrv, host: h1, port: 32876}}
""")
    app = RocketUI(load_cluster(str(path)), poll_interval=0.3)
    app.animation_level = "none"
    async with app.run_test(size=(160, 30), notifications=True) as pilot:
        await wait_for(pilot, lambda: any(n.title == "host key" for n in app._notifications), what="the notice")
        [note] = [n for n in app._notifications if n.title == "host key"]
        assert note.severity == "warning"
        assert f"ssh-ed25519 {server.fingerprint}, added to {known}" in note.message
    assert known.read_text() == server.host_key_line
