"""Health comparison (pure): namesrv views + broker runtimes against the cluster file."""

from __future__ import annotations

from rocketui.model.cluster import Cluster
from rocketui.model.loader import parse_cluster
from rocketui.rocketmq.remoting.errors import ConnectFailed
from rocketui.rocketmq.remoting.route import BrokerData, ClusterInfo
from rocketui.services.health import BrokerRuntime, HealthKind, HealthReport, Level, build_health

TEXT = """\
cluster: C
rocketmq: {home: /opt/rocketmq, version: "5.5.0"}
work_dir: /tmp/x
hosts:
  local: {backend: local, address: 127.0.0.1}
topology: {masters: 2, slaves_per_master: 1, replication: sync, namesrvs: 2}
"""
NS1, NS2 = "127.0.0.1:9876", "127.0.0.1:9886"
A, B, AS, BS = "127.0.0.1:10911", "127.0.0.1:10921", "127.0.0.1:10931", "127.0.0.1:10941"
HEALTHY = {"broker-a": {0: A, 1: AS}, "broker-b": {0: B, 1: BS}}
ROLES = {A: "SYNC_MASTER", B: "SYNC_MASTER", AS: "SLAVE", BS: "SLAVE"}

# The table a real 5.5.0 broker answers right after start (trimmed), values as sent.
TABLE = {
    "brokerVersionDesc": "V5_5_0",
    "putTps": "  ",
    "getTransferredTps": "  ",
    "commitLogDiskRatio": "0.13",
    "brokerActive": "true",
    "msgPutTotalTodayNow": "0",
    "msgGetTotalTodayNow": "0",
    "sendThreadPoolQueueSize": "0",
    "sendThreadPoolQueueCapacity": "10000",
}


def cluster() -> Cluster:
    return parse_cluster(TEXT, "/c.yaml")


def info(brokers: dict[str, dict[int, str]], name: str = "C") -> ClusterInfo:
    return ClusterInfo({name: sorted(brokers)}, {b: BrokerData(name, b, addrs) for b, addrs in brokers.items()})


def runtimes(**overrides: dict[str, str] | str) -> dict[str, BrokerRuntime | str]:
    out: dict[str, BrokerRuntime | str] = {}
    for addr, role in ROLES.items():
        over = overrides.get(addr.replace("127.0.0.1:", "p"), {})
        out[addr] = over if isinstance(over, str) else BrokerRuntime.from_table({**TABLE, **over}, role)
    return out


def flagged(report: HealthReport) -> list[tuple[str, HealthKind, str]]:
    return [(where, p.kind, p.reason) for where, p in report.all_problems()]


def test_runtime_table_parsing() -> None:
    rt = BrokerRuntime.from_table(
        {**TABLE, "putTps": "1234.5 1000.1 900.0", "getTransferredTps": "12.0 1 1"}, "ASYNC_MASTER"
    )
    assert (rt.version, rt.in_tps, rt.out_tps, rt.disk_ratio, rt.active, rt.role) == (
        "V5_5_0",
        1234.5,
        12.0,
        0.13,
        True,
        "ASYNC_MASTER",
    )
    idle = BrokerRuntime.from_table(TABLE)
    assert (idle.in_tps, idle.out_tps, idle.send_queue_capacity) == (0.0, 0.0, 10000)  # blank = no traffic yet
    assert BrokerRuntime.from_table({}).in_tps is None


def test_healthy_cluster_view_and_tree() -> None:
    report = build_health(cluster(), {NS1: info(HEALTHY), NS2: info(HEALTHY)}, runtimes())
    assert report.ok and flagged(report) == []
    tree = report.tree()
    assert list(tree) == ["C"] and list(tree["C"]) == ["broker-a", "broker-b"]
    row = tree["C"]["broker-a"][1]
    assert (row.addr, row.node, row.registered_at) == (AS, "broker-a-s", (NS1, NS2))
    assert row.runtime is not None and row.runtime.version == "V5_5_0"
    assert report.namesrvs == {NS1: None, NS2: None}


def test_missing_broker_down_or_running_unregistered() -> None:
    without_b = info({"broker-a": {0: A, 1: AS}, "broker-b": {1: BS}})
    down = runtimes(p10921=f"{B}: cannot connect: Connection refused")
    report = build_health(cluster(), {NS1: without_b, NS2: without_b}, down)
    assert not report.ok
    assert flagged(report) == [
        (
            "C/broker-b#0",
            HealthKind.MISSING,
            f"not registered at any namesrv and not answering: {B}: cannot connect: Connection refused",
        ),
        ("C/broker-b#1", HealthKind.MASTER_DOWN, "master down (broker-b: not registered at any namesrv)"),
    ]
    running = build_health(cluster(), {NS1: without_b, NS2: without_b}, runtimes())
    assert ("C/broker-b#0", HealthKind.MISSING, "not registered at any namesrv") in flagged(running)


def test_registered_at_only_some_namesrvs() -> None:
    partial = info({"broker-a": {0: A, 1: AS}, "broker-b": {1: BS}})
    report = build_health(cluster(), {NS1: info(HEALTHY), NS2: partial}, runtimes())
    assert flagged(report) == [("C/broker-b#0", HealthKind.PARTIAL, "not registered at namesrv-2")]
    assert report.tree()["C"]["broker-b"][0].registered_at == (NS1,)


def test_unexpected_and_foreign_registrations() -> None:
    view = info({**HEALTHY, "broker-c": {0: "127.0.0.1:10951"}})
    foreign = ClusterInfo({"Other": ["x"]}, {"x": BrokerData("Other", "x", {0: "127.0.0.1:20911"})})
    rt = {
        **runtimes(),
        "127.0.0.1:10951": BrokerRuntime.from_table(TABLE),
        "127.0.0.1:20911": BrokerRuntime.from_table(TABLE),
    }
    report = build_health(cluster(), {NS1: view.merged(foreign), NS2: view}, rt)
    got = {where: (p.kind, p.level) for where, p in report.all_problems()}
    assert got == {
        "C/broker-c#0": (HealthKind.UNEXPECTED, Level.PROBLEM),
        "Other/x#0": (HealthKind.FOREIGN, Level.WARNING),
    }
    assert not report.ok
    c_row = report.tree()["C"]["broker-c"][0]
    assert c_row.node is None and "cluster file defines no broker at 127.0.0.1:10951" in c_row.problems[0].reason
    assert report.tree()["Other"]["x"][0].registered_at == (NS1,)


def test_wrong_role_by_id_and_by_configured_role() -> None:
    swapped = info({"broker-a": {0: AS, 1: A}, "broker-b": {0: B, 1: BS}})
    report = build_health(cluster(), {NS1: swapped}, runtimes())
    kinds = {(where, p.kind) for where, p in report.all_problems()}
    assert ("C/broker-a#1", HealthKind.WRONG_ROLE) in kinds and ("C/broker-a#0", HealthKind.WRONG_ROLE) in kinds
    row = report.tree()["C"]["broker-a"][1]
    assert row.node == "broker-a" and "registered as id 1" in row.problems[0].reason
    async_master = build_health(
        cluster(), {NS1: info(HEALTHY)}, {**runtimes(), B: BrokerRuntime.from_table(TABLE, "ASYNC_MASTER")}
    )
    assert flagged(async_master) == [
        ("C/broker-b#0", HealthKind.WRONG_ROLE, "runs as ASYNC_MASTER (defined: SYNC_MASTER)")
    ]


def test_namesrv_down_is_flagged_and_the_other_view_used() -> None:
    down = ConnectFailed(NS2, "cannot connect: Connection refused")
    report = build_health(cluster(), {NS1: info(HEALTHY), NS2: down}, runtimes())
    assert flagged(report) == [
        ("namesrv", HealthKind.NAMESRV_DOWN, f"namesrv {NS2} did not answer: {NS2}: cannot connect: Connection refused")
    ]
    assert report.namesrvs[NS2] == f"{NS2}: cannot connect: Connection refused"
    assert all(b.registered_at == (NS1,) for b in report.brokers)


def test_registered_but_unreachable() -> None:
    report = build_health(
        cluster(), {NS1: info(HEALTHY)}, runtimes(p10941=f"{BS}: GET_BROKER_RUNTIME_INFO got no response within 3s")
    )
    assert flagged(report) == [
        (
            "C/broker-b#1",
            HealthKind.UNREACHABLE,
            f"registered at {NS1} but does not answer: {BS}: GET_BROKER_RUNTIME_INFO got no "
            "response within 3s (a namesrv drops a dead broker within 120 s)",
        )
    ]


def test_disk_levels_and_version_warning() -> None:
    rt = runtimes(
        p10911={"commitLogDiskRatio": "0.95"},
        p10921={"commitLogDiskRatio": "0.80"},
        p10931={"brokerVersionDesc": "V5_4_0"},
    )
    report = build_health(cluster(), {NS1: info(HEALTHY)}, rt)
    got = [(where, p.kind, p.level) for where, p in report.all_problems()]
    assert got == [
        ("cluster", HealthKind.MIXED_VERSIONS, Level.WARNING),
        ("C/broker-a#0", HealthKind.DISK_FULL, Level.PROBLEM),
        ("C/broker-a#1", HealthKind.VERSION, Level.WARNING),
        ("C/broker-b#0", HealthKind.DISK_HIGH, Level.WARNING),
    ]
    assert not report.ok
    assert "95% used: at 90% the broker refuses writes" in report.tree()["C"]["broker-a"][0].problems[0].reason
    only_warnings = build_health(cluster(), {NS1: info(HEALTHY)}, runtimes(p10921={"commitLogDiskRatio": "0.80"}))
    assert only_warnings.ok


def test_mixed_versions_from_brokers_and_from_the_jars_of_every_node() -> None:
    rt = runtimes(p10931={"brokerVersionDesc": "V4_9_7"})
    # broker-a's jars say 4.9.7 but the running broker says 5.5.0: its own word wins
    jars = {"namesrv-1": "4.9.7", "namesrv-2": None, "broker-a": "4.9.7"}
    report = build_health(cluster(), {NS1: info(HEALTHY)}, rt, jars)
    mixed = [p for where, p in report.all_problems() if p.kind is HealthKind.MIXED_VERSIONS]
    assert len(mixed) == 1 and mixed[0].level is Level.WARNING
    assert "4.9.7 (broker-a-s, namesrv-1); 5.5.0 (broker-a, broker-b, broker-b-s)" in mixed[0].reason
    same = build_health(cluster(), {NS1: info(HEALTHY)}, runtimes(), {"namesrv-1": "5.5.0", "broker-a": "5.5.0"})
    assert not [p for _, p in same.all_problems() if p.kind is HealthKind.MIXED_VERSIONS]


def test_no_namesrv_answered_flags_namesrvs_not_brokers() -> None:
    err = "cannot connect: Connection refused"
    report = build_health(cluster(), {NS1: err, NS2: err}, runtimes())
    assert [(w, p.kind) for w, p in report.all_problems()] == [("namesrv", HealthKind.NAMESRV_DOWN)] * 2
    assert [(b.broker_name, b.broker_id, b.registered_at) for b in report.brokers] == [
        ("broker-a", 0, ()),
        ("broker-a", 1, ()),
        ("broker-b", 0, ()),
        ("broker-b", 1, ()),
    ]
