"""Cluster health: what the namesrvs and brokers report, compared with the cluster file.

`build_health` is pure: namesrv views (GET_BROKER_CLUSTER_INFO per namesrv, or the error it
failed with) + each broker's runtime info → a cluster → brokerName → brokerId view whose rows
carry their problems, each with a reason. Registration checks (missing, only at some namesrvs,
wrong id/name/cluster, master/slave down) come from `topology_check`; this adds what only the
brokers themselves can tell (unreachable, disk full, configured role, version) and rows for
registrations the cluster file does not define. `collect_health` does the I/O.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from rocketui.model.cluster import Cluster, Node
from rocketui.rocketmq.remoting.broker import BrokerClient
from rocketui.rocketmq.remoting.client import Connector
from rocketui.rocketmq.remoting.errors import RemotingError
from rocketui.rocketmq.remoting.namesrv import cluster_info_per_namesrv
from rocketui.rocketmq.remoting.route import ClusterInfo
from rocketui.services.controller_probe import ControllerView
from rocketui.services.elected import ElectedKind, elected_findings, elected_roles
from rocketui.services.mq_route import cluster_namesrvs
from rocketui.services.node_status import NodeState
from rocketui.services.proxy_probe import ProxyServing
from rocketui.services.replica_drift import Drift, slave_drift
from rocketui.services.topology_check import Kind, check_topology

# Broker defaults: at diskSpaceWarningLevelRatio (0.90) it refuses writes ("disk full"); at
# diskMaxUsedSpaceRatio (0.75) it deletes old commit log files before their reserved time.
DISK_FULL_RATIO = 0.90
DISK_HIGH_RATIO = 0.75


class HealthKind(StrEnum):
    NAMESRV_DOWN = "namesrv down"
    MISSING = "missing"
    PARTIAL = "registered at some namesrvs only"
    UNEXPECTED = "unexpected"
    FOREIGN = "other cluster"
    WRONG_ROLE = "wrong role"
    WRONG_NAME = "wrong broker name"
    WRONG_CLUSTER = "wrong cluster"
    UNREACHABLE = "unreachable"
    MASTER_DOWN = "master down"
    MASTER_ELSEWHERE = "another master"
    SLAVE_DOWN = "slave down"
    DISK_FULL = "disk full"
    DISK_HIGH = "disk high"
    INACTIVE = "inactive"
    VERSION = "version"
    SLAVE_BEHIND = "slave lacks definitions"
    MIXED_VERSIONS = "mixed versions"
    MASTER_MOVED = "master moved"
    NO_MASTER = "no master"
    OUT_OF_SYNC = "not in sync"
    UNREGISTERED = "unknown to the controllers"
    CONTROLLERS = "controllers"
    PROXY = "proxy"


class Level(StrEnum):
    PROBLEM = "problem"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    kind: HealthKind
    reason: str
    level: Level = Level.PROBLEM

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind.value, "level": self.level.value, "reason": self.reason}


_FROM_ELECTED = {
    ElectedKind.MOVED: (HealthKind.MASTER_MOVED, "warning"),
    ElectedKind.NO_MASTER: (HealthKind.NO_MASTER, "problem"),
    ElectedKind.OUT_OF_SYNC: (HealthKind.OUT_OF_SYNC, "warning"),
    ElectedKind.UNREGISTERED: (HealthKind.UNREGISTERED, "problem"),
    ElectedKind.UNKNOWN: (HealthKind.CONTROLLERS, "problem"),
}
_FROM_TOPOLOGY = {
    Kind.NOT_REGISTERED: HealthKind.MISSING,
    Kind.PARTIAL: HealthKind.PARTIAL,
    Kind.WRONG_ID: HealthKind.WRONG_ROLE,
    Kind.WRONG_NAME: HealthKind.WRONG_NAME,
    Kind.WRONG_CLUSTER: HealthKind.WRONG_CLUSTER,
    Kind.MASTER_DOWN: HealthKind.MASTER_DOWN,
    Kind.MASTER_ELSEWHERE: HealthKind.MASTER_ELSEWHERE,
    Kind.SLAVE_DOWN: HealthKind.SLAVE_DOWN,
}


def _first_float(text: str | None) -> float | None:
    """First number of a runtime value such as putTps '12.5 10.1 9.8'; blank (no traffic yet)
    reads 0 as in mqadmin clusterList; None when absent or not a number."""
    if text is None:
        return None
    parts = text.split()
    try:
        return float(parts[0]) if parts else 0.0
    except ValueError:
        return None


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


@dataclass(frozen=True)
class BrokerRuntime:
    """What GET_BROKER_RUNTIME_INFO (+ brokerRole from GET_BROKER_CONFIG) says about a broker."""

    version: str | None = None
    in_tps: float | None = None  # putTps, last 10 s
    out_tps: float | None = None  # getTransferredTps, last 10 s
    disk_ratio: float | None = None  # commitLogDiskRatio (0..1)
    active: bool | None = None  # brokerActive
    role: str | None = None  # configured brokerRole
    put_today: int | None = None
    get_today: int | None = None
    send_queue: int | None = None  # sendThreadPoolQueueSize
    send_queue_capacity: int | None = None

    @classmethod
    def from_table(cls, table: Mapping[str, str], role: str | None = None) -> BrokerRuntime:
        active = table.get("brokerActive")
        return cls(
            version=table.get("brokerVersionDesc") or None,
            in_tps=_first_float(table.get("putTps")),
            out_tps=_first_float(table.get("getTransferredTps")),
            disk_ratio=_first_float(table.get("commitLogDiskRatio")),
            active=None if active is None else active == "true",
            role=role,
            put_today=_int(table.get("msgPutTotalTodayNow")),
            get_today=_int(table.get("msgGetTotalTodayNow")),
            send_queue=_int(table.get("sendThreadPoolQueueSize")),
            send_queue_capacity=_int(table.get("sendThreadPoolQueueCapacity")),
        )

    def to_json(self) -> dict[str, object]:
        return {
            "version": self.version,
            "in_tps": self.in_tps,
            "out_tps": self.out_tps,
            "disk_ratio": self.disk_ratio,
            "active": self.active,
            "role": self.role,
            "put_today": self.put_today,
            "get_today": self.get_today,
            "send_queue": self.send_queue,
            "send_queue_capacity": self.send_queue_capacity,
        }


@dataclass(frozen=True)
class BrokerHealth:
    cluster: str
    broker_name: str
    broker_id: int
    addr: str
    node: str | None  # the cluster file's node at this address (None: not defined)
    registered_at: tuple[str, ...]  # namesrv addresses listing it
    runtime: BrokerRuntime | None
    runtime_error: str | None
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return all(p.level is not Level.PROBLEM for p in self.problems)

    def to_json(self) -> dict[str, object]:
        return {
            "cluster": self.cluster,
            "broker_name": self.broker_name,
            "broker_id": self.broker_id,
            "addr": self.addr,
            "node": self.node,
            "registered_at": list(self.registered_at),
            "runtime": self.runtime.to_json() if self.runtime else None,
            "runtime_error": self.runtime_error,
            "problems": [p.to_json() for p in self.problems],
        }


@dataclass(frozen=True)
class GroupHealth:
    """A controller-mode broker name as elected now, next to what the cluster file intends."""

    broker_name: str
    defined_master: str | None
    master: str | None  # node name (address when not in the file); None: no master elected
    epoch: int | None
    sync_state_set: tuple[str, ...]
    since: float | None  # when rocketui saw this master take over (None: not seen)

    def to_json(self) -> dict[str, object]:
        return {
            "defined_master": self.defined_master,
            "master": self.master,
            "epoch": self.epoch,
            "sync_state_set": list(self.sync_state_set),
            "since": self.since,
            "as_defined": self.master == self.defined_master,
        }


@dataclass(frozen=True)
class HealthReport:
    brokers: tuple[BrokerHealth, ...]  # sorted by cluster, broker name, broker id
    namesrvs: dict[str, str | None]  # address → None (answered) or the error
    problems: tuple[Problem, ...] = ()  # not about one broker (namesrvs, controllers, proxies)
    controllers: ControllerView | None = None
    groups: tuple[GroupHealth, ...] = ()
    proxies: tuple[tuple[str, ProxyServing], ...] = ()  # proxy node → serving

    def tree(self) -> dict[str, dict[str, dict[int, BrokerHealth]]]:
        """cluster → broker name → broker id → row."""
        out: dict[str, dict[str, dict[int, BrokerHealth]]] = {}
        for b in self.brokers:
            out.setdefault(b.cluster, {}).setdefault(b.broker_name, {})[b.broker_id] = b
        return out

    def all_problems(self) -> list[tuple[str, Problem]]:
        """(where, problem) for everything flagged: 'namesrv', 'cluster' (mixed versions), 'controller',
        'proxy' or 'cluster/name#id'."""
        where = {HealthKind.NAMESRV_DOWN: "namesrv", HealthKind.CONTROLLERS: "controller", HealthKind.PROXY: "proxy"}
        out = [(where.get(p.kind, "cluster"), p) for p in self.problems]
        out += [(f"{b.cluster}/{b.broker_name}#{b.broker_id}", p) for b in self.brokers for p in b.problems]
        return out

    @property
    def ok(self) -> bool:
        return all(p.level is not Level.PROBLEM for _, p in self.all_problems())

    def to_json(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "namesrvs": self.namesrvs,
            "controllers": self.controllers.to_json() if self.controllers else None,
            "groups": {g.broker_name: g.to_json() for g in self.groups},
            "proxies": {name: s.to_json() for name, s in self.proxies},
            "problems": [p.to_json() for p in self.problems],
            "clusters": {
                c: {n: {str(i): row.to_json() for i, row in ids.items()} for n, ids in names.items()}
                for c, names in self.tree().items()
            },
        }


def _version(text: str) -> str:
    """'V5_5_0' and '5.5.0' → '5.5.0'."""
    return text.strip().lstrip("Vv").replace("_", ".")


def mixed_versions(
    cluster: Cluster, runtime: Mapping[str, BrokerRuntime | str], node_versions: Mapping[str, str | None]
) -> Problem | None:
    """One warning when the cluster's nodes run more than one RocketMQ release: what each broker
    says it runs (brokerVersionDesc), else what its distribution's jars say (namesrvs too)."""
    running: dict[str, str] = {}  # who -> version
    named = {cluster.endpoint(b): b.name for b in cluster.brokers}
    for addr, rt in runtime.items():
        if isinstance(rt, BrokerRuntime) and rt.version:
            running[named.get(addr, addr)] = _version(rt.version)
    for name, version in node_versions.items():
        if version and name not in running:
            running[name] = _version(version)
    by_version: dict[str, list[str]] = {}
    for who, version in sorted(running.items()):
        by_version.setdefault(version, []).append(who)
    if len(by_version) < 2:
        return None
    parts = [f"{v} ({', '.join(who)})" for v, who in sorted(by_version.items())]
    return Problem(
        HealthKind.MIXED_VERSIONS,
        "nodes run different RocketMQ releases: " + "; ".join(parts) + " (fine during a rolling upgrade only)",
        Level.WARNING,
    )


def build_health(
    cluster: Cluster,
    views: Mapping[str, ClusterInfo | BaseException | str],
    runtime: Mapping[str, BrokerRuntime | str],
    node_versions: Mapping[str, str | None] | None = None,
    *,
    controllers: ControllerView | None = None,
    proxies: Mapping[str, ProxyServing] | None = None,
) -> HealthReport:
    """`views`: namesrv address → its cluster info or why it failed; `runtime`: broker address →
    its runtime or why asking failed (addresses missing from it were not asked); `node_versions`:
    node name → the release its distribution's jars say (None: not found); `controllers`: what the
    controllers answered (controller-mode clusters); `proxies`: proxy node → serving."""
    answered = {ns: v for ns, v in views.items() if isinstance(v, ClusterInfo)}
    namesrvs = {ns: None if isinstance(v, ClusterInfo) else str(v) for ns, v in views.items()}
    global_problems = [
        Problem(HealthKind.NAMESRV_DOWN, f"namesrv {ns} did not answer: {err}")
        for ns, err in namesrvs.items()
        if err is not None
    ]

    seen: dict[str, dict[str, tuple[str, str, int]]] = {}  # addr → namesrv → identity
    for ns, info in answered.items():
        for data in info.brokers.values():
            for bid, addr in data.addrs.items():
                seen.setdefault(addr, {})[ns] = (data.cluster or "", data.broker_name, bid)

    addr_of: dict[str, str] = {b.name: cluster.endpoint(b) for b in cluster.brokers}
    node_at = {addr: cluster.node(name) for name, addr in addr_of.items()}
    reachable = {addr for addr, r in runtime.items() if isinstance(r, BrokerRuntime)}
    states = {name: NodeState.RUNNING for name, addr in addr_of.items() if addr in reachable}
    findings = check_topology(cluster, answered, states).findings if answered else ()
    by_node: dict[str, list[Problem]] = {}
    for f in findings:
        kind = _FROM_TOPOLOGY.get(f.kind)
        if kind is not None:
            by_node.setdefault(f.node, []).append(Problem(kind, f.text))
    for ef in elected_findings(cluster, controllers, states) if controllers is not None else ():
        hkind, level = _FROM_ELECTED[ef.kind]
        by_node.setdefault(ef.node, []).append(Problem(hkind, ef.text, Level(level)))
    global_problems += _controller_problems(cluster, controllers)
    global_problems += [
        Problem(HealthKind.PROXY, f"{name}: {serving.label()}" + (f" ({serving.detail})" if serving.detail else ""))
        for name, serving in sorted((proxies or {}).items())
        if not serving.serving
    ]

    rows: list[BrokerHealth] = []
    for addr in sorted(set(seen) | set(node_at)):
        node = node_at.get(addr)
        where = seen.get(addr, {})
        if where:
            cname, bname, bid = where[sorted(where)[0]]
        else:
            assert node is not None
            cname, bname, bid = cluster.name, node.broker_name or node.name, node.broker_id
        answer = runtime.get(addr)
        rt = answer if isinstance(answer, BrokerRuntime) else None
        rt_error = answer if isinstance(answer, str) else None
        problems = list(by_node.get(node.name, [])) if node else []
        problems += _own_problems(cluster, node, addr, where, answered, rt, rt_error, cname, bname)
        rows.append(
            BrokerHealth(
                cluster=cname,
                broker_name=bname,
                broker_id=bid,
                addr=addr,
                node=node.name if node else None,
                registered_at=tuple(sorted(where)),
                runtime=rt,
                runtime_error=rt_error,
                problems=tuple(problems),
            )
        )
    rows.sort(key=lambda r: (r.cluster, r.broker_name, r.broker_id, r.addr))
    mixed = mixed_versions(cluster, runtime, node_versions or {})
    if mixed is not None:
        global_problems.append(mixed)
    return HealthReport(
        tuple(rows),
        namesrvs,
        tuple(global_problems),
        controllers=controllers,
        groups=_groups(cluster, controllers),
        proxies=tuple(sorted((proxies or {}).items())),
    )


def _controller_problems(cluster: Cluster, view: ControllerView | None) -> list[Problem]:
    if view is None:
        return []
    out = [
        Problem(HealthKind.CONTROLLERS, f"controller on {name} does not answer: {why}", Level.WARNING)
        for name, why in sorted(view.errors.items())
    ]
    if view.replicas_error:
        out.append(
            Problem(
                HealthKind.CONTROLLERS,
                f"the controllers cannot switch masters now: {view.replicas_error}",
            )
        )
    return out


def _groups(cluster: Cluster, view: ControllerView | None) -> tuple[GroupHealth, ...]:
    if view is None:
        return ()
    roles = elected_roles(cluster, view)
    out = []
    for name in sorted({b.broker_name for b in cluster.brokers if b.controller_mode and b.broker_name}):
        members = [b for b in cluster.brokers if b.broker_name == name]
        defined = next((b.name for b in members if b.broker_id == 0), None)
        rs = view.replicas.get(name)
        master = next((b.name for b in members if roles.get(b.name) and roles[b.name].role == "master"), None)
        if master is None and rs is not None and rs.has_master:
            master = rs.master_address
        since = next((roles[m].since for m in [master] if m in roles), None)
        in_sync = next((r.sync_state_set for r in roles.values() if r.sync_state_set and r.master == master), ())
        out.append(GroupHealth(name, defined, master, rs.master_epoch if rs else None, in_sync, since))
    return tuple(out)


def _own_problems(
    cluster: Cluster,
    node: Node | None,
    addr: str,
    where: Mapping[str, object],
    answered: Mapping[str, ClusterInfo],
    rt: BrokerRuntime | None,
    rt_error: str | None,
    cname: str,
    bname: str,
) -> list[Problem]:
    out: list[Problem] = []
    if node is None:
        ours = cname == cluster.name or bname in {b.broker_name for b in cluster.brokers}
        if ours:
            out.append(
                Problem(
                    HealthKind.UNEXPECTED,
                    f"{bname} at {addr} is registered in cluster {cname} "
                    f"but the cluster file defines no broker at {addr}",
                )
            )
        else:
            out.append(
                Problem(
                    HealthKind.FOREIGN,
                    f"registered in cluster {cname}, which the cluster file does not define",
                    Level.WARNING,
                )
            )
    if rt is None and rt_error is not None:
        if where:
            out.append(
                Problem(
                    HealthKind.UNREACHABLE,
                    f"registered at {', '.join(sorted(where))} but does not "
                    f"answer: {rt_error} (a namesrv drops a dead broker "
                    "within 120 s)",
                )
            )
        elif answered and node is not None:
            out.append(Problem(HealthKind.MISSING, f"not registered at any namesrv and not answering: {rt_error}"))
        elif node is not None:
            out.append(Problem(HealthKind.UNREACHABLE, f"does not answer: {rt_error}"))
    if rt is None:
        return out
    if rt.disk_ratio is not None:
        if rt.disk_ratio >= DISK_FULL_RATIO:
            out.append(
                Problem(
                    HealthKind.DISK_FULL,
                    f"commit log disk {rt.disk_ratio:.0%} used: at {DISK_FULL_RATIO:.0%} the broker refuses writes",
                )
            )
        elif rt.disk_ratio >= DISK_HIGH_RATIO:
            out.append(
                Problem(
                    HealthKind.DISK_HIGH,
                    f"commit log disk {rt.disk_ratio:.0%} used: above "
                    f"{DISK_HIGH_RATIO:.0%} old files are deleted early",
                    Level.WARNING,
                )
            )
    if rt.active is False:
        out.append(Problem(HealthKind.INACTIVE, "brokerActive=false", Level.WARNING))
    if (
        node is not None
        and not node.controller_mode
        and node.role is not None
        and rt.role
        and rt.role != node.role.value
    ):
        out.append(Problem(HealthKind.WRONG_ROLE, f"runs as {rt.role} (defined: {node.role.value})"))
    if node is not None and rt.version and _version(rt.version) != _version(cluster.rocketmq.version):
        out.append(
            Problem(HealthKind.VERSION, f"runs {rt.version} (cluster file: {cluster.rocketmq.version})", Level.WARNING)
        )
    return out


async def broker_runtime(
    addr: str, *, connector: Connector | None = None, timeout: float = 3.0, with_role: bool = True
) -> BrokerRuntime | str:
    """One broker's runtime (and configured role), or the error text."""
    async with BrokerClient(addr, connector=connector, timeout=timeout) as client:
        try:
            info = await client.get_runtime_info()
        except RemotingError as exc:
            return str(exc)
        role = None
        if with_role:
            try:
                role = (await client.get_broker_config()).get("brokerRole")
            except RemotingError:
                role = None  # the runtime is enough for everything else
        return BrokerRuntime.from_table(info.table, role)


async def collect_health(
    cluster: Cluster,
    *,
    connector: Connector | None = None,
    namesrvs: Sequence[str] | None = None,
    timeout: float = 3.0,
    node_versions: Mapping[str, str | None] | None = None,
    controllers: Awaitable[ControllerView | None] | None = None,
    proxies: Awaitable[dict[str, ProxyServing]] | None = None,
) -> HealthReport:
    """Ask every namesrv and every broker (registered or defined) concurrently; `controllers` and
    `proxies` are the controller and proxy questions, asked alongside."""
    addrs = list(namesrvs) if namesrvs is not None else cluster_namesrvs(cluster)
    views = await cluster_info_per_namesrv(addrs, connector, timeout)
    brokers = {cluster.endpoint(b) for b in cluster.brokers}
    for view in views.values():
        if isinstance(view, ClusterInfo):
            brokers |= view.broker_addrs()
    ordered = sorted(brokers)
    results, controller_view, serving = await asyncio.gather(
        asyncio.gather(*(broker_runtime(a, connector=connector, timeout=timeout) for a in ordered)),
        controllers if controllers is not None else _none(),
        proxies if proxies is not None else _no_proxies(),
    )
    report = build_health(
        cluster,
        dict(views),
        dict(zip(ordered, results, strict=False)),
        node_versions,
        controllers=controller_view,
        proxies=serving,
    )
    return await _with_drift(report, connector, timeout)


async def _none() -> None:
    return None


async def _no_proxies() -> dict[str, ProxyServing]:
    return {}


async def _with_drift(report: HealthReport, connector: Connector | None, timeout: float) -> HealthReport:
    """Flag slaves that lack topics or subscription groups of their master."""
    found: dict[str, Drift] = {}
    for names in report.tree().values():
        for ids in names.values():
            master = ids.get(0)
            slaves = [b.addr for bid, b in sorted(ids.items()) if bid != 0 and b.runtime is not None]
            if master is not None and master.runtime is not None and slaves:
                found |= await slave_drift(master.addr, slaves, connector=connector, timeout=timeout)
    if not found:
        return report
    rows = tuple(
        replace(b, problems=(*b.problems, Problem(HealthKind.SLAVE_BEHIND, found[b.addr].text(), Level.WARNING)))
        if b.addr in found
        else b
        for b in report.brokers
    )
    return replace(report, brokers=rows)
