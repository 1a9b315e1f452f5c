"""Role checks: namesrv views (as GET_BROKER_CLUSTER_INFO returns them) against the definition."""

from __future__ import annotations

from rocketui.model.cluster import Cluster
from rocketui.model.loader import parse_cluster
from rocketui.rocketmq.remoting.route import BrokerData, ClusterInfo
from rocketui.services.node_status import NodeState, NodeStatus
from rocketui.services.topology_check import Kind, annotate, check_topology

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


def cluster() -> Cluster:
    return parse_cluster(TEXT, "/c.yaml")


def info(brokers: dict[str, dict[int, str]], name: str = "C") -> ClusterInfo:
    return ClusterInfo({name: sorted(brokers)}, {b: BrokerData(name, b, addrs) for b, addrs in brokers.items()})


HEALTHY = {"broker-a": {0: A, 1: AS}, "broker-b": {0: B, 1: BS}}
RUNNING = {n: NodeState.RUNNING for n in ("namesrv-1", "namesrv-2", "broker-a", "broker-b", "broker-a-s", "broker-b-s")}


def notes(views: dict[str, ClusterInfo], states: dict[str, NodeState] | None = None) -> dict[str, str]:
    return check_topology(cluster(), views, states).notes()


def test_healthy_cluster_has_no_findings() -> None:
    report = check_topology(cluster(), {NS1: info(HEALTHY), NS2: info(HEALTHY)}, RUNNING)
    assert report.ok and report.answered == (NS1, NS2)


def test_master_killed_shows_on_its_slave() -> None:
    # what a namesrv answers right after broker-a's JVM died: broker-a without id 0
    view = info({"broker-a": {1: AS}, "broker-b": {0: B, 1: BS}})
    states = {**RUNNING, "broker-a": NodeState.STOPPED}
    assert notes({NS1: view, NS2: view}, states) == {"broker-a-s": "master down (broker-a: stopped)"}
    # without process states the namesrvs alone tell it
    assert notes({NS1: view, NS2: view}) == {"broker-a-s": "master down (broker-a: not registered at any namesrv)"}


def test_slave_down_shows_on_its_master() -> None:
    view = info({"broker-a": {0: A}, "broker-b": {0: B, 1: BS}})
    states = {**RUNNING, "broker-a-s": NodeState.STOPPED}
    assert notes({NS1: view, NS2: view}, states) == {"broker-a": "slave down (broker-a-s)"}


def test_registered_at_one_namesrv_only() -> None:
    partial = info({"broker-a": {0: A, 1: AS}, "broker-b": {1: BS}})
    report = check_topology(cluster(), {NS1: info(HEALTHY), NS2: partial}, RUNNING)
    assert [(f.node, f.kind, f.text) for f in report.findings] == [
        ("broker-b", Kind.PARTIAL, "not registered at namesrv-2")
    ]


def test_running_but_not_registered_anywhere() -> None:
    view = info({"broker-a": {0: A, 1: AS}, "broker-b": {1: BS}})
    assert notes({NS1: view, NS2: view}, RUNNING) == {
        "broker-b": "not registered at any namesrv",
        "broker-b-s": "master down (broker-b: not registered at any namesrv)",
    }


def test_wrong_id_and_wrong_name() -> None:
    view = info({"broker-a": {0: AS, 1: A}, "broker-b": {0: B, 1: BS}})
    got = notes({NS1: view, NS2: view}, RUNNING)
    assert got["broker-a"] == "registered as id 1 at namesrv-1, namesrv-2 (defined: id 0, master)"
    assert got["broker-a-s"] == (
        "registered as id 0 at namesrv-1, namesrv-2 (defined: id 1, slave); "
        "namesrv lists master 127.0.0.1:10931 (defined: broker-a at 127.0.0.1:10911)"
    )
    swapped = info({"broker-a": {0: A, 1: BS}, "broker-b": {0: B, 1: AS}})
    got = notes({NS1: swapped}, RUNNING)
    assert got["broker-a-s"] == "registered as broker-b at namesrv-1 (defined: broker-a)"


def test_wrong_cluster() -> None:
    other = ClusterInfo(
        {"D": ["broker-a"]},
        {
            "broker-a": BrokerData("D", "broker-a", {0: A, 1: AS}),
            "broker-b": BrokerData("C", "broker-b", {0: B, 1: BS}),
        },
    )
    got = notes({NS1: other}, RUNNING)
    assert got == {
        "broker-a": "registered in cluster D at namesrv-1 (defined: C)",
        "broker-a-s": "registered in cluster D at namesrv-1 (defined: C)",
    }


def test_unexpected_registration_is_reported_on_the_namesrv() -> None:
    view = info({**HEALTHY, "broker-c": {0: "127.0.0.1:10951"}})
    foreign = ClusterInfo({"Other": ["x"]}, {"x": BrokerData("Other", "x", {0: "10.1.1.1:10911"})})
    got = notes({NS1: view.merged(foreign), NS2: info(HEALTHY)}, RUNNING)
    assert got == {"namesrv-1": "unexpected broker(s) registered: broker-c#0 127.0.0.1:10951"}


def test_another_master_registered() -> None:
    view = info({"broker-a": {0: "127.0.0.1:10999", 1: AS}, "broker-b": {0: B, 1: BS}})
    got = notes({NS1: view}, {**RUNNING, "broker-a": NodeState.RUNNING})
    assert got["broker-a-s"] == "namesrv lists master 127.0.0.1:10999 (defined: broker-a at 127.0.0.1:10911)"
    assert got["namesrv-1"] == "unexpected broker(s) registered: broker-a#0 127.0.0.1:10999"


def test_stopped_but_still_registered() -> None:
    states = {**RUNNING, "broker-b-s": NodeState.STOPPED}
    got = notes({NS1: info(HEALTHY)}, states)
    assert got == {
        "broker-b-s": "stopped but still registered at namesrv-1 (dropped when its connection closes, "
        "at the latest after 120 s)",
        "broker-b": "slave down (broker-b-s)",
    }


def test_stopped_slave_does_not_complain_about_its_master() -> None:
    states = {n: NodeState.STOPPED for n in RUNNING}
    assert notes({}, states) == {}


def test_annotate_sets_the_note_column() -> None:
    c = cluster()
    view = info({"broker-a": {1: AS}, "broker-b": {0: B, 1: BS}})
    statuses = {n.name: NodeStatus(n.name, RUNNING[n.name]) for n in c.nodes}
    statuses["broker-a"] = NodeStatus("broker-a", NodeState.STOPPED)
    out = annotate(c, statuses, {NS1: view, NS2: view})
    assert out["broker-a-s"].note == "master down (broker-a: stopped)"
    assert out["broker-b"] is statuses["broker-b"]
