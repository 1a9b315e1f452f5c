"""Messages through the cluster: the produce test (with its read-back check), consuming with a
group, the distribution's quickstart clients, and cluster health from the namesrvs.

Sending messages, creating a topic and committing a group's offsets change the cluster: they go
through the gate (refused in read-only mode, journaled).  Reading without committing and health
are queries.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from rocketui.backends.base import Backend, BackendError, HostPool
from rocketui.model.cluster import Cluster, Node, NodeKind
from rocketui.rocketmq.remoting.client import Connector
from rocketui.rocketmq.remoting.errors import RemotingError
from rocketui.services.controller_probe import ControllerProbe, ControllerView
from rocketui.services.grpc_produce import GrpcConsumeReport, GrpcProduceRun, grpc_consume
from rocketui.services.health import HealthReport, collect_health
from rocketui.services.mq_route import MqTestError, ProxyTarget, cluster_connector, cluster_namesrvs
from rocketui.services.mqconsume import ConsumedMessage, ConsumeReport, commit_offsets, consume, ensure_group
from rocketui.services.mqtest import ProduceProgress, ProduceReport, ProduceRun, ProduceSpec
from rocketui.services.mqtest_verify import DEFAULT_GROUP, VerifyReport, verify_run
from rocketui.services.proxy_probe import ProxyProbe, ProxyServing
from rocketui.services.quickstart import QuickstartResult, Which, run_quickstart, unavailable_reason
from rocketui.usecases.gate import ActionRecord, Gate, Outcome, ReadOnlyError

# What a produce test reports: the send side and, unless skipped, the read-back check (rocketui's
# reader, or the official gRPC client's).
ProduceOutcome = tuple[ProduceReport, VerifyReport | GrpcConsumeReport | None]
EXPECTED = (MqTestError, RemotingError, BackendError, OSError, TimeoutError)


class MqTests:
    def __init__(
        self,
        cluster: Cluster,
        pool: HostPool,
        gate: Gate,
        *,
        versions: Callable[[], Awaitable[dict[str, str | None]]] | None = None,
        controllers: ControllerProbe | None = None,
        here: Backend | None = None,
        journaled_changes: Callable[[], None] | None = None,
    ) -> None:
        self.cluster = cluster
        self.pool = pool
        self.gate = gate
        self.versions = versions  # node -> release of its distribution (health reports a mix)
        self.here = here  # this machine: runs the official gRPC client
        # the status poll's probe: health then knows the master changes that poll saw
        self.controllers = controllers
        # feeds `controllers` the master changes journaled earlier ("… after broker-a died"), so a
        # health run of its own (the CLI) tells what a watching rocketui saw
        self.journaled_changes = journaled_changes

    def connector(self) -> Connector:
        """How to reach a namesrv or broker: through its host's backend (SSH hosts tunnelled)."""
        return cluster_connector(self.cluster, self.pool)

    def namesrvs(self, given: Sequence[str] = ()) -> list[str]:
        return list(given) or cluster_namesrvs(self.cluster)

    # ------------------------------------------------------------------ produce + verify
    async def produce(
        self,
        spec: ProduceSpec,
        *,
        group: str = DEFAULT_GROUP,
        verify: bool = True,
        namesrvs: Sequence[str] = (),
        verify_timeout: float = 30.0,
        on_run: Callable[[ProduceRun], object] | None = None,
        on_progress: Callable[[ProduceProgress], object] | None = None,
        on_verify: Callable[[int, int], object] | None = None,
        via: str | None = None,
        grpc: bool = False,
        verify_grpc: bool = False,
    ) -> Outcome[ProduceOutcome]:
        """Send the spec's messages, then pull them back with `group` and count what is missing
        or duplicated.  `on_run` gets the run (to stop it from a front end).  `via` names a proxy
        (a proxy node, or a broker with a local proxy): sends and reads go through its remoting
        port — or, with `grpc`, the sends through its gRPC port with the official Python client;
        `verify_grpc` reads back with the official client instead of rocketui's."""
        addrs = self.namesrvs(namesrvs)
        connector = self.connector()
        try:
            proxy, node = self.proxy_target(via) if via else (None, None)
        except ValueError as exc:
            return Outcome.refusal("produce test", spec.topic, str(exc))
        if (grpc or verify_grpc) and (node is None or self.here is None):
            return Outcome.refusal("produce test", spec.topic, "the gRPC client needs a proxy: name one with --via")

        async def body(record: ActionRecord) -> ProduceOutcome:
            record.commands.append(
                f"produce {spec.count} x {spec.body_size} B to {spec.topic} ({spec.mode.value})"
                + (f", create topic on {spec.create.cluster or spec.create.broker}" if spec.create else "")
                + (f", through proxy {via}" + (" (gRPC, official client)" if grpc else " (remoting)") if via else "")
                + (
                    f"; remoting to broker {proxy.only_broker} itself (a Local-mode proxy)"
                    if proxy and not proxy.addr
                    else ""
                )
            )
            run: ProduceRun
            if grpc:
                assert node is not None and proxy is not None and self.here is not None
                endpoint = self.cluster.grpc_endpoint(node)
                run = GrpcProduceRun(
                    spec,
                    addrs,
                    here=self.here,
                    endpoint=endpoint,
                    proxy=proxy,
                    connector=connector,
                    on_progress=on_progress,
                )
            else:
                run = ProduceRun(spec, addrs, connector=connector, on_progress=on_progress, proxy=proxy)
            if on_run is not None:
                on_run(run)
            report = await run.run()
            record.commands += [f"note: {n}" for n in report.notes]
            verified: VerifyReport | GrpcConsumeReport | None = None
            if verify and report.expected and group != DEFAULT_GROUP:  # a named group is a real group
                record.commands += await ensure_group(addrs, spec.topic, group, connector=connector)
            if verify and report.expected and verify_grpc:
                assert node is not None and self.here is not None
                await commit_offsets(addrs, report.start_offsets, spec.topic, group, proxy=proxy, connector=connector)
                verified = await grpc_consume(
                    report,
                    here=self.here,
                    endpoint=self.cluster.grpc_endpoint(node),
                    group=group,
                    timeout=verify_timeout,
                )
            elif verify and report.expected:
                verified = await verify_run(
                    report,
                    addrs,
                    group=group,
                    connector=connector,
                    on_progress=on_verify,
                    timeout=verify_timeout,
                    proxy=proxy,
                )
            problem = produce_problem(spec, report, verified)
            if problem:
                record.fail(problem)
            return report, verified

        try:
            report, verified = await self.gate.run("produce test", None, None, body)
        except ReadOnlyError as exc:
            return Outcome.refusal("produce test", spec.topic, f"{exc} (a test writes messages)")
        except EXPECTED as exc:
            return Outcome(
                "produce test",
                spec.topic,
                False,
                f"{type(exc).__name__}: {exc}" if not isinstance(exc, MqTestError) else str(exc),
            )
        problem = produce_problem(spec, report, verified)
        summary = problem or (
            f"sent {report.progress.sent} of {spec.count}" + (", every one read back exactly once" if verified else "")
        )
        return Outcome("produce test", spec.topic, not problem, summary, value=(report, verified))

    def proxy_target(self, name: str) -> tuple[ProxyTarget, Node]:
        """The proxy node `name` serves (ValueError says why it is none)."""
        try:
            node = self.cluster.node(name)
        except KeyError:
            raise ValueError(
                f"no node named {name!r}; proxies: {', '.join(n.name for n in self.cluster.proxies) or 'none'}"
            ) from None
        if not node.serves_proxy:
            raise ValueError(
                f"node '{name}' serves no proxy; proxies: {', '.join(n.name for n in self.cluster.proxies) or 'none'}"
            )
        if node.kind is NodeKind.PROXY:
            return ProxyTarget(node.name, self.cluster.proxy_endpoint(node), routes_from_proxy=True), node
        # a Local-mode proxy: its own broker, remoting to the broker itself (see ProxyTarget)
        return ProxyTarget(node.name, None, routes_from_proxy=False, only_broker=node.broker_name), node

    # ------------------------------------------------------------------ consume
    async def consume(
        self,
        topic: str,
        group: str,
        *,
        commit: bool = True,
        namesrvs: Sequence[str] = (),
        on_message: Callable[[ConsumedMessage], object] | None = None,
        **options: object,
    ) -> Outcome[ConsumeReport]:
        """Pull `topic` with `group`; committing the group's offsets is a change (gated)."""
        addrs = self.namesrvs(namesrvs)

        async def run() -> ConsumeReport:
            return await consume(
                addrs,
                topic,
                group,
                commit=commit,
                connector=self.connector(),
                on_message=on_message,
                **options,  # type: ignore[arg-type]
            )

        async def body(record: ActionRecord) -> ConsumeReport:
            record.commands.append(f"consume {topic} as group {group}, committing its offsets")
            return await run()

        try:
            report = await (self.gate.run("consume", None, None, body) if commit else run())
        except ReadOnlyError as exc:
            return Outcome.refusal("consume", topic, f"{exc} (committing offsets changes the group; use --no-commit)")
        except EXPECTED as exc:
            return Outcome("consume", topic, False, str(exc))
        return Outcome("consume", topic, True, f"received {report.received}", value=report)

    # ------------------------------------------------------------------ quickstart
    async def quickstart(
        self, which: Which, *, on_line: Callable[[str], object] | None = None
    ) -> Outcome[QuickstartResult]:
        """The distribution's quickstart Producer (a change: it sends 1000 messages) or Consumer
        (reads only; allowed in read-only mode)."""

        async def run() -> QuickstartResult:
            return await run_quickstart(self.cluster, self.pool, which, on_line=on_line)

        async def body(record: ActionRecord) -> QuickstartResult:
            result = await run()  # its command reaches the journal through the backend
            if not result.ok:
                record.fail(f"exit {result.exit_status}")
            return result

        action = f"quickstart {which.value}"
        try:  # refused before anything runs or is journaled when there is no rocketmq-example jar
            reason = await unavailable_reason(self.cluster, self.pool)
        except EXPECTED as exc:
            return Outcome(action, None, False, f"{type(exc).__name__}: {exc}")
        if reason:
            return Outcome.refusal(action, None, reason)
        try:
            result = await (self.gate.run(action, None, None, body) if which is Which.PRODUCER else run())
        except ReadOnlyError as exc:
            return Outcome.refusal(action, None, f"{exc} (the quickstart Producer writes messages)")
        except EXPECTED as exc:
            return Outcome(action, None, False, f"{type(exc).__name__}: {exc}")
        return Outcome(action, None, result.ok, result.summary(), value=result)

    # ------------------------------------------------------------------ health
    async def health(self, *, namesrvs: Sequence[str] = (), timeout: float = 3.0) -> HealthReport:
        if self.journaled_changes is not None:
            self.journaled_changes()
        return await collect_health(
            self.cluster,
            connector=self.connector(),
            namesrvs=self.namesrvs(namesrvs) or None,
            timeout=timeout,
            node_versions=await self.versions() if self.versions is not None else None,
            controllers=self._controller_view(),
            proxies=self._proxies_serving(),
        )

    async def _controller_view(self) -> ControllerView | None:
        if self.controllers is not None:
            return await self.controllers.view()
        probe = ControllerProbe(self.cluster, self.pool)
        try:
            return await probe.view()
        finally:
            await probe.close()

    async def _proxies_serving(self) -> dict[str, ProxyServing]:
        probe = ProxyProbe(self.cluster, self.pool)
        try:
            return {n.name: await probe.serving(n) for n in self.cluster.proxies}
        finally:
            await probe.close()


def produce_problem(spec: ProduceSpec, report: ProduceReport, verified: VerifyReport | GrpcConsumeReport | None) -> str:
    """Why a produce test did not prove what it should ("" when it did)."""
    p = report.progress
    if report.aborted:
        return f"gave up: {report.aborted}"
    if p.failed:
        return f"{p.failed} of {spec.count} sends failed"
    if p.sent != spec.count:
        return f"sent {p.sent} of {spec.count}"
    if verified is not None and not verified.ok:
        extra = verified.duplicated - (verified.resent_copies if isinstance(verified, VerifyReport) else 0)
        return f"{verified.missing} missing, {extra} duplicated"
    return ""
