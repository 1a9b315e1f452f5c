"""Both forms end to end against a real broker, through the TUI:

- `m`: the heap set in the memory form lands in the distribution's bin/runbroker.sh (a private
  copy of the distribution, so no other test sees the edit); Restart from the "restart needed"
  offer, and the new JVM's command line carries the new -Xms/-Xmx/-Xmn;
- `e`: fileReservedTime changed in the properties form is applied to the running broker without a
  restart (same pid) and read back from the broker; the file on disk keeps rocketui's version.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from textual.widgets import Input

from rocketui.app import RocketUI
from rocketui.backends.factory import BackendPool
from rocketui.model.loader import load_cluster
from rocketui.rocketmq import jvm_script
from rocketui.rocketmq.remoting import BrokerClient
from rocketui.screens.broker_config import BrokerConfigScreen
from rocketui.screens.jvm_form import JvmMemoryScreen
from rocketui.services.node_status import NodeState
from rocketui.services.nodes import NodeService
from rocketui.widgets.confirm import ConfirmModal
from rocketui.widgets.node_table import NodeTable
from tests.support.ports import broker_port, namesrv_port
from tests.support.rocketmq import broker_properties, java_processes_under, kill_jvms_under, rocketmq_home
from tests.support.waits import pilot_wait_for

pytestmark = [pytest.mark.rocketmq]

NS_PORT, BROKER_PORT = namesrv_port(), broker_port()


@pytest.fixture
def cluster_file(tmp_path: Path) -> Iterator[Path]:
    real = rocketmq_home()
    home = tmp_path / "rocketmq"
    home.mkdir()
    (home / "lib").symlink_to(real / "lib")
    (home / "conf").symlink_to(real / "conf")
    shutil.copytree(real / "bin", home / "bin")
    script = home / "bin" / "runbroker.sh"  # the official default heap is 8g: start small
    script.write_text(
        jvm_script.set_flags(
            script.read_text(), {"Xms": "256m", "Xmx": "256m", "Xmn": "128m", "MaxDirectMemorySize": "256m"}
        )
    )
    (tmp_path / "broker-a.properties").write_text(broker_properties("broker-a", BROKER_PORT) + "fileReservedTime=48\n")
    path = tmp_path / "cluster.yaml"
    path.write_text(
        textwrap.dedent(f"""\
        cluster: TestCluster
        rocketmq: {{home: {home}, version: "5.5.0"}}
        work_dir: {tmp_path / "work"}
        hosts:
          local: {{backend: local, address: 127.0.0.1}}
        nodes:
          - {{name: ns, kind: namesrv, host: local, port: {NS_PORT}, listen_address: 127.0.0.1,
             jvm: {{xms: 128m, xmx: 128m, xmn: 64m}}}}
          - name: broker-a
            kind: broker
            host: local
            port: {BROKER_PORT}
            broker_name: broker-a
            config: broker-a.properties
            # no memory flag here: the script decides them, so the memory form edits the script
            jvm: {{extra: ["-XX:-AlwaysPreTouch"]}}
        """)
    )
    yield path
    kill_jvms_under(str(tmp_path))


def broker_argv(root: Path) -> list[str]:
    for pid in java_processes_under(str(root)):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
        except OSError:
            continue
        if "org.apache.rocketmq.broker.BrokerStartup" in argv:
            return argv
    return []


# JVM starts and live applies: a slow machine's bound, asked every 0.25 s
wait_for = partial(pilot_wait_for, timeout=90.0, interval=0.25)


async def open_form(pilot, key: str, kind: type) -> object:
    app = pilot.app
    await wait_for(pilot, lambda: str(app.screen.query_one(NodeTable).get_cell("broker-a", "state")) == "running")
    app.screen.query_one(NodeTable).select_node("broker-a")
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(app.screen, kind) and app.screen.loaded is not None, timeout=20)
    assert app.screen.node_running
    return app.screen


async def save_and_answer(pilot, offer: str) -> ConfirmModal:
    """Save (accept the diff), then wait for the offer that follows it and accept that too."""
    app = pilot.app
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), timeout=20)
    await pilot.press("y")
    await wait_for(
        pilot, lambda: isinstance(app.screen, ConfirmModal) and app.screen.title_text.startswith(offer), timeout=30
    )
    modal = app.screen
    await pilot.press("y")
    return modal


async def test_heap_from_the_form_reaches_the_restarted_jvm_and_a_hot_key_applies_live(cluster_file: Path) -> None:
    root = cluster_file.parent
    cluster = load_cluster(str(cluster_file))
    service = NodeService(cluster, BackendPool(cluster))
    for node in cluster.nodes:
        status = await service.start(node)
        assert status.state is NodeState.RUNNING, status.message
    first = broker_argv(root)
    assert "-Xmx256m" in first and "-Xmx320m" not in first
    app = RocketUI(cluster, service=service, poll_interval=0.5)
    app.animation_level = "none"
    async with app.run_test(size=(140, 45)) as pilot:
        form = await open_form(pilot, "m", JvmMemoryScreen)
        for flag, value in (("Xms", "320m"), ("Xmx", "320m"), ("Xmn", "160m")):
            form.query_one(f"#f-{flag}", Input).value = value
        await pilot.pause()
        offer = await save_and_answer(pilot, "Restart needed")
        assert "-Xmx" in offer.body
        await wait_for(pilot, lambda: "-Xmx320m" in broker_argv(root))
        restarted = broker_argv(root)
        assert {"-Xms320m", "-Xmx320m", "-Xmn160m"} <= set(restarted)
        assert "-Xmx320m" in (root / "rocketmq" / "bin" / "runbroker.sh").read_text()
        await wait_for(pilot, lambda: any("broker-a: running" in n.message for n in app._notifications))

        await pilot.press("escape")
        broker = cluster.node("broker-a")
        pid_before = (await service.status(broker)).pid
        form = await open_form(pilot, "e", BrokerConfigScreen)
        form.query_one("#f-fileReservedTime", Input).value = "49"
        await pilot.pause()
        offer = await save_and_answer(pilot, "Apply to the running broker")
        assert "fileReservedTime=49" in offer.body
        await wait_for(pilot, lambda: any("applied and verified" in n.message for n in app._notifications), timeout=30)
    async with BrokerClient(f"127.0.0.1:{BROKER_PORT}") as client:
        assert (await client.get_broker_config())["fileReservedTime"] == "49"
    assert (await service.status(broker)).pid == pid_before  # applied live, not restarted
    text = (root / "broker-a.properties").read_text()
    assert "fileReservedTime=49" in text.splitlines() and text.startswith("# test broker broker-a")
    await service.close()
