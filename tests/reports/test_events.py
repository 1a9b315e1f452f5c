"""Events between two polls (pure: statuses as the node service reports them)."""

from __future__ import annotations

from rocketui.reports.events import ERROR, INFO, WARNING, opened, outcome_event, status_events
from rocketui.services.node_status import NodeState, NodeStatus
from rocketui.usecases.gate import Outcome
from tests.support.fake_service import DEMO_STATUSES, NOW, demo_cluster


def said(events) -> list[tuple[str, str, str]]:
    return [(e.severity, e.subject, e.text) for e in events]


def test_first_poll_says_only_what_needs_attention() -> None:
    cluster = demo_cluster()
    crashed = NodeStatus("broker-b", NodeState.CRASHED, message="exited with status 137 (SIGKILL)")
    after = {**DEMO_STATUSES, "broker-b": crashed}
    assert said(status_events(cluster, {}, after, NOW)) == [
        (ERROR, "broker-b", "crashed: exited with status 137 (SIGKILL)")
    ]


def test_state_changes_between_polls() -> None:
    cluster = demo_cluster()
    after = {
        **DEMO_STATUSES,
        "broker-a-s": NodeStatus("broker-a-s", NodeState.RUNNING, pid=4242, namesrv_count=1),
        "broker-a": NodeStatus("broker-a", NodeState.STOPPED, namesrv_count=1),
        "broker-b": NodeStatus("broker-b", NodeState.FAILED, message="port 10931 in use"),
    }
    assert said(status_events(cluster, DEMO_STATUSES, after, NOW)) == [
        (WARNING, "broker-a", "stopped"),  # nobody here asked: not after a stopping
        (INFO, "broker-a-s", "running (pid 4242)"),
        (ERROR, "broker-b", "start failed: port 10931 in use"),
    ]
    assert status_events(cluster, after, after, NOW) == []  # nothing changed, nothing said


def test_an_unreachable_host_is_said_once_not_per_node() -> None:
    cluster = demo_cluster()
    reason = "unreachable: [Errno 111] Connect call failed"
    down = {n: NodeStatus(n, NodeState.UNKNOWN, host_state=reason) for n in DEMO_STATUSES}
    assert said(status_events(cluster, DEMO_STATUSES, down, NOW)) == [(ERROR, "host local", reason)]
    back = {n: NodeStatus(n, s.state, host_state="connected") for n, s in DEMO_STATUSES.items()}
    assert said(status_events(cluster, down, back, NOW)) == [(INFO, "host local", "answering again")]


def test_lost_registration_and_namesrv_disagreement() -> None:
    cluster = demo_cluster()
    old = DEMO_STATUSES["broker-a"]
    new = NodeStatus("broker-a", NodeState.RUNNING, pid=4188, registered_at=(), namesrv_count=1, note="master down")
    assert said(status_events(cluster, {"broker-a": old}, {"broker-a": new}, NOW)) == [
        (WARNING, "broker-a", "master down"),
        (WARNING, "broker-a", "registered at 0 of 1 namesrvs"),
    ]


def test_outcomes_and_the_opening_line_are_inert() -> None:
    cluster = demo_cluster()
    failed = Outcome(action="start", target="broker-b", ok=False, summary="ssh: \x1b[31mno route\x1b[0m")
    event = outcome_event(failed, NOW)
    assert (event.severity, event.subject) == (ERROR, "start broker-b")
    assert "\x1b" not in event.line() and "no route" in event.line()
    assert opened(cluster, NOW).line().endswith("cluster DemoCluster: watching 4 nodes on 1 host")
