"""The log view on a real broker: its boot line shows up, its files (with the JVM's GC log) are
listed, and lines it writes while the view is open arrive live."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from rocketui.app import RocketUI
from rocketui.backends.factory import BackendPool
from rocketui.model.cluster import NodeKind
from rocketui.model.loader import load_cluster
from rocketui.rocketmq.layout import BOOT_LINE
from rocketui.screens.logs import LogsScreen
from rocketui.services.node_status import NodeState
from rocketui.services.nodes import NodeService
from rocketui.usecases.logs import LogQueries
from tests.screens.test_logs_screen import wait_for
from tests.support.ports import broker_port, namesrv_port
from tests.support.rocketmq import kill_jvms_under, rocketmq_home, write_cluster

pytestmark = [pytest.mark.rocketmq]

NS_PORT, BROKER_PORT = namesrv_port(), broker_port()


@pytest.fixture
def cluster_file(tmp_path: Path) -> Iterator[Path]:
    yield write_cluster(tmp_path, rocketmq_home(), namesrv_port=NS_PORT, brokers=[("broker-a", BROKER_PORT)])
    kill_jvms_under(str(tmp_path))


async def test_broker_boot_line_and_files_in_the_log_view(cluster_file: Path) -> None:
    cluster = load_cluster(str(cluster_file))
    service = NodeService(cluster, BackendPool(cluster))
    for node in cluster.nodes:
        status = await service.start(node)
        assert status.state is NodeState.RUNNING, status.message
    broker = cluster.node("broker-a")
    logs = LogQueries(cluster, service)
    names = [f.name for f, _ in await logs.files(broker)]
    # from the logback XML the JVM was started with (files appear when first written)
    assert names[0] == "broker.log" and "stdout.log" in names and "gc.log" in names and "pop.log" in names

    app = RocketUI(cluster, service=service, poll_interval=0)
    app.animation_level = "none"
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.pause()
        app.push_screen(LogsScreen(logs, [broker]))
        await wait_for(pilot, lambda: isinstance(app.screen, LogsScreen) and app.screen.view.is_mounted)
        view = app.screen.view
        await wait_for(pilot, lambda: view.line_count > 0, timeout=20)
        # broker.log is created lazily by logback; until then the view opens the captured stdout
        assert app.screen.current.name in ("broker.log", "stdout.log")
        # the boot line is the broker's own stdout line; the captured stdout shows it
        if app.screen.current.name != "stdout.log":  # the main log opens before the side list is read
            await wait_for(pilot, lambda: any(f.name == "stdout.log" for f in app.screen._files), timeout=20)
            app.screen.open_file(next(f for f in app.screen._files if f.name == "stdout.log"))
        await wait_for(pilot, lambda: any(BOOT_LINE[NodeKind.BROKER].search(l) for l in view.lines()), timeout=20)
        # stopping the broker writes its shutdown lines into the followed file, live
        before = view.line_count
        await service.stop(broker)
        await wait_for(pilot, lambda: view.line_count > before, timeout=30)
        assert any(re.search(r"exited with status", l) for l in view.lines())
    await service.stop(cluster.node("ns"))
    await service.close()
