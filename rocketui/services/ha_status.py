"""How many slaves a master replicates to right now (GET_BROKER_HA_STATUS, request code 907).

The master answers with its HA connections and `inSyncSlaveNums` (slaves whose acknowledged
offset is within haMaxGapNotInSync of the master's).  A SYNC_MASTER answers sends with
SLAVE_NOT_AVAILABLE while that number is 0, so a rolling restart waits for it after each step.
"""

from __future__ import annotations

from rocketui.backends.base import BackendError
from rocketui.model.cluster import Cluster, Node
from rocketui.rocketmq.remoting.broker import BrokerClient
from rocketui.rocketmq.remoting.codes import ResponseCode
from rocketui.rocketmq.remoting.errors import RemotingError
from rocketui.rocketmq.remoting.results import HaStatus, parse_ha_status
from rocketui.services.nodes import NodeService

__all__ = ["HaStatus", "ha_status", "parse_ha_status", "slaves_of"]


# haSlaveFallbehindMax of a 4.x master (256 MiB) when its config does not say
FALLBEHIND_4X = 256 * 1024 * 1024


async def ha_status(service: NodeService, master: Node) -> HaStatus:
    """Ask `master` (through its host's backend, so SSH hosts are tunnelled).

    A 4.x master has no GET_BROKER_HA_STATUS (it answers REQUEST_CODE_NOT_SUPPORTED): then each
    slave of the group counts as in sync when its commit log is within the master's
    haSlaveFallbehindMax of the master's (the gap a 4.x SYNC_MASTER accepts), read from their
    runtime info; a slave that does not answer is not connected."""
    addr = service.cluster.endpoint(master)
    async with BrokerClient(addr, connector=service.backend(master).open_connection, timeout=3.0) as client:
        try:
            return await client.ha_status()
        except RemotingError as exc:
            if exc.code != ResponseCode.REQUEST_CODE_NOT_SUPPORTED:
                raise
        top = int((await client.get_runtime_info()).table.get("commitLogMaxOffset", "0") or 0)
        limit = (await client.get_broker_config()).get("haSlaveFallbehindMax", "")
    allowed = int(limit) if limit.isdigit() else FALLBEHIND_4X
    _, slaves = slaves_of(service.cluster, master)
    # connected: what a 4.x SYNC_MASTER needs before it acknowledges a send (it answers
    # SLAVE_NOT_AVAILABLE while no slave is connected; a restarted slave reconnects within ~5 s)
    connected = await ha_connections(service, master)
    reached = in_sync = 0
    for slave in slaves:
        slave_addr = service.cluster.endpoint(slave)
        connector = service.backend(slave).open_connection
        try:
            async with BrokerClient(slave_addr, connector=connector, timeout=3.0) as client:
                offset = int((await client.get_runtime_info()).table.get("commitLogMaxOffset", "-1") or -1)
        except (RemotingError, ValueError):
            continue
        reached += 1
        in_sync += int(offset >= 0 and top - offset <= allowed)
    if connected is not None:
        reached = min(reached, connected)
        in_sync = min(in_sync, connected)
    return HaStatus(reached, in_sync)


async def ha_connections(service: NodeService, master: Node) -> int | None:
    """Established TCP connections to the master's HA port (4.x: always listenPort + 1) on its
    host, from /proc/net/tcp{,6}; None when the host has no such files (not Linux)."""
    backend = service.backend(master)
    found = None
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            text = (await backend.read_file(table)).decode("ascii", "replace")
        except (FileNotFoundError, OSError, BackendError):
            continue
        found = (found or 0) + established_to(text, master.port + 1)
    return found


def established_to(proc_net_tcp: str, port: int) -> int:
    """How many ESTABLISHED (state 01) sockets of a /proc/net/tcp table have local port `port`."""
    count = 0
    for line in proc_net_tcp.splitlines()[1:]:
        fields = line.split()
        if len(fields) > 3 and fields[3] == "01" and fields[1].rsplit(":", 1)[-1].upper() == f"{port:04X}":
            count += 1
    return count


def slaves_of(cluster: Cluster, node: Node) -> tuple[Node | None, list[Node]]:
    """(the master, its slaves) of `node`'s broker name."""
    group = [b for b in cluster.brokers if b.broker_name == node.broker_name]
    master = next((b for b in group if b.broker_id == 0), None)
    return master, [b for b in group if b.broker_id > 0]
