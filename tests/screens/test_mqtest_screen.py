"""The produce/consume panel and the health view with Pilot: form validation and read-only without
a broker; a real run and the health table against a real namesrv + broker."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from rocketui.app import RocketUI
from rocketui.backends.factory import BackendPool
from rocketui.model.loader import load_cluster
from rocketui.screens.health import HealthScreen
from rocketui.screens.mqtest import MqTestScreen
from rocketui.services.node_status import NodeState
from rocketui.services.nodes import NodeService
from rocketui.usecases.journal import Journal
from tests.support.fake_service import DEMO_STATUSES, TableService, demo_cluster
from tests.support.ports import broker_port, namesrv_port
from tests.support.rocketmq import kill_jvms_under, rocketmq_home, write_cluster
from tests.support.waits import pilot_wait_for

NS_PORT, BROKER_PORT = namesrv_port(), broker_port()


def demo_app(read_only: bool = False) -> RocketUI:
    cluster = demo_cluster()
    app = RocketUI(cluster, read_only=read_only, service=TableService(cluster, DEMO_STATUSES), poll_interval=0)
    app.animation_level = "none"
    return app


wait_for = partial(pilot_wait_for, timeout=60.0, interval=0.1)  # produce/consume rounds on real JVMs


def result_text(app: RocketUI) -> str:
    return str(app.screen.query_one("#mq-result").render())


async def test_invalid_fields_are_reported_and_nothing_runs() -> None:
    app = demo_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, MqTestScreen)
        app.screen.query_one("#mq-count").value = "ten"
        await pilot.press("f5")
        await pilot.pause()
        assert "messages: 'ten' is not a whole number" in result_text(app)
        app.screen.query_one("#mq-count").value = "0"
        app.screen.query_one("#mq-topic").value = "has space"
        await pilot.press("f5")
        await pilot.pause()
        text = result_text(app)
        assert "count must be at least 1" in text and "without whitespace" in text
        assert not app.screen.busy


async def test_read_only_refuses_the_test_run() -> None:
    app = demo_app(read_only=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        await pilot.press("p")
        await pilot.pause()
        await pilot.press("f5")
        await pilot.pause()
        assert not app.screen.busy
        assert any("read-only" in n.message for n in app._notifications)


def test_panel_snapshot(snap_compare) -> None:
    async def open_panel(pilot) -> None:
        await pilot.pause()
        await pilot.press("p")
        await pilot.pause()

    assert snap_compare(demo_app(), terminal_size=(140, 36), run_before=open_panel)


@pytest.fixture
def running_cluster(tmp_path: Path) -> Iterator[Path]:
    path = write_cluster(tmp_path, rocketmq_home(), namesrv_port=NS_PORT, brokers=[("broker-a", BROKER_PORT)])
    yield path
    kill_jvms_under(str(tmp_path))


@pytest.mark.rocketmq
async def test_panel_run_and_health_against_a_real_broker(running_cluster: Path) -> None:
    cluster = load_cluster(str(running_cluster))
    service = NodeService(cluster, BackendPool(cluster))
    for node in cluster.nodes:
        status = await service.start(node)
        assert status.state is NodeState.RUNNING, status.message
    app = RocketUI(cluster, service=service, poll_interval=0)
    app.animation_level = "none"
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        await pilot.press("p")
        await pilot.pause()
        screen = app.screen
        screen.query_one("#mq-count").value = "2000"
        screen.query_one("#mq-topic").value = "PanelTopic"
        screen.query_one("#mq-create").value = f"c:{cluster.name}"
        # sync: a 256 MiB broker on a loaded CI machine may answer SYSTEM_BUSY (TIMEOUT_CLEAN_QUEUE);
        # in sync mode rocketui sends again as the Java client does, in async mode neither does
        screen.query_one("#mq-mode").value = "sync"
        await pilot.press("f5")
        await wait_for(pilot, lambda: not screen.busy and "received" in result_text(app), timeout=120)
        text = result_text(app)
        assert "sent 2,000 · stored 2,000 · received 2,000 · missing 0 · duplicated 0" in text, text
        assert "per broker: broker-a 2,000" in str(screen.query_one("#mq-stats").render())
        entries = [e for e in Journal().entries() if e.action == "produce test"]
        assert len(entries) == 1 and entries[0].outcome == "ok"
        assert "PanelTopic" in entries[0].commands[0]

        await pilot.press("escape", "h")
        await pilot.pause()
        assert isinstance(app.screen, HealthScreen)
        await wait_for(pilot, lambda: app.screen.report is not None, timeout=30)
        report = app.screen.report
        assert report.ok, report.all_problems()
        table = app.screen.query_one("#health-table")
        row = [str(c) for c in table.get_row_at(0)]
        assert row[:5] == [cluster.name, "broker-a", "0", f"127.0.0.1:{BROKER_PORT}", "broker-a"]
        assert row[10] == "1/1" and row[11] == "ok"
    await service.close()  # the fixture kills the JVMs (an orderly stop is not what this tests)


async def test_quickstart_keys_refuse_without_the_example_jar(tmp_path: Path, private_journal_and_config: Path) -> None:
    """F6 on an assembled 4.9.7: one line in the panel, nothing journaled, the panel stays usable."""
    home = tmp_path / "rocketmq-4.9.7"
    (home / "lib").mkdir(parents=True)
    (home / "lib" / "rocketmq-broker-4.9.7.jar").write_bytes(b"")
    path = write_cluster(tmp_path, home, namesrv_port=NS_PORT, brokers=[])
    cluster = load_cluster(str(path))
    service = NodeService(cluster, BackendPool(cluster))
    app = RocketUI(cluster, service=service, poll_interval=0)
    app.animation_level = "none"
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        await pilot.press("p")
        await pilot.pause()
        await pilot.press("f6")
        await wait_for(pilot, lambda: not app.screen.busy and "quickstart unavailable" in result_text(app), timeout=20)
        assert "RocketMQ 4.9.7" in result_text(app) and "no rocketmq-example jar" in result_text(app)
    await service.close()
    assert not private_journal_and_config.exists() or "quickstart" not in private_journal_and_config.read_text()
