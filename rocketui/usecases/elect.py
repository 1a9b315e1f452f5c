"""Make a controller-mode broker the master of its group: the controllers' elect request, as a
gated change (refused in read-only mode, journaled with the mqadmin line that does the same).

The controllers accept a replica that is alive and in the group's sync-state set; they tell both
brokers, and the old master turns slave in place (no restart)."""

from __future__ import annotations

from rocketui.backends.base import HostPool
from rocketui.model.cluster import Cluster, Node
from rocketui.rocketmq.remoting.controller import ControllerClient, ElectResult
from rocketui.rocketmq.remoting.errors import RemotingError
from rocketui.services.controller_probe import ControllerProbe
from rocketui.services.elected import elected_roles
from rocketui.usecases.gate import ActionRecord, Gate, Outcome, ReadOnlyError


class ElectError(Exception):
    pass


class MasterElection:
    def __init__(self, cluster: Cluster, pool: HostPool, gate: Gate, probe: ControllerProbe) -> None:
        self.cluster = cluster
        self.pool = pool
        self.gate = gate
        self.probe = probe

    def mqadmin_line(self, node: Node, controller_id: int, leader_addr: str) -> str:
        return f"mqadmin electMaster -a {leader_addr} -c {self.cluster.name} -bn {node.broker_name} -b {controller_id}"

    async def elect(self, node: Node) -> Outcome[ElectResult]:
        """`node` becomes master of its broker name."""
        action = "elect master"
        if not node.controller_mode:
            return Outcome.refusal(action, node.name, f"{node.name} is not in controller mode: no controller elects")

        async def body(record: ActionRecord) -> ElectResult:
            view = await self.probe.view()
            if view is None or view.replicas_error or view.leader is None:
                raise ElectError(f"the controllers cannot elect now: {view.replicas_error if view else 'none'}")
            role = elected_roles(self.cluster, view).get(node.name)
            if role is None or role.controller_id is None:
                raise ElectError(f"{node.name} is not registered with the controllers")
            if role.role == "master":
                raise ElectError(f"{node.name} is master already (epoch {role.epoch})")
            if not role.in_sync:
                raise ElectError(
                    f"{node.name} is not in {node.broker_name}'s sync-state set: electing it could lose messages"
                )
            leader = self.cluster.node(view.leader) if view.leader in {n.name for n in self.cluster.nodes} else None
            if leader is None:
                raise ElectError(f"the controllers' leader {view.leader} is not a node of the cluster file")
            addr = self.cluster.controller_endpoint(leader)
            record.commands.append(self.mqadmin_line(node, role.controller_id, addr))
            backend = self.pool.get(leader.host)
            async with ControllerClient(addr, connector=backend.open_connection, timeout=5.0) as client:
                return await client.elect_master(self.cluster.name, node.broker_name or "", role.controller_id)

        try:
            result = await self.gate.run(action, node.name, node.host, body)
        except ReadOnlyError as exc:
            return Outcome.refusal(action, node.name, str(exc))
        except (ElectError, RemotingError, OSError) as exc:
            return Outcome(action, node.name, False, str(exc))
        return Outcome(
            action,
            node.name,
            True,
            f"{node.name} is master of {node.broker_name} (epoch {result.master_epoch})",
            value=result,
        )
