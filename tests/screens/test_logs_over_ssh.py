"""The log view following a node's log on an SSH host while that host's sshd is killed and
restarted: the view says so, then carries on with every line exactly once."""

from __future__ import annotations

import getpass
from pathlib import Path

import pytest

from rocketui.app import RocketUI
from rocketui.model.loader import load_cluster
from rocketui.screens.logs import LogsScreen
from tests.support.sshd import SSHFarm, ssh_client_keys, sshd_farm  # noqa: F401 (fixtures)
from tests.support.waits import pilot_wait_for

pytestmark = pytest.mark.ssh


def ssh_cluster(server, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    known = server.known_hosts_file(tmp_path / "known_hosts")
    path = tmp_path / "cluster.yaml"
    path.write_text(f"""\
cluster: LogsOverSsh
rocketmq: {{home: {tmp_path}/rocketmq, version: "5.5.0"}}
work_dir: {tmp_path}/work
hosts:
  mq1: {{backend: ssh, address: {server.address}, port: {server.port}, user: {getpass.getuser()},
        identity_file: {server.keys.key}, known_hosts: {known}, connect_timeout: 3}}
nodes:
  - {{name: ns, kind: namesrv, host: mq1, port: 32876, user_home: {tmp_path}/ns}}
""")
    return path


async def test_the_view_announces_the_outage_and_loses_no_line(sshd_farm: SSHFarm, tmp_path: Path) -> None:
    server = sshd_farm.start(1)[0]
    path = ssh_cluster(server, tmp_path)
    log = tmp_path / "ns/logs/rocketmqlogs/namesrv.log"
    log.parent.mkdir(parents=True)
    log.write_text("".join(f"line {i}\n" for i in range(5)))
    cluster = load_cluster(str(path))
    app = RocketUI(cluster, poll_interval=0)
    app.animation_level = "none"

    def append(lines: range) -> None:
        with log.open("a") as f:
            f.write("".join(f"line {i}\n" for i in lines))

    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.pause()
        app.push_screen(LogsScreen(app.ops.logs, [cluster.node("ns")]))
        await pilot_wait_for(pilot, lambda: isinstance(app.screen, LogsScreen) and app.screen.view.is_mounted)
        view = app.screen.view
        await pilot_wait_for(pilot, lambda: "line 4" in view.lines(), timeout=20)
        append(range(5, 10))
        await pilot_wait_for(pilot, lambda: "line 9" in view.lines(), timeout=20)
        server.kill()
        append(range(10, 20))  # written while the host is cut off
        await pilot_wait_for(
            pilot, lambda: any("connection to the host lost" in line for line in view.lines()), timeout=20
        )
        server.start()
        append(range(20, 25))
        await pilot_wait_for(pilot, lambda: "line 24" in view.lines(), timeout=30)
        shown = view.lines()  # rocketui's own lines are framed by ──
        assert [line for line in shown if not line.startswith("──")] == [f"line {i}" for i in range(25)]
        assert [line for line in shown if line.startswith("──")] == [
            "── connection to the host lost; reconnecting ──",
            "── reconnected to the host; following from where it stopped ──",
        ]
        assert (
            shown.index("line 9")
            < shown.index("── connection to the host lost; reconnecting ──")
            < shown.index("line 10")
        )


async def test_a_view_opened_during_an_outage_recovers_once_the_host_is_back(
    sshd_farm: SSHFarm, tmp_path: Path
) -> None:
    server = sshd_farm.start(1)[0]
    path = ssh_cluster(server, tmp_path)
    log = tmp_path / "ns/logs/rocketmqlogs/namesrv.log"
    log.parent.mkdir(parents=True)
    log.write_text("".join(f"line {i}\n" for i in range(5)))
    server.kill()  # the host is away before the view opens
    cluster = load_cluster(str(path))
    app = RocketUI(cluster, poll_interval=0)
    app.animation_level = "none"
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.pause()
        app.push_screen(LogsScreen(app.ops.logs, [cluster.node("ns")]))
        await pilot_wait_for(pilot, lambda: isinstance(app.screen, LogsScreen) and app.screen.view.is_mounted)
        screen = app.screen
        status = screen.query_one("#log-status")
        await pilot_wait_for(pilot, lambda: "cannot list the logs of ns" in str(status.render()), timeout=30)
        server.start()
        await pilot_wait_for(pilot, lambda: "line 4" in screen.view.lines(), timeout=60)
        await pilot_wait_for(pilot, lambda: "cannot" not in str(status.render()), timeout=10)
        assert screen.current is not None and screen.current.name == "namesrv.log"
        assert [str(o.prompt).split()[0] for o in screen.query_one("#log-files").options][0] == "namesrv.log"
        with log.open("a") as f:
            f.write("line 5\n")
        await pilot_wait_for(pilot, lambda: "line 5" in screen.view.lines(), timeout=30)
