"""The log view on a real broker: its boot line shows up, its files (with the JVM's GC log) are
listed, and lines it writes while the view is open arrive live; on the files real JVMs wrote, `e`
finds every WARN and ERROR line, levels are coloured, `L` orders namesrv and broker by time, and
the CLI's `--level` and `--merged` print exactly what the files hold."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
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
from tests.support.ports import broker_port, namesrv_port
from tests.support.rocketmq import (
    broker_properties,
    java_processes_under,
    kill_jvms_under,
    rocketmq_home,
    write_cluster,
)
from tests.support.waits import pilot_wait_for

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
        await pilot_wait_for(pilot, lambda: isinstance(app.screen, LogsScreen) and app.screen.view.is_mounted)
        view = app.screen.view
        await pilot_wait_for(pilot, lambda: view.line_count > 0, timeout=20)
        # broker.log is created lazily by logback; until then the view opens the captured stdout
        assert app.screen.current.name in ("broker.log", "stdout.log")
        # the boot line is the broker's own stdout line; the captured stdout shows it
        if app.screen.current.name != "stdout.log":  # the main log opens before the side list is read
            await pilot_wait_for(pilot, lambda: any(f.name == "stdout.log" for f in app.screen._files), timeout=20)
            app.screen.open_file(next(f for f in app.screen._files if f.name == "stdout.log"))
        await pilot_wait_for(pilot, lambda: any(BOOT_LINE[NodeKind.BROKER].search(l) for l in view.lines()), timeout=20)
        # stopping the broker writes its shutdown lines into the followed file, live
        before = view.line_count
        await service.stop(broker)
        await pilot_wait_for(pilot, lambda: view.line_count > before, timeout=30)
        assert any(re.search(r"exited with status", l) for l in view.lines())
    await service.stop(cluster.node("ns"))
    await service.close()


# ------------------------------------------------------------------ levels, jumps, merge on real JVMs
# One namesrv and one broker for the tests below (started once for the module, through rocketui's
# CLI).  The broker also names a second namesrv that never runs, so besides the WARN lines every
# 5.5.0 broker writes at start, its broker.log gets ERROR lines with stack traces ("Failed to
# register current broker to name server").  The CLI checks live here to share these JVMs.
ENTRY_LINE = re.compile(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) (ERROR|WARN|INFO|DEBUG|TRACE) ")
LIVE_NS, LIVE_BROKER, DEAD_NS = namesrv_port(), broker_port(), namesrv_port()


@dataclass(frozen=True)
class Live:
    root: Path
    cluster_file: Path

    def log(self, node: str, name: str) -> Path:
        return self.root / "work" / node / "logs" / "rocketmqlogs" / name

    def lines(self, node: str, name: str) -> list[str]:
        """The file as the view shows it (tabs as four spaces)."""
        return self.log(node, name).read_text().replace("\t", "    ").splitlines()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    root = tmp_path_factory.mktemp("logs-live")
    home = rocketmq_home()
    (root / "broker-a.properties").write_text(broker_properties("broker-a", LIVE_BROKER, cluster="LiveLogs"))
    cluster_file = root / "cluster.yaml"
    cluster_file.write_text(f"""\
cluster: LiveLogs
rocketmq: {{home: {home}, version: "5.5.0"}}
work_dir: {root / "work"}
hosts:
  local: {{backend: local, address: 127.0.0.1}}
defaults:
  jvm: {{xms: 256m, xmx: 256m, xmn: 128m, max_direct: 256m, extra: ["-XX:-AlwaysPreTouch"]}}
nodes:
  - {{name: ns, kind: namesrv, host: local, port: {LIVE_NS}, listen_address: 127.0.0.1,
     jvm: {{xms: 128m, xmx: 128m, xmn: 64m}}}}
  - {{name: ns-never-started, kind: namesrv, host: local, port: {DEAD_NS}, listen_address: 127.0.0.1}}
  - {{name: broker-a, kind: broker, host: local, port: {LIVE_BROKER}, broker_name: broker-a,
     config: broker-a.properties}}
""")
    live = Live(root, cluster_file)
    try:
        out = cli(live, "start", "ns", "broker-a", timeout=240)
        assert out.returncode == 0, out.stdout + out.stderr
        deadline = time.monotonic() + 60
        while " ERROR " not in (
            live.log("broker-a", "broker.log").read_text() if live.log("broker-a", "broker.log").exists() else ""
        ):
            assert time.monotonic() < deadline, "the broker logged no failed registration"
            time.sleep(0.5)
        yield live
    finally:
        kill_jvms_under(str(root))
        # a killed JVM stays visible while the kernel frees its heap: wait, so none outlives the module
        deadline = time.monotonic() + 30
        while java_processes_under(str(root)) and time.monotonic() < deadline:
            time.sleep(0.2)


def cli(live: Live, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rocketui", str(live.cluster_file), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def problems(lines: list[str]) -> list[str]:
    """WARN and ERROR entry lines, read by the test itself."""
    return [line for line in lines if (m := ENTRY_LINE.match(line)) and m.group(2) in ("WARN", "ERROR")]


async def test_e_finds_every_warn_and_error_the_broker_wrote_and_colours_them(live: Live) -> None:
    cluster = load_cluster(str(live.cluster_file))
    service = NodeService(cluster, BackendPool(cluster))
    app = RocketUI(cluster, service=service, poll_interval=0)
    app.animation_level = "none"
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        app.push_screen(LogsScreen(LogQueries(cluster, service), [cluster.node("broker-a")]))
        await pilot_wait_for(pilot, lambda: isinstance(app.screen, LogsScreen) and app.screen.view.is_mounted)
        screen = app.screen
        view = screen.view
        await pilot_wait_for(
            pilot, lambda: screen.current is not None and screen.current.name == "broker.log", timeout=60
        )
        await pilot_wait_for(pilot, lambda: view.line_count > 100, timeout=60)
        await pilot.press("p")  # hold new lines: what is in view stays put
        await pilot.pause()
        shown = view.lines()
        on_disk = live.lines("broker-a", "broker.log")
        assert shown == on_disk[: len(shown)]  # the whole file so far (fewer than 500 lines)
        # the view opens at once on the stock layout (quick_end); the JVM's own XML replaces it
        # as soon as the file listing has looked at the running JVM
        await pilot_wait_for(pilot, lambda: view.format_of().origin.endswith("conf/rmq.broker.logback.xml"))
        expected = problems(shown)
        assert any(" ERROR " in p for p in expected) and any(" WARN " in p for p in expected)
        await pilot.press("home")
        await pilot.pause()
        found = []
        while view.jump_level(forward=True):
            await pilot.pause()
            found.append(view._line(view._mark).text)
        assert found == expected
        for index in range(view._base, view._base + view.line_count):
            level = m.group(2) if (m := ENTRY_LINE.match(view._text_at(index))) else ""
            strip = view._strip(index)
            assert not isinstance(strip, list)
            colours = {s.style.color.name for s in strip if s.style is not None and s.style.color is not None}
            assert ("red" in colours) == (level == "ERROR") and ("yellow" in colours) == (level == "WARN")
    await service.close()


async def test_L_orders_namesrv_and_broker_lines_by_time(live: Live) -> None:
    cluster = load_cluster(str(live.cluster_file))
    service = NodeService(cluster, BackendPool(cluster))
    app = RocketUI(cluster, service=service, poll_interval=0)
    app.animation_level = "none"
    nodes = [cluster.node("ns"), cluster.node("broker-a")]
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        app.push_screen(LogsScreen(LogQueries(cluster, service), nodes, merged=True))
        await pilot_wait_for(pilot, lambda: isinstance(app.screen, LogsScreen) and app.screen.view.is_mounted)
        view = app.screen.view
        await pilot_wait_for(
            pilot,
            lambda: {view._line(i).tag for i in range(view._base, view._base + view.line_count)} >= {"ns", "broker-a"},
            timeout=60,
        )
        await pilot.press("p")
        await pilot.pause()
        shown = [(view._line(i).tag, view._line(i).text) for i in range(view._base, view._base + view.line_count)]
        ns_disk, broker_disk = live.lines("ns", "namesrv.log"), live.lines("broker-a", "broker.log")
        ns_shown = [t for tag, t in shown if tag == "ns"]
        broker_shown = [t for tag, t in shown if tag == "broker-a"]
        assert ns_shown == ns_disk[: len(ns_shown)] and broker_shown == broker_disk[: len(broker_shown)]
        stamps = [m.group(1) for _, t in shown if (m := ENTRY_LINE.match(t))]
        assert stamps == sorted(stamps)  # both written in GMT+8: text order is time order
        assert shown[0][0] == "ns"  # the namesrv started first
    await service.close()


def entries_of(lines: list[str]) -> list[tuple[str, str, list[str]]]:
    out: list[tuple[str, str, list[str]]] = []
    for text in lines:
        m = ENTRY_LINE.match(text)
        if m:
            out.append((m.group(1), m.group(2), [text]))
        elif out:
            out[-1][2].append(text)
    return out


def test_cli_level_warn_prints_exactly_the_real_warn_and_error_entries(live: Live) -> None:
    before = live.lines("broker-a", "broker.log")
    out = cli(live, "logs", "broker-a", "--level", "WARN", "-n", "100000")
    after = live.lines("broker-a", "broker.log")
    assert out.returncode == 0, out.stderr
    want = [line for _, lv, e in entries_of(before) if lv in ("WARN", "ERROR") for line in e]
    upto = [line for _, lv, e in entries_of(after) if lv in ("WARN", "ERROR") for line in e]
    got = out.stdout.splitlines()
    assert got[: len(want)] == want and got == upto[: len(got)]  # the broker may log more meanwhile
    assert any(line.startswith("    at ") for line in got)  # stack traces come with their entries
    assert "layout assumed" not in out.stderr


def test_cli_merged_prints_both_main_logs_in_time_order(live: Live) -> None:
    out = cli(live, "logs", "--merged", "-n", "100000")
    assert out.returncode == 0, out.stderr
    got = [line.split(" | ", 1) for line in out.stdout.splitlines()]
    assert {tag.strip() for tag, _ in got} == {"ns", "broker-a"}  # the never-started namesrv has no log
    ns = [text for tag, text in got if tag.strip() == "ns"]
    broker = [text for tag, text in got if tag.strip() == "broker-a"]
    assert ns == live.lines("ns", "namesrv.log")[: len(ns)]
    assert broker == live.lines("broker-a", "broker.log")[: len(broker)]
    stamps = [m.group(1) for _, text in got if (m := ENTRY_LINE.match(text))]
    assert stamps == sorted(stamps)
