"""NodeTable on a fleet-sized cluster (pure UI: statuses given, no hosts)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets.data_table import ColumnKey

from rocketui.model.cluster import Cluster
from rocketui.model.loader import parse_cluster
from rocketui.services.node_status import NodeState, NodeStatus
from rocketui.widgets.node_table import ROWS_PER_TURN, NodeTable

NOW = 1_700_000_000.0


def fleet(hosts: int, per_host: int) -> Cluster:
    lines = ["cluster: Fleet", "rocketmq: {home: /opt/rocketmq}", "work_dir: /tmp/rocketui-fleet", "hosts:"]
    lines += [f"  h{h:03d}: {{backend: ssh, address: 10.0.{h // 250}.{h % 250 + 1}, user: mq}}" for h in range(hosts)]
    lines += ["nodes:", "  - {name: ns-1, kind: namesrv, host: h000, port: 9876}"]
    for h in range(hosts):
        for i in range(per_host):
            name = f"b{h:03d}-{i}"
            lines.append(
                f"  - {{name: {name}, kind: broker, host: h{h:03d}, port: {10911 + 10 * i}, broker_name: {name},"
                f" config: /etc/{name}.properties}}"
            )
    return parse_cluster("\n".join(lines) + "\n", "/tmp/fleet.yaml")


class TableApp(App[None]):
    def __init__(self, cluster: Cluster) -> None:
        super().__init__()
        self.cluster = cluster

    def compose(self) -> ComposeResult:
        yield NodeTable(self.cluster)


def running(cluster: Cluster, host_state: str = "connected") -> dict[str, NodeStatus]:
    return {
        n.name: NodeStatus(n.name, NodeState.RUNNING, pid=1000 + i, started_at=NOW - 60, host_state=host_state)
        for i, n in enumerate(cluster.nodes)
    }


def column(table: NodeTable, name: str) -> list[str]:
    return [str(cell) for cell in table.get_column(ColumnKey(name))]


async def test_every_row_of_a_fleet_is_updated_across_turns() -> None:
    cluster = fleet(100, 3)
    assert len(cluster.nodes) > 4 * ROWS_PER_TURN  # more rows than one turn updates
    app = TableApp(cluster)
    async with app.run_test(size=(160, 40)) as pilot:
        table = app.query_one(NodeTable)
        await table.update_statuses(running(cluster), now=NOW)
        await pilot.pause()
        assert set(column(table, "state")) == {"running"}
        assert column(table, "uptime")[-1] == "1m00s"
        later = {name: NodeStatus(name, NodeState.STOPPED) for name in table.shown_names[-3:]}
        await table.update_statuses(later, now=NOW + 1)
        assert column(table, "state")[-4:] == ["running", "stopped", "stopped", "stopped"]
        assert column(table, "uptime")[-4] == "1m01s"


async def test_host_column_follows_its_widest_cell_both_ways() -> None:
    cluster = fleet(3, 1)
    app = TableApp(cluster)
    async with app.run_test(size=(200, 20)) as pilot:
        table = app.query_one(NodeTable)
        await table.update_statuses(running(cluster), now=NOW)
        await pilot.pause()
        host = table.columns[ColumnKey("host")]
        narrow = host.content_width
        reason = "unreachable: connection refused by 10.0.0.3 port 22"
        down = {"b002-0": NodeStatus("b002-0", NodeState.UNKNOWN, host_state=reason)}
        await table.update_statuses(down, now=NOW)
        await pilot.pause()
        widest = max(len(cell) for cell in column(table, "host"))
        assert host.content_width == widest > narrow
        await table.update_statuses(running(cluster), now=NOW)  # the host is back: the column narrows
        await pilot.pause()
        assert host.content_width == narrow
