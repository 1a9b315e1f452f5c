"""Start, stop, restart — one node, every node, or a rolling restart — as gated changes.

Every single-node step goes through the gate (one journal entry per node and step, refused in
read-only mode).  Multi-node actions run dependency levels in order (namesrvs, then masters, then
slaves; stop in reverse), with a bounded number of actions per host at once, report progress as
"n of m", and can be told to stop issuing more (`Abort`).  A stop-all never takes down a level
that a node it could not stop depends on, unless forced.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from rocketui.backends.base import BackendError
from rocketui.model.cluster import Cluster, Node
from rocketui.rocketmq.remoting.errors import RemotingError
from rocketui.services.node_status import NodeState, NodeStatus
from rocketui.services.nodes import NodeError, NodeService, Progress
from rocketui.services.rolling import DrainSteps, RollingReport, rolling_order, rolling_restart
from rocketui.usecases.admin import Admin
from rocketui.usecases.elect import MasterElection
from rocketui.usecases.gate import ActionRecord, Gate, Outcome, ReadOnlyError

PER_HOST = 4  # actions at once on one host: a start is CPU-bound for seconds (JIT, class loading)
STOP_TIMEOUT = 30.0
START_TIMEOUT = 90.0
# Errors a node action reports as its outcome (anything else is a bug and propagates).
EXPECTED = (NodeError, BackendError, OSError, ValueError)


def _noop(node: str, message: str) -> None:
    return None


class Abort:
    """Set by a front end (Esc, Ctrl+C) to stop issuing more actions of a multi-node run; actions
    already under way finish."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def set(self) -> None:
        self._event.set()

    @property
    def is_set(self) -> bool:
        return self._event.is_set()


@dataclass
class BatchReport:
    """What a start-all / stop-all did, node by node."""

    action: str
    order: list[str]
    results: dict[str, NodeStatus] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)  # node -> why
    skipped: dict[str, str] = field(default_factory=dict)  # node -> why it was not tried

    @property
    def ok(self) -> bool:
        return not self.failed and not self.skipped and len(self.results) == len(self.order)

    def summary(self) -> str:
        if self.ok:
            return f"every node is {'running' if self.action == 'start' else 'stopped'}"
        parts = [f"{n}: {why}" for n, why in self.failed.items()]
        verb = "started" if self.action == "start" else "stopped"
        parts += [f"{n}: not {verb} ({why})" for n, why in self.skipped.items()]
        return "; ".join(parts)


BatchProgress = Callable[[int, int, list[str]], None]  # (done, total, failed node names)


class Lifecycle:
    def __init__(
        self, nodes: NodeService, gate: Gate, *, admin: Admin | None = None, election: MasterElection | None = None
    ) -> None:
        self.nodes = nodes
        self.gate = gate
        self.admin = admin  # drains masters during a rolling restart
        self.election = election  # hands a controller-mode master role over during a rolling restart

    @property
    def cluster(self) -> Cluster:
        return self.nodes.cluster

    # ------------------------------------------------------------------ planning
    def levels(self) -> list[list[Node]]:
        return self.nodes.start_levels()

    def order(self, action: str) -> list[Node]:
        """Every node in the order `action` ("start" | "stop") takes them."""
        levels = self.levels()
        return [n for level in (reversed(levels) if action == "stop" else levels) for n in level]

    async def plan(self, action: str, nodes: Iterable[Node]) -> list[tuple[Node, list[str]]]:
        """The exact commands `action` would run per node; a host that cannot be asked says so
        in its line instead of failing the whole plan."""
        planned: list[tuple[Node, list[str]]] = []
        for node in nodes:
            try:
                lines = await self.nodes.plan(action, node)
            except EXPECTED as exc:
                lines = [f"{node.host}: cannot tell ({type(exc).__name__}: {exc})"]
            planned.append((node, lines))
        return planned

    # ------------------------------------------------------------------ one node
    async def start(
        self, node: Node, *, wait: bool = True, timeout: float = START_TIMEOUT, progress: Progress = _noop
    ) -> Outcome[NodeStatus]:
        return await self._one(
            "start", node, lambda: self.nodes.start(node, wait=wait, timeout=timeout, progress=progress)
        )

    async def stop(
        self, node: Node, *, timeout: float = STOP_TIMEOUT, progress: Progress = _noop
    ) -> Outcome[NodeStatus]:
        return await self._one("stop", node, lambda: self.nodes.stop(node, timeout=timeout, progress=progress))

    async def restart(self, node: Node, *, progress: Progress = _noop) -> Outcome[NodeStatus]:
        stopped = await self.stop(node, progress=progress)
        if not stopped.ok:
            return stopped
        return await self.start(node, progress=progress)

    async def _one(self, action: str, node: Node, call: Callable[[], Awaitable[NodeStatus]]) -> Outcome[NodeStatus]:
        want = NodeState.STOPPED if action == "stop" else NodeState.RUNNING

        async def body(record: ActionRecord) -> NodeStatus:
            status = await call()
            if status.state is not want:
                record.fail(status.message or status.state.value)
            return status

        try:
            status = await self.gate.run(action, node.name, node.host, body)
        except ReadOnlyError as exc:
            return Outcome.refusal(action, node.name, str(exc))
        except EXPECTED as exc:
            return Outcome(action, node.name, False, _reason(exc))
        ok = status.state is want
        return Outcome(
            action, node.name, ok, status.state.value if ok else (status.message or status.state.value), value=status
        )

    async def acknowledge(self, node: Node) -> Outcome[bool]:
        """The operator has seen the node's crash: show it stopped until its next start."""

        async def body(record: ActionRecord) -> bool:
            return await self.nodes.acknowledge(node)

        try:
            done = await self.gate.run("acknowledge crash", node.name, node.host, body)
        except ReadOnlyError as exc:
            return Outcome.refusal("acknowledge crash", node.name, str(exc))
        except EXPECTED as exc:
            return Outcome("acknowledge crash", node.name, False, _reason(exc))
        return Outcome(
            "acknowledge crash", node.name, True, "acknowledged" if done else "no crash to acknowledge", value=done
        )

    # ------------------------------------------------------------------ every node
    async def start_all(
        self,
        *,
        progress: Progress = _noop,
        on_count: BatchProgress | None = None,
        abort: Abort | None = None,
        timeout: float = START_TIMEOUT,
    ) -> Outcome[BatchReport]:
        """Levels in order; a level waits for the previous one, and a failed level stops the run
        (a broker cannot register without its namesrvs, a slave needs its master)."""
        return await self._batch("start", progress, on_count, abort, force=False, timeout=timeout)

    async def stop_all(
        self,
        *,
        progress: Progress = _noop,
        on_count: BatchProgress | None = None,
        abort: Abort | None = None,
        force: bool = False,
    ) -> Outcome[BatchReport]:
        """Levels in reverse order.  A node that could not be stopped (its host unreachable, say)
        keeps the levels below it running unless `force`: stopping its namesrvs would leave it
        serving without them."""
        return await self._batch("stop", progress, on_count, abort, force=force, timeout=STOP_TIMEOUT)

    async def _batch(
        self,
        action: str,
        progress: Progress,
        on_count: BatchProgress | None,
        abort: Abort | None,
        *,
        force: bool,
        timeout: float,
    ) -> Outcome[BatchReport]:
        try:
            self.gate.refuse_if_read_only(f"{action} all", None)
        except ReadOnlyError as exc:
            return Outcome.refusal(f"{action} all", None, str(exc))
        levels = self.levels() if action == "start" else list(reversed(self.levels()))
        report = BatchReport(action, [n.name for level in levels for n in level])
        total = len(report.order)
        per_host: dict[str, asyncio.Semaphore] = {}
        done = [0]

        async def one(node: Node) -> None:
            sem = per_host.setdefault(node.host, asyncio.Semaphore(PER_HOST))
            async with sem:
                if abort is not None and abort.is_set:
                    report.skipped[node.name] = "stopped issuing more (aborted)"
                    return
                if action == "start":
                    outcome = await self.start(node, progress=progress, timeout=timeout)
                else:
                    outcome = await self.stop(node, progress=progress)
            if outcome.value is not None:
                report.results[node.name] = outcome.value
            if not outcome.ok:
                report.failed[node.name] = outcome.summary
            done[0] += 1
            if on_count is not None:
                on_count(done[0], total, sorted(report.failed))

        for index, level in enumerate(levels):
            await asyncio.gather(*(one(n) for n in level))
            blocked = report.failed and not (action == "stop" and force)
            if blocked or (abort is not None and abort.is_set):
                why = (
                    "aborted"
                    if abort is not None and abort.is_set and not report.failed
                    else f"{', '.join(sorted(report.failed))} did not {action}"
                    + ("" if action == "start" else "; the nodes below it stay up (use --force to stop them anyway)")
                )
                for rest in levels[index + 1 :]:
                    for n in rest:
                        report.skipped[n.name] = why
                if report.failed:
                    progress(sorted(report.failed)[0], f"{action}-all stopped: {report.summary()}")
                break
        return Outcome(f"{action} all", None, report.ok, report.summary(), value=report)

    # ------------------------------------------------------------------ rolling
    def rolling_order(self, names: Iterable[str] | None = None) -> list[Node]:
        return rolling_order(self.cluster, names)

    def drain_steps(self, progress: Progress = _noop) -> DrainSteps | None:
        """Gated drain/undrain of a master for the rolling restart (None without an Admin)."""
        admin = self.admin
        if admin is None:
            return None

        async def drain(master: Node, wait: bool) -> None:
            def tps(seconds: float, rate: float) -> None:
                progress(master.name, f"draining: put TPS {rate:.1f} after {seconds:.0f}s")

            outcome = await admin.drain(master.broker_name or master.name, wait=wait, progress=tps)
            if not outcome.ok:
                raise NodeError(f"drain of {master.name}: {outcome.summary}")
            progress(master.name, outcome.summary)

        async def undrain(master: Node) -> None:
            outcome = await admin.drain(master.broker_name or master.name, undo=True)
            if not outcome.ok:
                raise NodeError(f"undrain of {master.name}: {outcome.summary}")
            progress(master.name, outcome.summary)

        async def is_sync_master(master: Node) -> bool:
            try:
                role = (await admin.clients.broker(self.cluster.endpoint(master)).get_broker_config()).get("brokerRole")
            except RemotingError:
                role = master.role.value if master.role is not None else None
            return role == "SYNC_MASTER"

        return DrainSteps(drain, undrain, is_sync_master)

    async def rolling_restart(
        self,
        names: Iterable[str] | None = None,
        *,
        progress: Progress = _noop,
        timeout: float = 120.0,
        drain: bool = True,
    ) -> Outcome[RollingReport]:
        """Brokers one at a time; with `drain`, masters are drained so no send fails (see
        services.rolling.DrainSteps)."""
        try:
            self.gate.refuse_if_read_only("rolling restart", None)
        except ReadOnlyError as exc:
            return Outcome.refusal("rolling restart", None, str(exc))

        async def stop(node: Node) -> NodeStatus:
            return _status_or_raise(await self.stop(node, progress=progress))

        async def start(node: Node) -> NodeStatus:
            return _status_or_raise(await self.start(node, progress=progress, timeout=timeout))

        async def elect(master: Node, heir: Node) -> None:
            if self.election is None:
                raise NodeError("no election use case to hand the master role over")
            outcome = await self.election.elect(heir)
            if not outcome.ok:
                raise NodeError(f"handing {master.name}'s master role to {heir.name}: {outcome.summary}")

        report = await rolling_restart(
            self.nodes,
            names,
            stop=stop,
            start=start,
            progress=progress,
            timeout=timeout,
            drain=self.drain_steps(progress) if drain else None,
            elect=elect,
        )
        return Outcome("rolling restart", None, report.ok, report.summary(), value=report)


def _status_or_raise(outcome: Outcome[NodeStatus]) -> NodeStatus:
    if outcome.value is None:
        raise NodeError(outcome.summary)
    return outcome.value


def _reason(exc: BaseException) -> str:
    """An error as the operator reads it: NodeError and BackendError messages already name the
    node or host; anything else gets its type."""
    if isinstance(exc, (NodeError, BackendError)):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"
