"""Master changes seen live are journaled once, with what the old master had done, and read back
by a rocketui started later (a one-shot `status`), which then says when and why."""

from __future__ import annotations

import json
import time
from pathlib import Path

from rocketui.model.cluster import Cluster
from rocketui.model.loader import parse_cluster
from rocketui.rocketmq.remoting.controller import replica_sets_from_json
from rocketui.services.controller_probe import ControllerProbe, MasterChange
from rocketui.services.node_status import NodeState, NodeStatus
from rocketui.usecases.elections import OBSERVED_MASTER_CHANGE, Elections, change_line, parse_change_line
from rocketui.usecases.gate import Gate
from rocketui.usecases.journal import Journal

DATA = Path(__file__).resolve().parents[1] / "data" / "controller"
TEXT = """\
cluster: PC
rocketmq: {home: /opt/rocketmq, version: "5.5.0"}
work_dir: /tmp/x
hosts:
  local: {backend: local, address: 127.0.0.1}
topology: {masters: 1, slaves_per_master: 1, controller: embedded, namesrvs: 1, broker_port: 20911,
           namesrv_port: 19876, controller_port: 19878}
"""


def sets(name: str) -> dict:
    return replica_sets_from_json(json.loads((DATA / f"{name}_sync_state_1006.json").read_text()))


def after_a_kill(tmp_path: Path) -> tuple[Cluster, Journal, Gate, ControllerProbe, Elections]:
    """A journaled cluster whose probe saw the controllers' answers of a poll before the kill of
    broker-a's master and of the one after it (captured from real 5.5.0 controllers)."""
    cluster = parse_cluster(TEXT, str(tmp_path / "c.yaml"))
    journal = Journal(tmp_path / "journal.jsonl")
    gate = Gate()
    gate.listeners.append(journal.listener(cluster))
    probe = ControllerProbe(cluster, pool=None)  # type: ignore[arg-type]  # nothing is asked here
    probe._remember(sets("before"))
    probe._remember(sets("after"))
    return cluster, journal, gate, probe, Elections(cluster, probe, journal, gate)


def test_line_round_trip() -> None:
    change = MasterChange("broker-a", 2, "127.0.0.1:20911", "127.0.0.1:20921", 10.0, "died")
    assert parse_change_line(change_line(change), 10.0) == change
    assert parse_change_line("something else", 1.0) is None


async def test_journaled_once_and_read_back(tmp_path: Path) -> None:
    cluster, journal, gate, probe, elections = after_a_kill(tmp_path)
    statuses = {
        "broker-a": NodeStatus("broker-a", NodeState.CRASHED),
        "broker-a-s": NodeStatus("broker-a-s", NodeState.RUNNING),
    }
    await elections.observe(statuses)
    await elections.observe(statuses)  # nothing new
    entries = [e for e in journal.entries() if e.action == OBSERVED_MASTER_CHANGE]
    assert [(e.node, e.commands) for e in entries] == [
        ("broker-a-s", ["broker-a epoch 2: master 127.0.0.1:20911 -> 127.0.0.1:20921 (died)"])
    ]
    assert probe.seen[("broker-a", 2)].cause == "died"

    later = ControllerProbe(cluster, pool=None)  # type: ignore[arg-type]
    Elections(cluster, later, journal, gate).seed()
    seen = later.seen[("broker-a", 2)]
    assert (seen.old, seen.new, seen.cause) == ("127.0.0.1:20911", "127.0.0.1:20921", "died")
    assert abs(seen.at - entries[0].ts) < 0.01 and seen.at <= time.time()


async def test_cause_waits_while_the_old_master_is_between_states(tmp_path: Path) -> None:
    # A SIGKILLed JVM's launch wrapper lives on a moment ("starting"): "died" is only known after.
    _, journal, _, probe, elections = after_a_kill(tmp_path)
    slave = NodeStatus("broker-a-s", NodeState.RUNNING)
    await elections.observe({"broker-a": NodeStatus("broker-a", NodeState.STARTING), "broker-a-s": slave})
    assert not [e for e in journal.entries() if e.action == OBSERVED_MASTER_CHANGE]
    await elections.observe({"broker-a": NodeStatus("broker-a", NodeState.CRASHED), "broker-a-s": slave})
    entries = [e for e in journal.entries() if e.action == OBSERVED_MASTER_CHANGE]
    assert [e.commands for e in entries] == [["broker-a epoch 2: master 127.0.0.1:20911 -> 127.0.0.1:20921 (died)"]]
    assert probe.seen[("broker-a", 2)].cause == "died"


async def test_cause_is_fixed_after_the_settle_wait(tmp_path: Path) -> None:
    _, _, _, probe, elections = after_a_kill(tmp_path)
    change = probe._new[0]
    probe._new[0] = MasterChange(change.broker_name, change.epoch, change.old, change.new, time.time() - 60)
    await elections.observe({"broker-a": NodeStatus("broker-a", NodeState.UNKNOWN)})  # host never answers
    assert probe.seen[("broker-a", 2)].cause == "went down"
