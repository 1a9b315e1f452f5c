"""A broker's brokerLogDir, resolved against the real 4.9.7 and 5.5.0 XMLs of tests/data/dist."""

from __future__ import annotations

from pathlib import Path

from rocketui.rocketmq.broker_log_dir import broker_log_dir
from rocketui.rocketmq.logs import logback_files

DIST = Path(__file__).parent.parent / "data" / "dist"


def test_broker_log_dir() -> None:
    assert broker_log_dir({"brokerName": "broker-a"}) == ""
    assert broker_log_dir({"isolateLogEnable": "true", "brokerName": "broker-a", "brokerId": "3"}) == "broker-a_0"
    slave = {"isolateLogEnable": "true", "brokerName": "b", "brokerId": "1", "brokerRole": "SLAVE"}
    assert broker_log_dir(slave) == "b_1"
    dledger = {"isolateLogEnable": "true", "brokerName": "r", "enableDLegerCommitLog": "true", "dLegerSelfId": "n1"}
    assert broker_log_dir(dledger) == "r_n1"


def test_isolated_logs_land_in_a_subdirectory_on_4x_and_a_sibling_on_5x() -> None:
    props = {"user.home": "/u", "brokerLogDir": "broker-a_0"}
    old = logback_files((DIST / "4.9.7" / "conf" / "logback_broker.xml").read_text(), props)
    new = logback_files((DIST / "5.5.0" / "conf" / "rmq.broker.logback.xml").read_text(), props)
    assert "/u/logs/rocketmqlogs/broker-a_0/broker.log" in old
    assert "/u/logs/rocketmqlogsbroker-a_0/broker.log" in new
