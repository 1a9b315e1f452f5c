"""Controller-mode brokers as elected, against the cluster file (pure): roles, epochs and sync-state
membership per node, and the words the table, status and health use when the master moved.
The controllers' answers are the real 5.5.0 bodies of tests/data/controller, moved onto the
addresses of the test cluster."""

from __future__ import annotations

import json
import time
from pathlib import Path

from rocketui.model.cluster import Cluster
from rocketui.model.loader import parse_cluster
from rocketui.rocketmq.remoting.controller import metadata_from_ext, replica_sets_from_json
from rocketui.services.controller_probe import ControllerView, MasterChange
from rocketui.services.elected import ElectedKind, clock, elected_findings, elected_notes, elected_roles
from rocketui.services.node_status import NodeState

DATA = Path(__file__).resolve().parents[1] / "data" / "controller"
TEXT = """\
cluster: PC
rocketmq: {home: /opt/rocketmq, version: "5.5.0"}
work_dir: /tmp/x
hosts:
  local: {backend: local, address: 127.0.0.1}
topology: {masters: 1, slaves_per_master: 1, replication: sync, controller: embedded, namesrvs: 1,
           broker_port: 20911, namesrv_port: 19876, controller_port: 19878}
"""
RUNNING = {"namesrv-1": NodeState.RUNNING, "broker-a": NodeState.RUNNING, "broker-a-s": NodeState.RUNNING}


def cluster() -> Cluster:
    c = parse_cluster(TEXT, "/c.yaml")
    assert [c.endpoint(b) for b in c.brokers] == ["127.0.0.1:20911", "127.0.0.1:20921"]  # the captured ones
    return c


def view(name: str, **changes: object) -> ControllerView:
    meta = metadata_from_ext("127.0.0.1:19878", json.loads((DATA / f"{name}_metadata_1005_ext.json").read_text()))
    replicas = replica_sets_from_json(json.loads((DATA / f"{name}_sync_state_1006.json").read_text()))
    return ControllerView(metadata={"namesrv-1": meta}, leader="namesrv-1", replicas=replicas, **changes)  # type: ignore[arg-type]


def test_roles_as_elected_before_the_failover() -> None:
    roles = elected_roles(cluster(), view("before"))
    assert roles["broker-a"].role == "master" and roles["broker-a"].epoch == 1
    assert roles["broker-a"].sync_state_set == ("broker-a", "broker-a-s")
    assert roles["broker-a-s"].role == "slave" and roles["broker-a-s"].in_sync
    assert roles["broker-a"].label() == "master e1 (2 in sync)" and roles["broker-a-s"].label() == "slave e1"
    assert elected_findings(cluster(), view("before"), RUNNING) == []


def test_failover_seen_live_says_who_when_and_why() -> None:
    at = time.time()
    change = MasterChange("broker-a", 2, "127.0.0.1:20911", "127.0.0.1:20921", at)
    v = view("after", changes={("broker-a", 2): change})
    states = {**RUNNING, "broker-a": NodeState.CRASHED}
    roles = elected_roles(cluster(), v)
    assert roles["broker-a-s"].role == "master" and roles["broker-a-s"].epoch == 2 and roles["broker-a-s"].since == at
    assert roles["broker-a"].role == "slave" and roles["broker-a"].in_sync is False  # alive=false, not in sync
    notes = elected_notes(cluster(), v, states)
    assert notes == {
        "broker-a-s": f"broker-a-s is master since {clock(at)} after broker-a died; the cluster file intends broker-a"
    }


def test_failover_nobody_watched_has_no_time() -> None:
    findings = elected_findings(cluster(), view("after"), {**RUNNING, "broker-a": NodeState.STOPPED})
    assert [(f.node, f.kind, f.problem) for f in findings] == [("broker-a-s", ElectedKind.MOVED, False)]
    assert findings[0].text == "broker-a-s is master (epoch 2) instead of broker-a"


def test_old_master_back_as_slave_not_yet_in_sync() -> None:
    at = time.time() - 60
    change = MasterChange("broker-a", 2, "127.0.0.1:20911", "127.0.0.1:20921", at, cause="died")
    notes = elected_notes(cluster(), view("after", changes={("broker-a", 2): change}), RUNNING)
    moved = f"broker-a-s is master since {clock(at)} after broker-a died; the cluster file intends broker-a"
    assert notes["broker-a-s"] == moved
    assert notes["broker-a"] == (
        f"slave now: {moved}; not in broker-a's sync-state set (catching up): it cannot be elected if the master fails"
    )


def test_controllers_unknown_or_no_master() -> None:
    v = ControllerView(errors={"namesrv-1": "cannot connect"}, replicas_error="no controller answered")
    assert {n: r.role for n, r in elected_roles(cluster(), v).items()} == {
        "broker-a": "unknown",
        "broker-a-s": "unknown",
    }
    assert {f.kind for f in elected_findings(cluster(), v, RUNNING)} == {ElectedKind.UNKNOWN}
    nobody = replica_sets_from_json({"replicasInfoTable": {"broker-a": {"masterBrokerId": -1, "masterEpoch": 2}}})
    findings = elected_findings(cluster(), ControllerView(replicas=nobody, leader="namesrv-1"), RUNNING)
    assert {(f.node, f.kind, f.problem) for f in findings} == {
        ("broker-a", ElectedKind.NO_MASTER, True),
        ("broker-a-s", ElectedKind.NO_MASTER, True),
    }
    assert elected_roles(cluster(), ControllerView(leader="namesrv-1"))["broker-a"].role == "unregistered"


def test_health_compares_the_elected_master_with_the_file() -> None:
    """After the failover: the group's master is broker-a-s (warning: not the file's), broker-a
    does not answer (problem), the controllers lead; a proxy that does not serve is a problem."""
    from rocketui.reports.health import summary_lines
    from rocketui.rocketmq.remoting import lenient_json
    from rocketui.rocketmq.remoting.route import cluster_info_from_json
    from rocketui.services.health import BrokerRuntime, HealthKind, Level, build_health
    from rocketui.services.proxy_probe import ProxyServing

    c = cluster()
    info = cluster_info_from_json(lenient_json.loads((DATA / "after_cluster_info_106.json").read_bytes()))
    at = time.time()
    change = MasterChange("broker-a", 2, "127.0.0.1:20911", "127.0.0.1:20921", at, cause="died")
    runtime = {
        "127.0.0.1:20921": BrokerRuntime(version="V5_5_0", role="SYNC_MASTER"),
        "127.0.0.1:20911": "cannot connect",
    }
    report = build_health(
        c,
        {"127.0.0.1:19876": info},
        runtime,
        controllers=view("after", changes={("broker-a", 2): change}),
        proxies={"px": ProxyServing(True, True, False, "TOPIC_NOT_EXIST")},
    )
    (group,) = report.groups
    assert (group.master, group.defined_master, group.epoch, group.sync_state_set) == (
        "broker-a-s",
        "broker-a",
        2,
        ("broker-a-s",),
    )
    moved = [(w, p) for w, p in report.all_problems() if p.kind is HealthKind.MASTER_MOVED]
    assert [(w, p.level) for w, p in moved] == [("PC/broker-a#0", Level.WARNING)]
    assert (
        moved[0][1].reason
        == f"broker-a-s is master since {clock(at)} after broker-a died; the cluster file intends broker-a"
    )
    assert not report.ok  # broker-a does not answer, and the proxy does not serve
    doc = report.to_json()
    assert doc["groups"] == {
        "broker-a": {
            "defined_master": "broker-a",
            "master": "broker-a-s",
            "epoch": 2,
            "sync_state_set": ["broker-a-s"],
            "since": at,
            "as_defined": False,
        }
    }
    assert doc["proxies"]["px"]["serving"] is False and doc["controllers"]["leader"] == "namesrv-1"
    lines = [text for text, _ in summary_lines(report)]
    assert "broker-a: master broker-a-s (epoch 2; in sync: broker-a-s); the file intends broker-a" in lines
    assert "proxy px: no routes" in lines and "controllers: leader namesrv-1" in lines
