"""A NodeService whose status comes from a fixed table (for snapshots and pure UI tests).

Only the status source is replaced; everything the screens do goes through the real
NodeService API.  Integration tests use the real service against real JVMs.
"""

from __future__ import annotations

import textwrap

from rocketui.backends.base import ProcessInfo
from rocketui.backends.factory import BackendPool
from rocketui.model.cluster import Cluster, Node
from rocketui.model.loader import parse_cluster
from rocketui.services.node_status import NodeState, NodeStatus
from rocketui.services.nodes import NodeService

NOW = 1_700_000_000.0

DEMO = textwrap.dedent("""\
    cluster: DemoCluster
    rocketmq: {home: /opt/rocketmq, version: "5.5.0"}
    work_dir: /tmp/rocketui-demo
    hosts:
      local: {backend: local, address: 127.0.0.1}
    nodes:
      - {name: namesrv-1, kind: namesrv, host: local, port: 9876}
      - {name: broker-a, kind: broker, host: local, port: 10911, broker_name: broker-a, config: /etc/a.properties}
      - {name: broker-a-s, kind: broker, host: local, port: 10921, broker_name: broker-a, broker_id: 1,
         config: /etc/a-s.properties}
      - {name: broker-b, kind: broker, host: local, port: 10931, broker_name: broker-b, config: /etc/b.properties}
    """)


def demo_cluster() -> Cluster:
    return parse_cluster(DEMO, "/tmp/demo.yaml")


DEMO_STATUSES = {
    "namesrv-1": NodeStatus("namesrv-1", NodeState.RUNNING, pid=4101, started_at=NOW - 3725, port_open=True),
    "broker-a": NodeStatus(
        "broker-a",
        NodeState.RUNNING,
        pid=4188,
        started_at=NOW - 3600,
        port_open=True,
        registered_at=("127.0.0.1:9876",),
        namesrv_count=1,
    ),
    "broker-a-s": NodeStatus("broker-a-s", NodeState.STARTING, pid=4242, started_at=NOW - 4, namesrv_count=1),
    "broker-b": NodeStatus("broker-b", NodeState.STOPPED, namesrv_count=1),
}


class TableService(NodeService):
    def __init__(self, cluster: Cluster, statuses: dict[str, NodeStatus]) -> None:
        super().__init__(cluster, BackendPool(cluster))
        self.statuses = statuses

    async def status_all(self) -> dict[str, NodeStatus]:
        return dict(self.statuses)

    async def find(self, node: Node, processes: list[ProcessInfo] | None = None) -> ProcessInfo | None:
        """The JVM the table says runs (so plans and confirmations show its pid)."""
        status = self.statuses.get(node.name)
        if status is None or status.pid is None:
            return None
        return ProcessInfo(status.pid, 1, status.pid, 0, status.started_at or NOW, ("java",))
