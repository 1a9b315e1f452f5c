"""roles_now: what each node is now, added to the poll's rows (controllers and proxies faked
here; real JVMs: tests/services/test_proxies_integration.py)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from rocketui.model.cluster import Node
from rocketui.model.loader import load_cluster
from rocketui.services.node_status import LATE, NodeState, NodeStatus
from rocketui.services.proxy_probe import ProxyServing
from rocketui.services.roles_now import roles_now


class AskedProxies:
    """Every proxy asked answers 'remoting port closed'."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def serving(self, node: Node) -> ProxyServing:
        self.asked.append(node.name)
        return ProxyServing(remoting=False, grpc=True, routes=None)


async def test_a_late_row_is_left_as_the_last_poll_made_it() -> None:
    # a late row is the last poll's, already annotated: its silent host is not asked again
    # (that would cost the poll the port timeouts) and its notes are not added a second time
    cluster = load_cluster(str(Path(__file__).resolve().parents[2] / "clusters" / "cluster-proxy.yaml"))
    proxy = cluster.proxies[0]
    statuses = {n.name: NodeStatus(n.name, NodeState.RUNNING) for n in cluster.nodes}
    probe = AskedProxies()
    fresh = await roles_now(cluster, statuses, None, probe)  # type: ignore[arg-type]
    assert probe.asked == [proxy.name] and fresh[proxy.name].note == "proxy: remoting port closed"

    late = {**fresh, proxy.name: replace(fresh[proxy.name], host_state=f"{LATE} (0.4s)")}
    again = await roles_now(cluster, late, None, probe)  # type: ignore[arg-type]
    assert probe.asked == [proxy.name]  # not asked again
    assert again[proxy.name] == late[proxy.name]
