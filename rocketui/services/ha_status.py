"""How many slaves a master replicates to right now (GET_BROKER_HA_STATUS, request code 907).

The master answers with its HA connections and `inSyncSlaveNums` (slaves whose acknowledged
offset is within haMaxGapNotInSync of the master's).  A SYNC_MASTER answers sends with
SLAVE_NOT_AVAILABLE while that number is 0, so a rolling restart waits for it after each step.
"""

from __future__ import annotations

from rocketui.model.cluster import Cluster, Node
from rocketui.rocketmq.remoting.broker import BrokerClient
from rocketui.rocketmq.remoting.results import HaStatus, parse_ha_status
from rocketui.services.nodes import NodeService

__all__ = ["HaStatus", "ha_status", "parse_ha_status", "slaves_of"]


async def ha_status(service: NodeService, master: Node) -> HaStatus:
    """Ask `master` (through its host's backend, so SSH hosts are tunnelled)."""
    addr = service.cluster.endpoint(master)
    async with BrokerClient(addr, connector=service.backend(master).open_connection, timeout=3.0) as client:
        return await client.ha_status()


def slaves_of(cluster: Cluster, node: Node) -> tuple[Node | None, list[Node]]:
    """(the master, its slaves) of `node`'s broker name."""
    group = [b for b in cluster.brokers if b.broker_name == node.broker_name]
    master = next((b for b in group if b.broker_id == 0), None)
    return master, [b for b in group if b.broker_id > 0]
