"""The properties (e) and JVM memory (m) forms with Pilot, on real files (status from a table)."""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

from rocketui.app import RocketUI
from rocketui.backends.base import ProcessInfo
from rocketui.model.loader import parse_cluster
from rocketui.rocketmq.install import render_script
from rocketui.screens.broker_config import BrokerConfigScreen
from rocketui.screens.jvm_form import JvmMemoryScreen
from rocketui.services.node_status import NodeState, NodeStatus
from rocketui.widgets.confirm import ConfirmModal
from tests.support.fake_service import TableService
from tests.support.waits import pilot_wait_for

RUNNING = {"broker-a": NodeStatus("broker-a", NodeState.RUNNING, pid=4188, started_at=time.time() - 60, port_open=True)}

PROPS = (
    "# broker-a: edited by hand\r\nbrokerClusterName = TestCluster\r\nbrokerName=broker-a\r\n"
    "brokerId=0\r\n\r\n# role\r\nbrokerRole=ASYNC_MASTER\r\nflushDiskType=ASYNC_FLUSH\r\n"
    "listenPort=10911\r\nsendMessageThreadPoolNums=4\r\nwaitTimeMillsInSendQueue=500\r\n"
)


def make_app(root: Path, statuses: dict[str, NodeStatus] | None = None) -> RocketUI:
    home = root / "rocketmq"
    (home / "bin").mkdir(parents=True, exist_ok=True)
    (home / "bin" / "runbroker.sh").write_text(render_script("runbroker.sh"))
    (home / "bin" / "runserver.sh").write_text(render_script("runserver.sh"))
    (root / "broker-a.properties").write_bytes(PROPS.encode())
    text = textwrap.dedent(f"""\
        cluster: TestCluster
        rocketmq: {{home: {home}, version: "5.5.0"}}
        work_dir: {root}/work
        hosts:
          local: {{backend: local, address: 127.0.0.1}}
        nodes:
          - {{name: ns, kind: namesrv, host: local, port: 9876}}
          - {{name: broker-a, kind: broker, host: local, port: 10911, broker_name: broker-a,
             config: broker-a.properties}}
        """)
    (root / "c.yaml").write_text(text)
    cluster = parse_cluster(text, str(root / "c.yaml"))
    app = RocketUI(cluster, service=TableService(cluster, statuses or {}), poll_interval=0)
    app.animation_level = "none"
    return app


async def open_form(pilot, key: str, kind: type) -> object:
    await pilot.pause()
    await pilot.press("down", key)
    await pilot_wait_for(pilot, lambda: isinstance(pilot.app.screen, kind) and pilot.app.screen.loaded is not None)
    await pilot.pause()
    return pilot.app.screen


def field(screen, key: str):
    return screen.query_one(f"#f-{key}")


async def test_invalid_value_shows_inline_error_and_disables_save(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_form(pilot, "e", BrokerConfigScreen)
        assert field(screen, "brokerClusterName").value == "TestCluster"
        assert screen.query_one("#save").disabled  # nothing changed yet
        field(screen, "brokerRole").value = "MASTER"
        await pilot.pause()
        help_text = str(screen.query_one("#e-brokerRole").render())
        assert "ASYNC_MASTER" in help_text and "MASTER" in help_text
        assert field(screen, "brokerRole").has_class("-invalid")
        assert screen.query_one("#save").disabled
        field(screen, "brokerRole").value = "SLAVE"  # valid alone, but a master id
        await pilot.pause()
        assert screen.query_one("#save").disabled
        assert "brokerId" in str(screen.query_one("#config-problems").render())
        field(screen, "brokerId").value = "1"
        await pilot.pause()
        assert not screen.query_one("#save").disabled
        field(screen, "namesrvAddr").value = "a:9876,b:9876"
        await pilot.pause()
        assert screen.query_one("#save").disabled and field(screen, "namesrvAddr").has_class("-invalid")


async def test_save_shows_the_diff_and_changes_only_the_edited_lines(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_form(pilot, "e", BrokerConfigScreen)
        field(screen, "fileReservedTime").value = "48"
        field(screen, "flushDiskType").value = "SYNC_FLUSH"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot_wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        diff = "\n".join(app.screen.details)
        assert "-flushDiskType=ASYNC_FLUSH" in diff and "+flushDiskType=SYNC_FLUSH" in diff
        assert "+fileReservedTime=48" in diff
        await pilot.press("enter")  # Cancel is the default: nothing written
        await pilot.pause()
        assert (tmp_path / "broker-a.properties").read_bytes() == PROPS.encode()
        await pilot.press("ctrl+s")
        await pilot_wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await pilot_wait_for(pilot, lambda: (tmp_path / "broker-a.properties").read_bytes() != PROPS.encode())
        expected = PROPS.replace("flushDiskType=ASYNC_FLUSH", "flushDiskType=SYNC_FLUSH") + "fileReservedTime=48\r\n"
        assert (tmp_path / "broker-a.properties").read_bytes() == expected.encode()
        backups = [p for p in tmp_path.iterdir() if p.name.startswith("broker-a.properties.bak.")]
        assert len(backups) == 1 and backups[0].read_bytes() == PROPS.encode()


async def test_other_keys_add_and_remove(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_form(pilot, "e", BrokerConfigScreen)
        table = screen.query_one("#other-keys")
        assert [str(table.get_row_at(i)[0]) for i in range(table.row_count)] == ["waitTimeMillsInSendQueue"]
        add = screen.query_one("#add-key")
        add.value = "notARealKey=1"
        await add.action_submit()
        await pilot.pause()
        assert "notARealKey" in str(screen.query_one("#add-error").render())
        add.value = "slaveReadEnable=true"
        await add.action_submit()
        await pilot.pause()
        assert "own field" in str(screen.query_one("#add-error").render())
        add.value = "maxTransferCountOnMessageInMemory=64"
        await add.action_submit()
        await pilot.pause()
        assert table.row_count == 2
        table.focus()
        await pilot.press("delete")  # removes waitTimeMillsInSendQueue (row 0)
        await pilot.pause()
        set_, unset = screen.changes()
        assert set_ == {"maxTransferCountOnMessageInMemory": "64"} and unset == ["waitTimeMillsInSendQueue"]


async def test_save_refused_when_the_file_changed_behind_the_form(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_form(pilot, "e", BrokerConfigScreen)
        field(screen, "fileReservedTime").value = "24"
        await pilot.pause()
        (tmp_path / "broker-a.properties").write_bytes(PROPS.encode() + b"deleteWhen=01\r\n")
        await pilot.press("ctrl+s")
        await pilot_wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await pilot_wait_for(pilot, lambda: "changed on disk" in str(screen.query_one("#config-problems").render()))
        problems = str(screen.query_one("#config-problems").render())
        assert "+deleteWhen=01" in problems  # the other change is shown
        assert b"fileReservedTime" not in (tmp_path / "broker-a.properties").read_bytes()


async def test_jvm_form_validates_sizes_and_saves_the_script(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_form(pilot, "m", JvmMemoryScreen)
        assert field(screen, "Xmx").value == "8g"
        assert "broker-a" in str(screen.query_one("#jvm-notes").render())
        field(screen, "Xmx").value = "8q"
        await pilot.pause()
        assert field(screen, "Xmx").has_class("-invalid") and screen.query_one("#save").disabled
        field(screen, "Xms").value = "1g"
        field(screen, "Xmx").value = "512m"
        await pilot.pause()
        assert screen.query_one("#save").disabled  # Xms > Xmx
        assert "Xms" in str(screen.query_one("#config-problems").render())
        field(screen, "Xms").value = "512m"
        await pilot.pause()
        assert screen.query_one("#save").disabled  # the script's -Xmn4g (Java < 8 branch) >= Xmx
        assert "-Xmn4g" in str(screen.query_one("#config-problems").render())
        field(screen, "Xmn").value = "256m"
        await pilot.pause()
        assert not screen.query_one("#save").disabled
        await pilot.press("ctrl+s")
        await pilot_wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        script = tmp_path / "rocketmq" / "bin" / "runbroker.sh"
        await pilot_wait_for(pilot, lambda: "-Xmx512m" in script.read_text())
        assert "-Xms512m" in script.read_text() and "-Xmx8g" not in script.read_text()
        assert "-Xmn256m" in script.read_text()


async def save_confirmed(pilot) -> None:
    await pilot.press("ctrl+s")
    await pilot_wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmModal))
    await pilot.press("y")


async def test_saving_a_running_broker_offers_live_apply_for_hot_keys_and_restart_for_others(tmp_path: Path) -> None:
    app = make_app(tmp_path, RUNNING)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_form(pilot, "e", BrokerConfigScreen)
        assert screen.node_running
        field(screen, "fileReservedTime").value = "48"  # hot: the broker takes it at runtime
        await pilot.pause()
        await save_confirmed(pilot)
        await pilot_wait_for(
            pilot, lambda: isinstance(app.screen, ConfirmModal) and app.screen.title_text.startswith("Apply")
        )
        assert "fileReservedTime=48" in app.screen.body
        await pilot.press("enter")  # Cancel: nothing is sent to the broker
        await pilot_wait_for(pilot, lambda: app.screen is screen and screen.original.get("fileReservedTime") == "48")
        field(screen, "flushDiskType").value = "SYNC_FLUSH"  # read at start only
        await pilot.pause()
        await save_confirmed(pilot)
        await pilot_wait_for(
            pilot, lambda: isinstance(app.screen, ConfirmModal) and app.screen.title_text == "Restart needed"
        )
        assert "flushDiskType" in app.screen.body
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen
        assert b"flushDiskType=SYNC_FLUSH" in (tmp_path / "broker-a.properties").read_bytes()


async def test_saving_memory_of_a_running_jvm_with_other_flags_offers_a_restart(tmp_path: Path, monkeypatch) -> None:
    jvm = ProcessInfo(
        4188,
        1,
        4188,
        1,
        time.time() - 60,
        ("java", "-server", "-Xms8g", "-Xmx8g", "-Xmn4g", "org.apache.rocketmq.broker.BrokerStartup"),
    )

    async def find(*args, **kwargs) -> ProcessInfo:  # the JVM the table says runs, as it was started
        return jvm

    monkeypatch.setattr(TableService, "find", find)  # NodeService.find: how every use case finds a JVM
    app = make_app(tmp_path, RUNNING)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_form(pilot, "m", JvmMemoryScreen)
        field(screen, "Xms").value = "512m"
        field(screen, "Xmx").value = "512m"
        field(screen, "Xmn").value = "256m"
        await pilot.pause()
        await save_confirmed(pilot)
        await pilot_wait_for(
            pilot, lambda: isinstance(app.screen, ConfirmModal) and app.screen.title_text == "Restart needed"
        )
        # the flags it runs with, against what the saved script now gives
        assert "running with -Xmx8g, the script now gives -Xmx512m" in app.screen.body
        assert "running with -Xmn4g, the script now gives -Xmn256m" in app.screen.body
        await pilot.press("enter")  # Cancel is the default: no restart
        await pilot.pause()
        assert app.screen is screen and "-Xmx512m" in (tmp_path / "rocketmq/bin/runbroker.sh").read_text()


def test_properties_form_snapshot(snap_compare) -> None:
    import shutil

    root = Path("/tmp/rocketui-snapshot-forms")  # fixed: the path is on screen
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir()
    app = make_app(root)

    async def run_before(pilot) -> None:
        screen = await open_form(pilot, "e", BrokerConfigScreen)
        field(screen, "brokerRole").value = "MASTER"
        field(screen, "fileReservedTime").value = "48"
        await pilot.pause()

    assert snap_compare(app, terminal_size=(140, 40), run_before=run_before)


def test_jvm_form_snapshot(snap_compare) -> None:
    import shutil

    root = Path("/tmp/rocketui-snapshot-forms")
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir()
    app = make_app(root)

    async def run_before(pilot) -> None:
        screen = await open_form(pilot, "m", JvmMemoryScreen)
        field(screen, "Xmx").value = "512m"
        await pilot.pause()

    assert snap_compare(app, terminal_size=(140, 40), run_before=run_before)


CLUSTER_WITH_JVM = """\
# The operator's cluster: comments and layout are theirs.
cluster: TestCluster
rocketmq: {{home: {home}, version: "5.5.0"}}   # installed by hand
work_dir: {root}/work
hosts:
  local: {{backend: local, address: 127.0.0.1}}
defaults:
  jvm: {{xms: 256m, xmx: 256m, xmn: 128m}}     # small heaps on this laptop
nodes:
  - {{name: ns, kind: namesrv, host: local, port: 9876}}
  # the one broker
  - name: broker-a
    kind: broker
    host: local
    port: 10911
    broker_name: broker-a
    config: broker-a.properties    # next to this file
"""


async def test_memory_set_in_the_cluster_file_is_edited_there_keeping_everything_else(tmp_path: Path) -> None:
    """The node runs with the cluster file's 256m (not the script's 8g): `m` opens on the cluster
    file, and saving changes the node's lines only, byte for byte elsewhere, with a backup."""
    app = make_app(tmp_path)
    path = tmp_path / "c.yaml"
    text = CLUSTER_WITH_JVM.format(home=tmp_path / "rocketmq", root=tmp_path)
    path.write_text(text)
    cluster = parse_cluster(text, str(path))
    app = RocketUI(cluster, service=TableService(cluster, {}), poll_interval=0)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_form(pilot, "m", JvmMemoryScreen)
        assert isinstance(screen, JvmMemoryScreen) and screen.mode == "cluster"
        assert str(screen.query_one("#config-where").render()).startswith("editing jvm: of node broker-a in ")
        assert field(screen, "Xmx").value == "256m" and field(screen, "MetaspaceSize").disabled
        field(screen, "Xmx").value = "512m"
        field(screen, "Xms").value = "512m"
        await pilot.pause()
        assert screen.plan is not None and not screen.plan.errors and screen.plan.changed
        await pilot.press("ctrl+s")
        await pilot_wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmModal))
        await pilot.press("y")
        await pilot_wait_for(
            pilot, lambda: isinstance(pilot.app.screen, JvmMemoryScreen) and screen.last_saved is not None
        )
        await pilot.app.workers.wait_for_complete()
    after = path.read_text()
    assert after == text.replace(
        "    config: broker-a.properties    # next to this file\n",
        "    config: broker-a.properties    # next to this file\n    jvm: {xms: 512m, xmx: 512m}\n",
    )
    assert [p.read_text() for p in tmp_path.glob("c.yaml.bak.*")] == [text]
    broker = app.ops.cluster.node("broker-a")  # re-read: the next start gets the new heap
    assert (broker.jvm.xms, broker.jvm.xmx, broker.jvm.xmn) == ("512m", "512m", "128m")
    entries = [e for e in app.ops.journal.entries() if e.action == "cluster file save"]
    assert len(entries) == 1 and entries[0].files[0].startswith("this machine: ")
