"""Rolling restart: one broker at a time, slaves before their master, each waited for.

Why this order: while a slave restarts its master keeps serving; when the master goes, its
slave has just come back and serves reads, and producers fail over to the other masters.  Each
step is: stop (SIGTERM to that JVM), start (waits until the port accepts, the boot line shows
and the broker is registered at every namesrv), then confirm that every namesrv lists it under
its defined broker name and id.  The first step that fails stops the whole run, so a problem
never spreads to the next broker; the report says where and why, and what was not restarted.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rocketui.backends.base import BackendError
from rocketui.model.cluster import Cluster, Node
from rocketui.rocketmq.remoting.route import ClusterInfo
from rocketui.services.node_status import NodeState, NodeStatus
from rocketui.services.nodes import NodeError, NodeService, Progress
from rocketui.services.rolling_controller import Elect, controller_step, elected_order, roles, stop_then_start

if TYPE_CHECKING:
    from rocketui.services.ha_status import HaStatus

HaProbe = Callable[[NodeService, Node], Awaitable["HaStatus"]]


@dataclass(frozen=True)
class DrainSteps:
    """How a rolling restart keeps sends from failing (the use case's gated drain/undrain; each
    raises NodeError when it did not reach its goal):
    - a master is drained (producers move to the other masters) before it stops, and after it
      comes back it is held drained until its slaves are in sync again;
    - while a slave of a SYNC_MASTER restarts, its master is drained: a sync master otherwise
      waits for the missing slave on every send and producers time out;
    - a master that the next step needs drained too (its own restart after its slave's) stays
      drained in between: producers learn of a drain only at their next route refresh (30 s by
      default), so every undrain/drain pair would cost that much again."""

    drain: Callable[[Node, bool], Awaitable[None]]  # (master, wait for the put TPS to reach zero)
    undrain: Callable[[Node], Awaitable[None]]
    is_sync_master: Callable[[Node], Awaitable[bool]]


def _noop(node: str, message: str) -> None:
    return None


def rolling_order(cluster: Cluster, names: Iterable[str] | None = None) -> list[Node]:
    """Brokers grouped by broker name (as the table shows them), slaves first, master last."""
    wanted = set(names) if names is not None else None
    brokers = [b for b in cluster.brokers if wanted is None or b.name in wanted]
    return sorted(brokers, key=lambda b: (b.broker_name or "", b.broker_id == 0, b.broker_id))


@dataclass
class RollingStep:
    node: str
    ok: bool
    seconds: float
    detail: str


@dataclass
class RollingReport:
    order: list[str]
    steps: list[RollingStep] = field(default_factory=list)
    error: str = ""  # why the run stopped early ("" when every step succeeded)

    @property
    def ok(self) -> bool:
        return not self.error and len(self.steps) == len(self.order) and all(s.ok for s in self.steps)

    @property
    def not_restarted(self) -> list[str]:
        done = {s.node for s in self.steps if s.ok}
        failed = {s.node for s in self.steps if not s.ok}
        return [n for n in self.order if n not in done and n not in failed]

    def summary(self) -> str:
        if self.ok:
            total = sum(s.seconds for s in self.steps)
            return f"rolling restart done: {', '.join(self.order)} ({total:.0f}s)"
        left = self.not_restarted
        return (
            f"rolling restart aborted: {self.error}"
            + (f"; restarted: {', '.join(s.node for s in self.steps if s.ok)}" if any(s.ok for s in self.steps) else "")
            + (f"; not restarted: {', '.join(left)}" if left else "")
        )


Step = Callable[[Node], Awaitable[NodeStatus]]
HOLD_POLL_SECONDS = 0.05  # a restarted master registers within moments of its port opening


async def rolling_restart(
    service: NodeService,
    names: Iterable[str] | None = None,
    *,
    stop: Step,
    start: Step,
    progress: Progress = _noop,
    timeout: float = 120.0,
    ha: HaProbe | None = None,
    drain: DrainSteps | None = None,
    elect: Elect | None = None,
) -> RollingReport:
    """`stop`/`start` are the (gated, journaled) single-node actions of the use-case layer; they
    raise NodeError when refused.  `ha` asks a master for its HA status (default:
    GET_BROKER_HA_STATUS over the network).  Controller-mode brokers go by their roles as elected
    and `elect` hands a master role over before a master stops (see rolling_controller)."""
    cluster = service.cluster
    order, why = await _order(service, names)
    report = RollingReport([n.name for n in order])
    if why or not order:
        report.error = why or "no brokers to restart"
        return report
    # Refuse to start from a degraded cluster: taking one more broker away could make it unavailable.
    statuses = await service.status_all()
    for node in order:
        st = statuses.get(node.name)
        if st is None or st.state is not NodeState.RUNNING or st.registered is False or st.late:
            what = (
                "not answering yet (its row is the last poll's)"
                if st and st.late
                else "not registered at every namesrv"
                if st and st.state is NodeState.RUNNING
                else (st.state.value if st else "unknown")
            )
            report.error = (
                f"{node.name} is {what} before the first step; rolling restart needs every broker "
                "running and registered (start it, or restart it alone)"
            )
            return report
    held: Node | None = None  # a master the previous step left drained for this one
    for i, node in enumerate(order, 1):
        step = f"[{i}/{len(order)}]"
        t0 = time.monotonic()
        drained, held = held, None
        try:
            if node.controller_mode:
                if elect is None:
                    raise NodeError("controller mode needs the elect step to hand a master role over")
                await controller_step(
                    service,
                    node,
                    stop=stop,
                    start=start,
                    elect=elect,
                    drain=drain,
                    progress=progress,
                    step=step,
                    timeout=timeout,
                )
                seconds = time.monotonic() - t0
                report.steps.append(RollingStep(node.name, True, seconds, "restarted, registered and in sync"))
                progress(node.name, f"{step} restarted, registered and in the sync-state set ({seconds:.1f}s)")
                continue
            if drained is None:
                drained = await _drain_before(cluster, node, drain, progress, step)
            else:
                progress(drained.name, f"{step} {drained.name} stays drained while {node.name} restarts")
            progress(node.name, f"{step} rolling restart: stopping")
            if drain is not None and drained is node and slaves_of_node(cluster, node):
                await _restart_held(service, node, stop=stop, start=start, drain=drain, timeout=timeout)
            else:
                await _restart(service, node, stop=stop, start=start, timeout=timeout)
            await wait_replicating(service, node, timeout=timeout, ha=ha)
            if drain is not None and drained is not None:
                following = order[i] if i < len(order) else None
                if following is not None and await _master_to_drain(cluster, following, drain) is drained:
                    held = drained
                else:
                    await drain.undrain(drained)
                drained = None
        except NodeError as exc:
            report.steps.append(RollingStep(node.name, False, time.monotonic() - t0, str(exc)))
            report.error = f"{step} {node.name}: {exc}"
            if drain is not None and drained is not None:
                try:
                    await drain.undrain(drained)
                except NodeError as undo:
                    report.error += f"; {drained.name} is still drained ({undo})"
            progress(node.name, report.summary())
            return report
        seconds = time.monotonic() - t0
        report.steps.append(RollingStep(node.name, True, seconds, "restarted and registered"))
        progress(node.name, f"{step} restarted and registered at every namesrv ({seconds:.1f}s)")
    return report


async def _restart(service: NodeService, node: Node, *, stop: Step, start: Step, timeout: float) -> None:
    """Stop, start, and wait until every namesrv lists it as defined (NodeError otherwise)."""
    await stop_then_start(node, stop, start)
    await wait_registered_as_defined(service, node, timeout=timeout)


async def _restart_held(
    service: NodeService, node: Node, *, stop: Step, start: Step, drain: DrainSteps, timeout: float
) -> None:
    """Restart a master that stays drained until its slaves are in sync again.  It comes back
    writable from its file, and its first registration lets any producer whose route refresh falls
    in that moment send to it while its slaves reconnect; a sync master then holds that send past
    the client's 3 s timeout (seen once in CI: the one failed send fell between the registration
    and a drain made after the start had returned).  So it is drained again the moment its port
    accepts, while the start still waits for its boot line and registration."""

    async def hold() -> None:
        deadline = time.monotonic() + timeout
        while not await _accepts(service, node):
            if time.monotonic() > deadline:
                raise NodeError(f"port {node.port} did not open within {timeout:g}s")
            await asyncio.sleep(HOLD_POLL_SECONDS)
        await drain.drain(node, False)

    await stop_then_start(node, stop, start, alongside=hold)
    await wait_registered_as_defined(service, node, timeout=timeout)


async def _accepts(service: NodeService, node: Node) -> bool:
    """Its port accepts; a host that fails to answer this once (a lost SSH connection being
    remade) counts as "not yet", so the hold keeps trying until its deadline."""
    try:
        return await service.accepts(node)
    except BackendError:
        return False


async def _order(service: NodeService, names: Iterable[str] | None) -> tuple[list[Node], str]:
    """(the brokers in restart order, why they cannot be ordered — "" when they can)."""
    order = rolling_order(service.cluster, names)
    if not any(n.controller_mode for n in order):
        return order, ""
    try:
        return elected_order(service.cluster, order, await roles(service)), ""
    except NodeError as exc:
        return order, str(exc)


def slaves_of_node(cluster: Cluster, node: Node) -> list[Node]:
    return [b for b in cluster.brokers if b.broker_name == node.broker_name and b.broker_id > 0]


async def _drain_before(
    cluster: Cluster, node: Node, drain: DrainSteps | None, progress: Progress, step: str
) -> Node | None:
    """Drain what must not take sends while `node` is away; returns the drained master."""
    if drain is None:
        return None
    master = await _master_to_drain(cluster, node, drain)
    if master is None:
        return None
    why = "before it stops" if node is master else f"while its slave {node.name} restarts"
    progress(master.name, f"{step} draining {master.name} {why}")
    try:
        await drain.drain(master, True)
    except NodeError:
        with contextlib.suppress(NodeError):  # producers still write there: leave it writable
            await drain.undrain(master)
        raise
    return master


async def _master_to_drain(cluster: Cluster, node: Node, drain: DrainSteps) -> Node | None:
    """The master that must take no sends while `node` is away: itself, or the SYNC_MASTER of a
    slave (None for an async master's slave and for controller-mode brokers, drained their own way)."""
    if node.controller_mode:
        return None
    master = (
        node
        if node.broker_id == 0
        else next((b for b in cluster.brokers if b.broker_name == node.broker_name and b.broker_id == 0), None)
    )
    if master is None or (node is not master and not await drain.is_sync_master(master)):
        return None
    return master


async def wait_registered_as_defined(service: NodeService, node: Node, *, timeout: float) -> None:
    """Every namesrv of the cluster answers and lists `node` under its broker name and id."""
    cluster = service.cluster
    want = cluster.endpoint(node)
    deadline = time.monotonic() + timeout
    problem = "no namesrv answered"
    while True:
        service.registration.invalidate()
        await service.registration.registered_addresses()
        views: dict[str, ClusterInfo] = dict(service.registration.views)
        missing = [cluster.endpoint(ns) for ns in cluster.namesrvs]
        missing = [ns for ns in missing if ns not in views]
        if missing:
            problem = f"namesrv {', '.join(missing)} does not answer"
        else:
            wrong = [
                ns
                for ns, info in views.items()
                if node.broker_name not in info.brokers
                or info.brokers[node.broker_name].addrs.get(node.broker_id) != want
            ]
            if not wrong:
                return
            problem = f"not listed as {node.broker_name} id {node.broker_id} at {want} by {', '.join(wrong)}"
        if time.monotonic() > deadline:
            raise NodeError(f"{problem} after {timeout:g}s")
        await asyncio.sleep(0.25)


async def wait_replicating(service: NodeService, node: Node, *, timeout: float, ha: HaProbe | None = None) -> None:
    """After a broker of a master/slave group came back: its master again reports every slave
    of the group connected and in sync.  Without this the next step could take the other
    masters' only in-sync slave away while this one still catches up (a SYNC_MASTER answers
    SLAVE_NOT_AVAILABLE then)."""
    from rocketui.services.ha_status import ha_status, slaves_of

    ha = ha or ha_status
    master, slaves = slaves_of(service.cluster, node)
    if master is None or not slaves:
        return
    deadline = time.monotonic() + timeout
    seen = "no answer"
    while True:
        try:
            status = await ha(service, master)
            if status.in_sync >= len(slaves):
                return
            seen = f"{status.in_sync} of {len(slaves)} slave(s) in sync ({status.connections} connected)"
        except Exception as exc:  # not answering yet: keep asking until the deadline
            seen = f"no HA status: {exc}"
        if time.monotonic() > deadline:
            raise NodeError(f"master {master.name} reports {seen} after {timeout:g}s")
        await asyncio.sleep(0.25)
