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


async def test_roles_as_elected_replace_the_files_roles() -> None:
    """A controller-mode group after a failover: the promoted slave shows master (marked, as it is
    not the file's master), the crashed master keeps no role; controllers and proxies show theirs."""
    from pathlib import Path

    from rocketui.model.loader import load_cluster
    from rocketui.services.elected import Elected
    from rocketui.services.proxy_probe import ProxyServing

    repo = Path(__file__).resolve().parents[2]
    cluster = load_cluster(str(repo / "clusters" / "2m-2s-controller.yaml"))
    statuses = running(cluster, "local")
    statuses["broker-a"] = NodeStatus("broker-a", NodeState.CRASHED)
    statuses["broker-a-s"] = NodeStatus(
        "broker-a-s",
        NodeState.RUNNING,
        elected=Elected("master", 2, True, 2, "broker-a-s", ("broker-a-s",)),
        note="broker-a-s is master since 10:42:07 after broker-a died; the cluster file intends broker-a",
    )
    statuses["broker-b"] = NodeStatus(
        "broker-b", NodeState.RUNNING, elected=Elected("master", 1, True, 1, "broker-b", ("broker-b", "broker-b-s"))
    )
    statuses["broker-b-s"] = NodeStatus(
        "broker-b-s", NodeState.RUNNING, elected=Elected("slave", 1, False, 2, "broker-b")
    )
    statuses["namesrv-1"] = NodeStatus("namesrv-1", NodeState.RUNNING, controller_role="leader")
    app = TableApp(cluster)
    async with app.run_test(size=(220, 20)) as pilot:
        table = app.query_one(NodeTable)
        await table.update_statuses(statuses, NOW)
        await pilot.pause()
        role = {n.name: str(table.get_cell(n.name, "role")) for n in cluster.nodes}
        assert role["broker-a-s"] == "master e2 (1 in sync)"
        assert role["broker-b"] == "master e1 (2 in sync)" and role["broker-b-s"] == "slave e1 (not in sync)"
        assert role["broker-a"] == "controller mode #0"  # crashed: no role from the controllers
        assert role["namesrv-1"] == "namesrv + controller leader" and role["namesrv-2"] == "namesrv + controller"
        assert "bold yellow" in str(table.get_cell("broker-a-s", "role").spans)  # master, not the file's
        assert str(table.get_cell("broker-a-s", "note")).startswith("broker-a-s is master since 10:42:07")

    local = load_cluster(str(repo / "clusters" / "local-proxy.yaml"))
    statuses = running(local, "local")
    statuses["broker-a"] = NodeStatus(
        "broker-a", NodeState.RUNNING, proxy=ProxyServing(True, False, None, "not accepting connections")
    )
    app = TableApp(local)
    async with app.run_test(size=(220, 20)) as pilot:
        table = app.query_one(NodeTable)
        await table.update_statuses(statuses, NOW)
        await pilot.pause()
        assert str(table.get_cell("broker-a", "role")) == "ASYNC_MASTER #0 + proxy gRPC port closed"


async def test_sorted_by_put_tps_the_rows_follow_each_report_and_the_cursor_its_node() -> None:
    from rocketui.services.broker_stats import BrokerStats, StatsReport

    cluster = fleet(2, 2)

    def report(tps: dict[str, float]) -> StatsReport:
        brokers = [
            BrokerStats(n.broker_name or n.name, n.broker_id, cluster.endpoint(n), put_tps=tps[n.name], disk_ratio=0.1)
            for n in cluster.brokers
        ]
        return StatsReport(brokers, [], taken_at=NOW)

    app = TableApp(cluster)
    async with app.run_test(size=(200, 20)) as pilot:
        table = app.query_one(NodeTable)
        await table.update_statuses(running(cluster), now=NOW)
        table.load.add(report({"b000-0": 5.0, "b000-1": 50.0, "b001-0": 500.0, "b001-1": 0.0}))
        await table.update_load()
        table.set_view(sort="put tps")
        await pilot.pause()
        assert table.shown_names == ["b001-0", "b000-1", "b000-0", "b001-1", "ns-1"]
        table.select_node("b000-0")
        table.load.add(report({"b000-0": 900.0, "b000-1": 50.0, "b001-0": 1.0, "b001-1": 0.0}))
        await table.update_load()  # the next report reorders: the cursor stays on its node
        await pilot.pause()
        assert table.shown_names == ["b000-0", "b000-1", "b001-0", "b001-1", "ns-1"]
        assert table.selected_node is not None and table.selected_node.name == "b000-0"
        assert str(table.get_cell("b000-0", "load")).startswith("put 900 ")


def test_host_states_are_coloured_by_what_they_mean() -> None:
    from rocketui.services.node_status import LATE
    from rocketui.widgets.node_table import host_state_style

    assert host_state_style("connected") == "green"
    assert host_state_style("connecting") == "yellow"
    assert host_state_style(f"{LATE} (0.4s)") == "yellow"  # late, not yet called down
    assert host_state_style("unreachable: no answer for 2s") == "bold red"
