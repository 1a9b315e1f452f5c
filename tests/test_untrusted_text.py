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
