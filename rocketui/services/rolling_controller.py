"""Rolling restart of brokers whose master the controllers choose (controller mode).

Roles come from the controllers, not the file: a group's slaves *as elected now* restart first,
its elected master last.  Before a master stops, the master role is moved to an in-sync slave
with the controllers' elect request (CONTROLLER_ELECT_MASTER, what `mqadmin electMaster` sends):
the controllers tell both brokers, the old master turns slave in place and the new one registers
as id 0 at once — so producers find a master all the time instead of waiting for an election
after a stop.  Then the old master restarts as a slave.  While any member restarts, the group's
master may be drained (`DrainSteps`): with allAckInSyncStateSet it would otherwise wait for the
missing replica until the sync-state set shrinks (haMaxTimeSlaveNotCatchup, 15 s).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from rocketui.model.cluster import Cluster, Node
from rocketui.rocketmq.remoting.route import ClusterInfo
from rocketui.services.elected import Elected, elected_roles
from rocketui.services.node_status import NodeState, NodeStatus
from rocketui.services.nodes import NodeError, NodeService, Progress

if TYPE_CHECKING:
    from rocketui.services.rolling import DrainSteps

Step = Callable[[Node], Awaitable[NodeStatus]]
# (current master, the replica to make master): the gated elect of the use case
Elect = Callable[[Node, Node], Awaitable[None]]


async def roles(service: NodeService) -> dict[str, Elected]:
    view = await service.controllers.view()
    if view is None or view.replicas_error:
        raise NodeError(f"the controllers cannot say who is master: {view.replicas_error if view else 'none defined'}")
    return elected_roles(service.cluster, view)


def elected_order(cluster: Cluster, order: list[Node], now: dict[str, Elected]) -> list[Node]:
    """`order` with each controller-mode group's elected slaves first and its elected master last."""
    rank = {n.name: i for i, n in enumerate(order)}

    def key(node: Node) -> tuple[str, int, int]:
        last = 1 if node.controller_mode and now.get(node.name, Elected("")).role == "master" else 0
        if not node.controller_mode:
            last = 1 if node.broker_id == 0 else 0
        return (node.broker_name or "", last, rank[node.name])

    return sorted(order, key=key)


def group_master(cluster: Cluster, node: Node, now: dict[str, Elected]) -> Node | None:
    return next(
        (
            b
            for b in cluster.brokers
            if b.broker_name == node.broker_name and now.get(b.name, Elected("")).role == "master"
        ),
        None,
    )


def successor(cluster: Cluster, master: Node, now: dict[str, Elected]) -> Node | None:
    """An in-sync replica to hand `master`'s role to: the file's intended master first."""
    candidates = [
        b
        for b in cluster.brokers
        if b.broker_name == master.broker_name and b is not master and now.get(b.name, Elected("")).in_sync
    ]
    return min(candidates, key=lambda b: (b.broker_id != 0, b.broker_id, b.name)) if candidates else None


async def controller_step(
    service: NodeService,
    node: Node,
    *,
    stop: Step,
    start: Step,
    elect: Elect,
    drain: DrainSteps | None,
    progress: Progress,
    step: str,
    timeout: float,
) -> None:
    """One controller-mode broker: hand its master role over if it has one, drain the group's
    master while it is away, restart it, wait until it is registered and back in the sync-state set."""
    cluster = service.cluster
    now = await roles(service)
    if now.get(node.name, Elected("")).role == "master":
        heir = successor(cluster, node, now)
        if heir is None:
            raise NodeError(
                f"{node.name} is master of {node.broker_name} and no replica is in its sync-state set to take "
                "over; restart it alone (its group has no master until it is back)"
            )
        progress(node.name, f"{step} handing the master role of {node.broker_name} to {heir.name}")
        await elect(node, heir)
        await wait_master(service, node.broker_name or "", heir, timeout=timeout)
        now = await roles(service)
    master = group_master(cluster, node, now)
    drained = None
    if drain is not None and master is not None:
        progress(master.name, f"{step} draining {master.name} while {node.name} restarts")
        try:
            await drain.drain(master, True)
        except NodeError:
            with contextlib.suppress(NodeError):
                await drain.undrain(master)
            raise
        drained = master
    try:
        progress(node.name, f"{step} rolling restart: stopping")
        await stop_then_start(node, stop, start)
        await wait_registered(service, node, timeout=timeout)
        await wait_in_sync(service, node, timeout=timeout)
    finally:
        if drained is not None:
            await drain.undrain(drained)  # type: ignore[union-attr]


async def wait_master(service: NodeService, group: str, heir: Node, *, timeout: float) -> None:
    """The controllers name `heir` master of `group` and every namesrv lists it as id 0."""
    cluster = service.cluster
    want = cluster.endpoint(heir)
    deadline = time.monotonic() + timeout
    seen = "no answer"
    while True:
        view = await service.controllers.view()
        rs = view.replicas.get(group) if view else None
        if rs is not None and rs.master_address == want:
            views = await _namesrv_views(service)
            late = [
                ns
                for ns, info in views.items()
                if group not in info.brokers or info.brokers[group].addrs.get(0) != want
            ]
            if views and not late:
                return
            seen = (
                f"the controllers elected {heir.name}, namesrv(s) {', '.join(late) or 'none'} still list another master"
            )
        else:
            seen = f"the controllers name {rs.master_address if rs else 'no'} master"
        if time.monotonic() > deadline:
            raise NodeError(f"{heir.name} did not become master of {group} within {timeout:g}s: {seen}")
        await asyncio.sleep(0.2)


async def _namesrv_views(service: NodeService) -> dict[str, ClusterInfo]:
    service.registration.invalidate()
    await service.registration.registered_addresses()
    return dict(service.registration.views)


async def wait_registered(service: NodeService, node: Node, *, timeout: float) -> None:
    """Every namesrv lists `node` under its broker name (its id is the controllers')."""
    cluster = service.cluster
    want = cluster.endpoint(node)
    deadline = time.monotonic() + timeout
    while True:
        views = await _namesrv_views(service)
        missing = [cluster.endpoint(ns) for ns in cluster.namesrvs if cluster.endpoint(ns) not in views]
        wrong = [
            ns
            for ns, info in views.items()
            if node.broker_name not in info.brokers or want not in info.brokers[node.broker_name].addrs.values()
        ]
        if not missing and not wrong:
            return
        if time.monotonic() > deadline:
            why = f"namesrv {', '.join(missing)} does not answer" if missing else f"not listed by {', '.join(wrong)}"
            raise NodeError(f"{node.name} {why} after {timeout:g}s")
        await asyncio.sleep(0.25)


async def wait_in_sync(service: NodeService, node: Node, *, timeout: float) -> None:
    """The controllers have `node` in its group's sync-state set again (a failover may pick it)."""
    deadline = time.monotonic() + timeout
    seen = "no answer"
    while True:
        try:
            role = (await roles(service)).get(node.name)
            if role is not None and role.in_sync:
                return
            seen = role.label() if role else "unknown"
        except NodeError as exc:
            seen = str(exc)
        if time.monotonic() > deadline:
            raise NodeError(f"{node.name} not back in the sync-state set after {timeout:g}s ({seen})")
        await asyncio.sleep(0.25)


async def stop_then_start(
    node: Node,
    stop: Callable[[Node], Awaitable[NodeStatus]],
    start: Callable[[Node], Awaitable[NodeStatus]],
    alongside: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """One broker's stop and start in a rolling restart (NodeError when either did not end as asked).
    `alongside` runs while the start waits for the broker to be ready and must end too."""
    stopped = await stop(node)
    if stopped.state is not NodeState.STOPPED:
        raise NodeError(f"stop ended {stopped.state.value}: {stopped.message}")
    side = asyncio.ensure_future(alongside()) if alongside is not None else None
    try:
        started = await start(node)
        if started.state is not NodeState.RUNNING:
            raise NodeError(f"start ended {started.state.value}: {started.message}")
        if side is not None:
            await side
    finally:
        if side is not None:
            if not side.done():
                side.cancel()
            # awaited in every case: a side that failed while the start failed too is retrieved
            # (the start's error is the one raised)
            with contextlib.suppress(asyncio.CancelledError, NodeError):
                await side
