"""How many slaves a master replicates to right now (GET_BROKER_HA_STATUS, request code 907).

The master answers with its HA connections and `inSyncSlaveNums` (slaves whose acknowledged
offset is within haMaxGapNotInSync of the master's).  A SYNC_MASTER answers sends with
SLAVE_NOT_AVAILABLE while that number is 0, so a rolling restart waits for it after each step.
"""

from __future__ import annotations

from dataclasses import dataclass

from rocketui.model.cluster import Cluster, Node
from rocketui.services.nodes import NodeService

GET_BROKER_HA_STATUS = 907  # RequestCode.GET_BROKER_HA_STATUS (5.x)


@dataclass(frozen=True)
class HaStatus:
    connections: int  # slaves connected to this master
    in_sync: int  # of those, caught up


def parse_ha_status(data: object) -> HaStatus:
    """The JSON body (HARuntimeInfo): {"inSyncSlaveNums": n, "haConnectionInfo": [...], ...}."""
    if not isinstance(data, dict):
        raise ValueError(f"HA status body is a {type(data).__name__}, expected an object")
    conns = data.get("haConnectionInfo")
    conns = [] if conns is None else conns
    if not isinstance(conns, list):
        raise ValueError("HA status haConnectionInfo is not an array")
    try:
        in_sync = int(data.get("inSyncSlaveNums", 0))
    except (TypeError, ValueError):
        raise ValueError(f"HA status inSyncSlaveNums is {data.get('inSyncSlaveNums')!r}") from None
    return HaStatus(len(conns), in_sync)


async def ha_status(service: NodeService, master: Node) -> HaStatus:
    """Ask `master` (through its host's backend, so SSH hosts are tunnelled)."""
    from rocketui.rocketmq.remoting import RemotingClient
    from rocketui.rocketmq.remoting.namesrv import parse_json_body

    addr = service.cluster.endpoint(master)
    client = RemotingClient(addr, connector=service.backend(master).open_connection, timeout=3.0)
    try:
        response = await client.invoke(GET_BROKER_HA_STATUS)
        return parse_ha_status(parse_json_body(addr, "GET_BROKER_HA_STATUS", response.body))
    finally:
        await client.close()


def slaves_of(cluster: Cluster, node: Node) -> tuple[Node | None, list[Node]]:
    """(the master, its slaves) of `node`'s broker name."""
    group = [b for b in cluster.brokers if b.broker_name == node.broker_name]
    master = next((b for b in group if b.broker_id == 0), None)
    return master, [b for b in group if b.broker_id > 0]
