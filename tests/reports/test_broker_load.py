"""Load cells from a real 5.5.0 GET_BROKER_RUNTIME_INFO body (tests/data/remoting/runtime_info.json)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from rocketui.reports.broker_load import BLANK, HISTORY, LoadHistory
from rocketui.reports.events import ERROR, INFO, WARNING
from rocketui.rocketmq.remoting.results import RuntimeInfo
from rocketui.services.broker_stats import BrokerStats, NamesrvCounts, StatsReport
from tests.support.fake_service import demo_cluster

DATA = Path(__file__).resolve().parents[1] / "data" / "remoting" / "runtime_info.json"


def real_stats(name: str = "broker-a", broker_id: int = 0, addr: str = "127.0.0.1:10911") -> BrokerStats:
    table = json.loads(DATA.read_text())["table"]
    return BrokerStats.from_runtime(name, broker_id, addr, RuntimeInfo({str(k): str(v) for k, v in table.items()}))


def report(*brokers: BrokerStats, at: float = 0.0) -> StatsReport:
    return StatsReport(list(brokers), [NamesrvCounts("127.0.0.1:9876", brokers=3, topics=12)], taken_at=at)


def test_broker_cells_from_a_real_runtime_body() -> None:
    cluster = demo_cluster()
    history = LoadHistory(cluster)
    assert history.cells(cluster.node("broker-a")) is BLANK  # nothing asked yet
    history.add(report(real_stats()))
    cells = history.cells(cluster.node("broker-a"))
    # the capture's putTps/getTransferredTps are 3.999…, commitLogDiskRatio 0.14, dispatchBehindBytes 0
    assert cells.load.startswith("put 4.0 get 4.0 ")
    assert (cells.disk, cells.behind, cells.disk_level) == ("14%", "0 B", "")
    assert history.cells(cluster.node("namesrv-1")).load == "3 brokers, 12 topics"
    assert history.cells(cluster.node("broker-b")) is BLANK  # not in the report: not registered


def test_matched_by_name_and_id_when_registered_under_another_address() -> None:
    cluster = demo_cluster()
    history = LoadHistory(cluster)
    history.add(report(real_stats("broker-a", 1, "10.9.9.9:10921")))  # brokerIP1 set on the slave
    assert history.cells(cluster.node("broker-a-s")).disk == "14%"
    assert history.cells(cluster.node("broker-a")) is BLANK


def test_sparkline_keeps_the_last_samples_and_forget_blanks() -> None:
    cluster = demo_cluster()
    history = LoadHistory(cluster)
    base = real_stats()
    for tps in [0.0] * HISTORY + [10.0, 20.0]:
        history.add(report(dataclasses.replace(base, put_tps=tps)))
    load = history.cells(cluster.node("broker-a")).load
    assert load.startswith("put 20 get 4.0 ")
    assert load.endswith("▁" * (HISTORY - 2) + "▄█")
    history.forget()
    assert history.cells(cluster.node("broker-a")) is BLANK


def test_disk_thresholds_are_said_once_each_way() -> None:
    cluster = demo_cluster()
    history = LoadHistory(cluster)
    base = real_stats()
    said = []
    for ratio in (0.14, 0.76, 0.80, 0.91, 0.5):
        said.append(
            [
                (e.severity, e.text.split(":")[0])
                for e in history.add(report(dataclasses.replace(base, disk_ratio=ratio)))
            ]
        )
    assert said == [
        [],
        [(WARNING, "store disk 76% used")],
        [],
        [(ERROR, "store disk 91% used")],
        [(INFO, "store disk 50% used")],
    ]
    history.add(report(dataclasses.replace(base, disk_ratio=0.95)))
    assert history.cells(cluster.node("broker-a")).disk_level == "full"


def test_an_unanswering_broker_says_why_inert() -> None:
    cluster = demo_cluster()
    history = LoadHistory(cluster)
    history.add(report(BrokerStats("broker-a", 0, "127.0.0.1:10911", error="connect refused\x1b]52;c;x\x07")))
    load = history.cells(cluster.node("broker-a")).load
    assert load.startswith("? connect refused") and "\x1b" not in load and "\x07" not in load


def test_a_namesrv_with_one_broker_says_one_broker() -> None:
    from rocketui.reports.broker_load import _namesrv_cells
    from rocketui.services.broker_stats import NamesrvCounts

    assert _namesrv_cells(NamesrvCounts("127.0.0.1:9876", brokers=1, topics=1)).load == "1 broker, 1 topic"
    assert _namesrv_cells(NamesrvCounts("127.0.0.1:9876", brokers=0, topics=16)).load == "0 brokers, 16 topics"
