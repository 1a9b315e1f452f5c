"""The CLI's status table: the host column says what the TUI's says (plain text)."""

from __future__ import annotations

import textwrap

from rocketui.model.loader import parse_cluster
from rocketui.reports.status import host_cell, status_table
from rocketui.services.node_status import NodeState, NodeStatus

CLUSTER = parse_cluster(
    textwrap.dedent("""\
    cluster: C
    rocketmq: {home: /opt/rocketmq, version: "5.5.0"}
    work_dir: /tmp/w
    hosts:
      local: {backend: local, address: 127.0.0.1}
      far: {backend: ssh, address: 127.0.0.2, user: ops, known_hosts: /tmp/kh}
    nodes:
      - {name: ns, kind: namesrv, host: local, port: 9876}
      - {name: a, kind: broker, host: far, port: 10911, broker_name: a, config: /etc/a.properties}
      - {name: a-s, kind: broker, host: far, port: 10921, broker_name: a, broker_id: 1, config: /etc/s.properties}
    """),
    "/tmp/c.yaml",
)


def test_host_cell_names_the_link_state_only_when_it_is_not_up() -> None:
    assert host_cell(None, "far") == "far"
    assert host_cell(NodeStatus("a", NodeState.RUNNING, host_state="local"), "local") == "local"
    assert host_cell(NodeStatus("a", NodeState.RUNNING, host_state="connected"), "far") == "far"
    assert host_cell(NodeStatus("a", NodeState.UNKNOWN, host_state="connecting"), "far") == "far (connecting)"
    down = NodeStatus("a", NodeState.UNKNOWN, host_state="unreachable: connection refused")
    assert host_cell(down, "far") == "far (unreachable)"


def test_unreachable_host_reason_is_said_once_not_per_node() -> None:
    reason = "unreachable: 127.0.0.2:22: connection refused"
    statuses = {
        "ns": NodeStatus("ns", NodeState.RUNNING, pid=10, host_state="local"),
        "a": NodeStatus("a", NodeState.UNKNOWN, message="127.0.0.2:22: connection refused", host_state=reason),
        "a-s": NodeStatus("a-s", NodeState.UNKNOWN, message="127.0.0.2:22: connection refused", host_state=reason),
    }
    text = status_table(CLUSTER, statuses)
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["node", "kind", "host"]
    assert [ln for ln in lines if ln.startswith("a ")][0].split()[2:4] == ["far", "(unreachable)"]
    assert lines[-1] == f"host far: {reason}"
    assert text.count("connection refused") == 1
