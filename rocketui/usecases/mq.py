"""Messages through the cluster: the produce test (with its read-back check), consuming with a
group, the distribution's quickstart clients, and cluster health from the namesrvs.

Sending messages, creating a topic and committing a group's offsets change the cluster: they go
through the gate (refused in read-only mode, journaled).  Reading without committing and health
are queries.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from rocketui.backends.base import BackendError, HostPool
from rocketui.model.cluster import Cluster
from rocketui.rocketmq.remoting.client import Connector
from rocketui.rocketmq.remoting.errors import RemotingError
from rocketui.services.health import HealthReport, collect_health
from rocketui.services.mq_route import MqTestError, cluster_connector, cluster_namesrvs
from rocketui.services.mqconsume import ConsumedMessage, ConsumeReport, consume, ensure_group
from rocketui.services.mqtest import ProduceProgress, ProduceReport, ProduceRun, ProduceSpec
from rocketui.services.mqtest_verify import DEFAULT_GROUP, VerifyReport, verify_run
from rocketui.services.quickstart import QuickstartResult, Which, run_quickstart, unavailable_reason
from rocketui.usecases.gate import ActionRecord, Gate, Outcome, ReadOnlyError

# What a produce test reports: the send side and, unless skipped, the read-back check.
ProduceOutcome = tuple[ProduceReport, VerifyReport | None]
EXPECTED = (MqTestError, RemotingError, BackendError, OSError, TimeoutError)


class MqTests:
    def __init__(
        self,
        cluster: Cluster,
        pool: HostPool,
        gate: Gate,
        *,
        versions: Callable[[], Awaitable[dict[str, str | None]]] | None = None,
    ) -> None:
        self.cluster = cluster
        self.pool = pool
        self.gate = gate
        self.versions = versions  # node -> release of its distribution (health reports a mix)

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
    ) -> Outcome[ProduceOutcome]:
        """Send the spec's messages, then pull them back with `group` and count what is missing
        or duplicated.  `on_run` gets the run (to stop it from a front end)."""
        addrs = self.namesrvs(namesrvs)
        connector = self.connector()

        async def body(record: ActionRecord) -> ProduceOutcome:
            record.commands.append(
                f"produce {spec.count} x {spec.body_size} B to {spec.topic} ({spec.mode.value})"
                + (f", create topic on {spec.create.cluster or spec.create.broker}" if spec.create else "")
            )
            run = ProduceRun(spec, addrs, connector=connector, on_progress=on_progress)
            if on_run is not None:
                on_run(run)
            report = await run.run()
            record.commands += [f"note: {n}" for n in report.notes]
            verified = None
            if verify and report.expected and group != DEFAULT_GROUP:  # a named group is a real group
                record.commands += await ensure_group(addrs, spec.topic, group, connector=connector)
            if verify and report.expected:
                verified = await verify_run(
                    report, addrs, group=group, connector=connector, on_progress=on_verify, timeout=verify_timeout
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
        return await collect_health(
            self.cluster,
            connector=self.connector(),
            namesrvs=self.namesrvs(namesrvs) or None,
            timeout=timeout,
            node_versions=await self.versions() if self.versions is not None else None,
        )


def produce_problem(spec: ProduceSpec, report: ProduceReport, verified: VerifyReport | None) -> str:
    """Why a produce test did not prove what it should ("" when it did)."""
    p = report.progress
    if report.aborted:
        return f"gave up: {report.aborted}"
    if p.failed:
        return f"{p.failed} of {spec.count} sends failed"
    if p.sent != spec.count:
        return f"sent {p.sent} of {spec.count}"
    if verified is not None and not verified.ok:
        return f"{verified.missing} missing, {verified.duplicated} duplicated"
    return ""
