"""Text from hosts, files, processes and the network is shown inert by every renderer: no ESC,
C0/C1 control or bidi override reaches the operator's terminal, and Rich markup in it is text,
never style or an action (a `[/]` must not crash the TUI, `[@click=app.quit]` must not quit)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rocketui.reports import health as health_report
from rocketui.reports.status import status_table
from rocketui.services.health import BrokerHealth, HealthReport
from rocketui.services.node_status import NodeState, NodeStatus
from tests.support.fake_service import DEMO_STATUSES, TableService, demo_cluster

OSC52 = "\x1b]52;c;cm0gLXJmIH4K\x07"  # would set the operator's clipboard to "rm -rf ~"
TITLE = "\x1b]0;owned\x07"
CSI = "\x1b[31m"
C1 = "\x9b31m\x9d0;t\x9c"
BIDI = "\u202e"
MARKUP = ["[red]", "[/]", "[@click=app.quit]x[/]", "[link=https://x]y[/link]", "[b", "]"]
HOSTILE = [OSC52, TITLE, CSI, C1, BIDI, "\x07", "\x00", "\r", "\t", *MARKUP, "channel[addr=127.0.0.1:10911]", "ok"]
BAD = ["\x1b", "\x9b", "\x9d", "\x9c", "\x07", "\x00", "\u202e", "\r"]

hostile = st.lists(st.sampled_from(HOSTILE), min_size=1, max_size=6).map("".join)


def clean(text: str) -> bool:
    return not any(ch in text for ch in BAD)


@given(hostile)
@settings(max_examples=60)
def test_status_table(text: str) -> None:
    cluster = demo_cluster()
    statuses = {
        n.name: NodeStatus(n.name, NodeState.CRASHED, message=text, host_state=f"unreachable: {text}", note=text)
        for n in cluster.nodes
    }
    out = status_table(cluster, statuses)
    assert clean(out)


@given(hostile)
@settings(max_examples=60)
def test_health_text(text: str) -> None:
    row = BrokerHealth("C", "broker-x", 0, "127.0.0.1:10911", None, (), None, runtime_error=text)
    out = health_report.text(HealthReport((row,), {"127.0.0.1:9876": text}))
    assert clean(out)


def test_cli_journal_and_config_get(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rocketui.cli import main
    from rocketui.usecases.journal import Entry, Journal

    cluster_file = tmp_path / "c.yaml"
    cluster_file.write_text(
        'cluster: C\nrocketmq: {home: /opt/rmq, version: "5.5.0"}\nwork_dir: /tmp/w\n'
        "hosts:\n  local: {backend: local, address: 127.0.0.1}\n"
        "nodes:\n  - {name: ns, kind: namesrv, host: local, port: 9876}\n"
        "  - {name: b, kind: broker, host: local, port: 10911, broker_name: b, config: b.properties}\n"
    )
    evil = "".join(HOSTILE)
    # a broker file whose value decodes to ESC sequences (\u001b is how Java properties write ESC)
    (tmp_path / "b.properties").write_text(
        "brokerName=b\nbrokerClusterName=C\nmsgTraceTopicName=\\u001b]52;c;eA==\\u0007[red]x\n"
    )
    Journal().append(
        Entry(0.0, "u", "C", str(cluster_file), "start", "ns", "local", [evil], [evil], "failed", 1.0, evil)
    )
    assert main([str(cluster_file), "journal"]) == 0
    assert main([str(cluster_file), "config", "b", "get"]) == 0
    out = capsys.readouterr()
    assert clean(out.out) and clean(out.err)
    assert "[red]x" in out.out and "[@click=app.quit]" in out.out  # markup stays text


@pytest.mark.parametrize("text", [OSC52 + "[/]" + C1, "[@click=app.quit]quit[/]", TITLE + "[link=x]y", "a[/]b" + BIDI])
async def test_tui_status_line_detail_table_and_toast_stay_inert(text: str) -> None:
    from rocketui.app import RocketUI
    from rocketui.messages import ActionFinished
    from rocketui.usecases.gate import Outcome
    from rocketui.widgets.node_table import NodeTable

    cluster = demo_cluster()
    statuses = dict(DEMO_STATUSES)
    statuses["namesrv-1"] = NodeStatus(
        "namesrv-1", NodeState.CRASHED, message=text, note=text, host_state=f"unreachable: {text}"
    )
    app = RocketUI(cluster, service=TableService(cluster, statuses), poll_interval=0)
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        app.screen.post_message(ActionFinished(Outcome("start", "namesrv-1", False, text)))
        await pilot.pause()
        await pilot.pause()
        assert app.is_running  # no MarkupError, no quit from [@click=app.quit]
        shown = [
            app.screen.query_one("#status-line").render(),
            app.screen.query_one("#node-detail").render(),
            app.screen.query_one(NodeTable).get_cell("namesrv-1", "note"),
        ]
        for rendered in shown:
            plain = getattr(rendered, "plain", str(rendered))
            assert clean(plain), repr(plain)
        svg = app.export_screenshot()
        assert "\x1b" not in svg and "\x9b" not in svg
        assert "[/]" in json.dumps(svg) or "[/]" not in text  # the markup is there, as text


# ---------------------------------------------------------------------------------------- logs
# A host whose log paths are hostile: the running JVM's -Duser.home (its logback XML puts every
# log under it) holds an OSC 52, markup and a `[/]` across two directories, and its GC log file
# name carries a title sequence, a C1 CSI and markup.  The XML is the real 5.5.0 one.
DATA = Path(__file__).resolve().parent / "data"
GC_PID = 4242


def hostile_host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, broken_xml: bool = False) -> Path:
    """Write the cluster file and the host's files; `find` reports the JVM (no JVM is started).  With `broken_xml` the JVM's XML sits in a hostile directory and does not parse, so
    the layout origin the status line shows quotes that path.  Returns the cluster file."""
    from rocketui.backends.base import ProcessInfo
    from rocketui.services.nodes import NodeService

    cluster_file = tmp_path / "c.yaml"
    cluster_file.write_text(
        f'cluster: C\nrocketmq: {{home: {tmp_path}/rocketmq, version: "5.5.0"}}\nwork_dir: {tmp_path}/work\n'
        "hosts:\n  local: {backend: local, address: 127.0.0.1}\n"
        "nodes:\n  - {name: ns, kind: namesrv, host: local, port: 9876}\n"
        "  - {name: broker-a, kind: broker, host: local, port: 10911, broker_name: broker-a, config: /etc/a.conf}\n"
    )
    home = tmp_path / f"h{OSC52}[red]a[" / f"]b{C1}"  # the path reads …[red]a[/]b…
    logs = home / "logs" / "rocketmqlogs"
    logs.mkdir(parents=True)
    (logs / "broker.log").write_text("2026-11-25 10:00:00 INFO main - hello\n")
    (logs / "store.log").write_text("")
    conf = home if broken_xml else tmp_path / "rocketmq" / "conf"
    conf.mkdir(parents=True, exist_ok=True)
    xml = (DATA / "logback/5.5.0/rmq.broker.logback.xml").read_text()
    (conf / "rmq.broker.logback.xml").write_text(xml[: len(xml) // 2] if broken_xml else xml)
    gc_dir = tmp_path / "gc"
    gc_dir.mkdir()
    (gc_dir / f"rmq_srv_gc_{GC_PID}_{TITLE}[red]x{C1}[b.log").write_text("[0.010s][info][gc] Using G1\n")
    argv = (
        "java",
        f"-Duser.home={home}",
        f"-Drmq.logback.configurationFile={conf}/rmq.broker.logback.xml",
        f"-Xlog:gc*:file={gc_dir}/rmq_srv_gc_%p_%t.log:time,tags:filecount=5,filesize=30M",
        "org.apache.rocketmq.broker.BrokerStartup",
    )

    async def find(self: NodeService, node: object, processes: object = None) -> ProcessInfo | None:
        return ProcessInfo(GC_PID, 1, GC_PID, 0, 0.0, argv) if getattr(node, "name", "") == "broker-a" else None

    monkeypatch.setattr(NodeService, "find", find)  # the CLI's
    monkeypatch.setattr(TableService, "find", find)  # the TUI's (its statuses come from a table)
    return cluster_file


@pytest.mark.parametrize("broken_xml", [False, True])
def test_cli_logs_list_and_notes_stay_inert(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], broken_xml: bool
) -> None:
    from rocketui.cli import main

    cluster_file = hostile_host(tmp_path, monkeypatch, broken_xml=broken_xml)
    assert main([str(cluster_file), "logs", "broker-a", "--list"]) == 0
    out = capsys.readouterr()
    assert clean(out.out) and clean(out.err), repr(out)
    assert "gc.log" in out.out and "[red]x" in out.out  # the GC log is listed, its markup as text
    if not broken_xml:
        assert "[red]a[/]b" in out.out  # every path under the hostile user.home, shown as text
    # notes on stderr quote the hostile paths: the main log that is not there, the XML that does not parse
    for log in (tmp_path / "work").rglob("broker.log"):
        log.unlink()
    for log in tmp_path.glob("h*/]b*/logs/rocketmqlogs/broker.log"):
        log.unlink()
    code = main([str(cluster_file), "logs", "broker-a", "--level", "ERROR"])
    out = capsys.readouterr()
    assert code == 1 and clean(out.out) and clean(out.err), repr(out)
    assert "[red]a[/]b" in out.err and "does not exist" in out.err
    assert main([str(cluster_file), "logs", "broker-a", "--file", "nope.log"]) == 2
    out = capsys.readouterr()
    assert clean(out.err) and "has no log file" in out.err, repr(out.err)


@pytest.mark.parametrize("broken_xml", [False, True])
async def test_tui_log_view_header_status_and_toasts_stay_inert(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, broken_xml: bool
) -> None:
    from textual.widgets import OptionList

    from rocketui.app import RocketUI
    from rocketui.model.loader import parse_cluster
    from rocketui.screens.logs import LogsScreen
    from rocketui.usecases.logs import BackendError, LogQueries
    from rocketui.widgets.log_view import LogView
    from tests.support.waits import pilot_wait_for

    cluster_file = hostile_host(tmp_path, monkeypatch, broken_xml=broken_xml)

    async def read_before(*_: object) -> None:
        raise BackendError(f"cannot read {OSC52}[/] on the host{C1}")

    monkeypatch.setattr(LogQueries, "read_before", read_before)
    cluster = parse_cluster(cluster_file.read_text(), str(cluster_file))
    app = RocketUI(cluster, service=TableService(cluster, {}), poll_interval=0)
    app.animation_level = "none"
    async with app.run_test(size=(160, 30), notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("down", "l")
        await pilot_wait_for(pilot, lambda: isinstance(app.screen, LogsScreen) and app.screen.view.is_mounted)
        screen = app.screen
        assert isinstance(screen, LogsScreen)
        files = screen.query_one("#log-files", OptionList)
        await pilot_wait_for(pilot, lambda: any(str(o.prompt).startswith("gc.log") for o in files.options))
        status = screen.query_one("#log-status")
        if broken_xml:  # the main log's layout is assumed: the status line quotes the XML's hostile path
            await pilot_wait_for(pilot, lambda: "does not parse" in str(status.render()))
            assert "[red]a[/]b" in str(status.render()) and clean(str(status.render()))
        else:  # the main log's hostile path is in the header
            await pilot_wait_for(pilot, lambda: "[red]a[/]b" in screen.sub_title)
            assert clean(screen.sub_title)
        # open the GC log (its hostile path goes into the header) and ask for older lines (a toast)
        files.highlighted = next(i for i, o in enumerate(files.options) if str(o.prompt).startswith("gc.log"))
        files.action_select()
        await pilot_wait_for(pilot, lambda: screen.current is not None and screen.current.name == "gc.log")
        screen.post_message(LogView.NeedOlder(screen.view, 10))
        await pilot_wait_for(pilot, lambda: any("cannot read" in n.message for n in app._notifications))
        await pilot.press("z")  # the clock toast
        await pilot.pause()
        assert app.is_running  # no MarkupError from a `[/]`
        shown = [screen.sub_title, str(status.render())]
        shown += [n.message for n in app._notifications]
        for text in shown:
            assert clean(text), repr(text)
        assert all(not n.markup for n in app._notifications if "cannot read" in n.message)
        assert "[red]x" in screen.sub_title  # the path is there, as text
        svg = app.export_screenshot()
        assert "\x1b" not in svg and "\x9b" not in svg
