"""Day-2 operations: topics, consumer groups and lag, offsets, message lookup, broker stats, drain.

Queries return plain data.  Every change (topic create/update/delete, offset reset, drain and
undrain) goes through the gate: refused in read-only mode, journaled with the equivalent
`mqadmin` command lines, which are also what the confirmation shows and what `--dry-run` prints
(`plan_*`).  All of it over rocketui's own remoting client, one connection per address kept
between refreshes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from rocketui.backends.base import BackendError, HostPool
from rocketui.model.cluster import Cluster, Node
from rocketui.rocketmq import mqadmin
from rocketui.rocketmq.remoting.errors import RemotingError
from rocketui.services.admin_clients import AdminClients, AdminError, BrokerGroup
from rocketui.services.broker_stats import StatsReport, broker_stats
from rocketui.services.drain import READ_ONLY, READ_WRITE, DrainWatch, TpsProgress, set_permission, wait_drained
from rocketui.services.groups_admin import GroupsReport, StoreTimes, list_groups
from rocketui.services.mq_route import cluster_connector, cluster_namesrvs
from rocketui.services.msg_lookup import FoundMessage, by_id, by_key
from rocketui.services.nodes import NodeService
from rocketui.services.offsets_reset import ResetPlan, ResetResult, ResetTarget, apply_reset, plan_reset
from rocketui.services.topics_admin import (
    TopicDetail,
    TopicSpec,
    TopicsReport,
    create_topic,
    delete_topic,
    list_topics,
    topic_detail,
)
from rocketui.usecases.gate import ActionRecord, Gate, Outcome, ReadOnlyError

T = TypeVar("T")
EXPECTED = (AdminError, RemotingError, BackendError, OSError, TimeoutError)


@dataclass(frozen=True)
class Plan:
    """What a change will do: the mqadmin lines shown, printed by --dry-run and journaled."""

    action: str
    target: str
    lines: list[str]
    notes: list[str]


class Admin:
    def __init__(self, cluster: Cluster, pool: HostPool, gate: Gate, nodes: NodeService) -> None:
        self.cluster = cluster
        self.pool = pool
        self.gate = gate
        self.nodes = nodes
        self._clients: AdminClients | None = None
        self._store_times: StoreTimes = {}  # message store times already read (they never change)

    @property
    def namesrvs(self) -> list[str]:
        return cluster_namesrvs(self.cluster)

    @property
    def clients(self) -> AdminClients:
        if self._clients is None:
            self._clients = AdminClients(self.namesrvs, connector=cluster_connector(self.cluster, self.pool))
        return self._clients

    async def close(self) -> None:
        if self._clients is not None:
            await self._clients.close()
            self._clients = None

    # ------------------------------------------------------------------ queries
    async def topics(self, *, stats: bool = True) -> TopicsReport:
        return await list_topics(self.clients, stats=stats)

    async def topic(self, name: str) -> TopicDetail:
        return await topic_detail(self.clients, name)

    async def groups(self, *, oldest: bool = True) -> GroupsReport:
        return await list_groups(self.clients, oldest=oldest, store_times=self._store_times)

    async def group(self, name: str) -> GroupsReport:
        return await list_groups(self.clients, [name], store_times=self._store_times)

    async def broker_stats(self) -> StatsReport:
        """Per broker: put/get TPS, disk ratio, commitlog max offset, dispatch lag; per namesrv:
        brokers and topics known (what the main screen's columns show)."""
        return await broker_stats(self.clients)

    async def message_by_id(self, msg_id: str, topic: str | None = None) -> list[FoundMessage]:
        return await by_id(self.clients, msg_id, topic)

    async def message_by_key(self, topic: str, key: str) -> list[FoundMessage]:
        return await by_key(self.clients, topic, key)

    async def reset_preview(self, group: str, target: ResetTarget, topics: list[str] | None = None) -> ResetPlan:
        return await plan_reset(self.clients, group, target, topics)

    # ------------------------------------------------------------------ plans
    async def _targets(self, brokers: Sequence[str] | None) -> list[BrokerGroup]:
        groups = await self.clients.groups()
        if not brokers:
            return [g for g in groups if g.cluster == self.cluster.name] or groups
        known = {g.name: g for g in groups}
        missing = [b for b in brokers if b not in known]
        if missing:
            raise AdminError(f"no broker named {', '.join(missing)} is registered (known: {', '.join(sorted(known))})")
        return [known[b] for b in brokers]

    async def plan_topic(self, spec: TopicSpec, brokers: Sequence[str] | None = None, *, update: bool = False) -> Plan:
        targets = await self._targets(brokers)

        def line(cluster: str | None, addr: str | None) -> str:
            return mqadmin.update_topic(
                self.namesrvs,
                spec.name,
                cluster=cluster,
                broker_addr=addr,
                read=spec.read_queues,
                write=spec.write_queues,
                perm=spec.perm,
                order=spec.order,
            )

        if brokers:
            lines = [line(None, addr) for g in targets for addr in (g.master or "", *g.slaves)]
        else:
            lines = [line(c, None) for c in sorted({g.cluster for g in targets})]
            lines += [line(None, s) for g in targets for s in g.slaves]
        verb = "update" if update else "create"
        notes = [f"{verb} on {', '.join(g.name for g in targets)}; slaves confirmed before success"]
        return Plan(f"topic {verb}", spec.name, lines, notes)

    async def plan_delete_topic(self, topic: str) -> Plan:
        route_brokers = (await self.topic(topic)).broker_names
        targets = [g for g in await self.clients.groups() if g.name in route_brokers]
        clusters = sorted({g.cluster for g in targets}) or [self.cluster.name]
        lines = [mqadmin.delete_topic(self.namesrvs, topic, c) for c in clusters]
        return Plan("topic delete", topic, lines, [f"brokers: {', '.join(g.name for g in targets) or 'none'}"])

    def plan_reset(self, plan: ResetPlan) -> Plan:
        lines = [
            mqadmin.reset_offset_by_time(self.namesrvs, plan.group, t, plan.target.broker_timestamp)
            for t in plan.topics
        ]
        return Plan("reset offsets", plan.group, lines, [f"to {plan.target}"])

    async def _master(self, broker_name: str) -> tuple[Node, str]:
        """The master of a broker name and its address: as registered at the namesrvs; with none
        registered, the brokerId 0 of the cluster file if its port accepts (a master restarting in
        a rolling restart is drained then, before it registers).  Controller mode has no file-
        defined master: there the one elected must be registered."""
        node = next((b for b in self.cluster.brokers if b.broker_name == broker_name and b.broker_id == 0), None)
        if node is None:
            raise AdminError(f"the cluster file defines no master of broker {broker_name}")
        group = next((g for g in await self.clients.groups() if g.name == broker_name), None)
        if group is None or group.master is None:
            if node.controller_mode or not await self.nodes.accepts(node):
                raise AdminError(f"broker {broker_name} has no master registered at the namesrvs")
            return node, self.cluster.endpoint(node)
        # controller mode: the master is whoever was elected; its own config file is the one it rewrites
        elected = next(
            (
                b
                for b in self.cluster.brokers
                if b.broker_name == broker_name and self.cluster.endpoint(b) == group.master
            ),
            None,
        )
        return elected or node, group.master

    async def plan_drain(self, broker_name: str, *, undo: bool = False) -> Plan:
        _, address = await self._master(broker_name)
        perm = READ_WRITE if undo else READ_ONLY
        line = mqadmin.update_broker_config(self.namesrvs, address, "brokerPermission", str(perm))
        notes = [
            "the broker re-registers at every namesrv at once; producers move within their route refresh (≤30 s)",
            "the broker rewrites its config file on this request: rocketui puts the file back as it was",
        ]
        return Plan("undrain" if undo else "drain", broker_name, [line], notes)

    # ------------------------------------------------------------------ changes
    async def _change(
        self,
        plan: Plan,
        dry_run: bool,
        run: Callable[[ActionRecord], Awaitable[T]],
        summary: Callable[[T], tuple[bool, str]],
    ) -> Outcome[T]:
        """Dry run: the plan's lines, nothing done.  Otherwise the gated change; its Outcome."""
        if dry_run:
            return Outcome(plan.action, plan.target, True, "dry run: nothing changed", tuple(plan.lines))

        async def body(record: ActionRecord) -> T:
            record.commands += plan.lines
            return await run(record)

        try:
            value = await self.gate.run(plan.action, plan.target, None, body)
        except ReadOnlyError as exc:
            return Outcome.refusal(plan.action, plan.target, str(exc))
        except EXPECTED as exc:
            return Outcome(plan.action, plan.target, False, f"{type(exc).__name__}: {exc}", tuple(plan.lines))
        ok, text = summary(value)
        return Outcome(plan.action, plan.target, ok, text, tuple(plan.lines), value=value)

    async def create_topic(
        self,
        spec: TopicSpec,
        brokers: Sequence[str] | None = None,
        *,
        update: bool = False,
        dry_run: bool = False,
    ) -> Outcome[list[str]]:
        try:
            plan = await self.plan_topic(spec, brokers, update=update)
            targets = await self._targets(brokers)
        except EXPECTED as exc:
            return Outcome.refusal("topic create", spec.name, str(exc))

        async def body(record: ActionRecord) -> list[str]:
            return await create_topic(self.clients, spec, targets, record.commands)

        return await self._change(
            plan, dry_run, body, lambda done: (True, f"topic {spec.name} on {len(done)} broker(s)")
        )

    async def delete_topic(self, topic: str, *, dry_run: bool = False) -> Outcome[None]:
        try:
            plan = await self.plan_delete_topic(topic)
            detail = await self.topic(topic)
        except EXPECTED as exc:
            return Outcome.refusal("topic delete", topic, str(exc))
        on = detail.broker_names
        targets = [g for g in await self.clients.groups() if g.name in on]
        cluster = targets[0].cluster if targets else None

        async def body(record: ActionRecord) -> None:
            await delete_topic(self.clients, topic, targets, cluster, record.commands)

        return await self._change(plan, dry_run, body, lambda _: (True, f"topic {topic} deleted"))

    async def reset_offsets(self, plan: ResetPlan, *, dry_run: bool = False) -> Outcome[ResetResult]:
        """Apply a previewed reset (`reset_preview`) and verify it by reading the offsets back."""

        async def body(record: ActionRecord) -> ResetResult:
            result = await apply_reset(self.clients, plan, record.commands)
            if not result.ok:
                record.fail("; ".join(result.mismatched) or "nothing was reset")
            return result

        def summary(result: ResetResult) -> tuple[bool, str]:
            if result.ok:
                return True, f"{plan.group}: {len(result.set_by_broker)} queue(s) reset to {plan.target}, read back"
            return False, "; ".join(result.mismatched) or "nothing was reset"

        return await self._change(self.plan_reset(plan), dry_run, body, summary)

    async def drain(
        self,
        broker_name: str,
        *,
        undo: bool = False,
        dry_run: bool = False,
        wait: bool = True,
        progress: TpsProgress | None = None,
    ) -> Outcome[DrainWatch]:
        """Make a master read-only (producers move away) and, with `wait`, watch its put TPS fall
        to zero; `undo` makes it writable again."""
        try:
            plan = await self.plan_drain(broker_name, undo=undo)
            node, address = await self._master(broker_name)
        except EXPECTED as exc:
            return Outcome.refusal("undrain" if undo else "drain", broker_name, str(exc))

        async def body(record: ActionRecord) -> DrainWatch:
            client = self.clients.broker(address)
            path = await self.nodes.config_path(node)
            change = await set_permission(client, self.nodes.backend(node), path, READ_WRITE if undo else READ_ONLY)
            record.commands.append(f"brokerPermission {change.before} -> {change.after}")
            if change.file_restored:
                record.files.append(f"{node.host}: {path}")
            if undo or not wait:
                return DrainWatch(drained=not undo)
            watch = await wait_drained(client, progress=progress)
            record.commands.append(
                f"put TPS {' → '.join(f'{tps:.0f}' for _, tps in watch.samples[-6:])}, "
                + (
                    f"drained after {watch.seconds:.0f}s"
                    if watch.drained
                    else f"still writing after {watch.seconds:.0f}s"
                )
            )
            if not watch.drained:
                record.fail(f"put TPS still {watch.last_tps:.1f} after {watch.seconds:.0f}s")
            return watch

        def summary(watch: DrainWatch) -> tuple[bool, str]:
            if undo:
                return True, f"{broker_name} is writable again"
            if not wait:
                return True, f"{broker_name} is read-only; producers move within their route refresh"
            if watch.drained:
                return True, f"{broker_name} drained: no puts for the last seconds ({watch.seconds:.0f}s)"
            return False, f"{broker_name} still receives {watch.last_tps:.1f} msg/s after {watch.seconds:.0f}s"

        return await self._change(plan, dry_run, body, summary)
