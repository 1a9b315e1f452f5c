"""Recognising a node's JVM among a host's processes (pure)."""

from __future__ import annotations

from rocketui.backends.base import ProcessInfo
from rocketui.rocketmq.layout import BROKER_MAIN, NAMESRV_MAIN, explain_failure, parse_java_argv
from rocketui.services.node_match import find_jvm
from tests.support.fake_service import demo_cluster


def proc(pid: int, *argv: str, pgid: int = 1) -> ProcessInfo:
    return ProcessInfo(pid, 1, pgid, 100 + pid, 0.0, argv)


JAVA = "/usr/lib/jvm/java-17-openjdk-amd64/bin/java"
CP = ("-cp", ".:/opt/rocketmq/conf:/opt/rocketmq/lib/*")


def test_parse_java_argv_skips_option_values() -> None:
    j = parse_java_argv(
        [
            JAVA,
            "-server",
            *CP,
            "-Duser.home=/srv/a",
            "-Drmq.x=y",
            BROKER_MAIN,
            "-c",
            "/etc/a.properties",
            "-n",
            "127.0.0.1:9876",
        ]
    )
    assert j is not None and j.main_class == BROKER_MAIN
    assert j.system_properties == {"user.home": "/srv/a", "rmq.x": "y"}
    assert j.option("-c") == "/etc/a.properties" and j.option("-n") == "127.0.0.1:9876"
    assert parse_java_argv(["sh", "/opt/rocketmq/bin/runbroker.sh", BROKER_MAIN]) is None


def test_broker_matched_by_config_not_by_wrapper() -> None:
    cluster = demo_cluster()
    a, b = cluster.node("broker-a"), cluster.node("broker-b")
    procs = [
        proc(10, "sh", "/opt/rocketmq/bin/runbroker.sh", BROKER_MAIN, "-c", "/etc/a.properties"),
        proc(11, JAVA, *CP, BROKER_MAIN, "-c", "/etc/b.properties"),
        proc(12, JAVA, *CP, BROKER_MAIN, "-c", "/etc/a.properties"),
    ]
    assert find_jvm(a, "/etc/a.properties", procs).pid == 12
    assert find_jvm(b, "/etc/b.properties", procs).pid == 11
    assert find_jvm(a, "/etc/other.properties", procs) is None


def test_leader_match_and_default_namesrv() -> None:
    cluster = demo_cluster()
    ns = cluster.node("namesrv-1")
    by_hand = proc(20, JAVA, *CP, NAMESRV_MAIN)
    assert find_jvm(ns, "/tmp/rocketui-demo/namesrv-1/namesrv.properties", [by_hand]).pid == 20
    ours = proc(21, JAVA, *CP, NAMESRV_MAIN, "-c", "/x/namesrv.properties", pgid=777)
    assert find_jvm(ns, "/tmp/other.properties", [ours], leader=777).pid == 21


def test_explain_failure_picks_telling_lines() -> None:
    out = "\n".join(
        [
            "Java HotSpot(TM) 64-Bit Server VM warning: something",
            "java.net.BindException: Address already in use",
            "Lock failed, MQ already started",
            "[rocketui] exited with status 255",
        ]
    )
    assert explain_failure(out) == [
        "port already in use: java.net.BindException: Address already in use",
        "store directory locked by another broker (Lock failed, MQ already started): Lock failed, MQ already started",
    ]
