"""Node order and filter shared by the table and `status`."""

from __future__ import annotations

from rocketui.model.loader import parse_cluster
from rocketui.reports.node_order import ordered

CLUSTER = """\
cluster: C
rocketmq: {home: /opt/rocketmq}
work_dir: /tmp/rocketui-order
hosts:
  h1: {backend: local, address: 127.0.0.1}
nodes:
  - {name: ns-zulu, kind: namesrv, host: h1, port: 9876}
  - {name: ns-alpha, kind: namesrv, host: h1, port: 9877}
  - {name: b-s, kind: broker, host: h1, port: 10921, broker_name: broker-b, broker_id: 1, config: /etc/bs.properties}
  - {name: b-m, kind: broker, host: h1, port: 10911, broker_name: broker-b, config: /etc/bm.properties}
  - {name: a-m, kind: broker, host: h1, port: 10931, broker_name: broker-a, config: /etc/am.properties}
"""


def test_group_order_keeps_namesrvs_as_written_then_groups_master_first() -> None:
    cluster = parse_cluster(CLUSTER, "/tmp/order.yaml")
    assert [n.name for n in ordered(cluster, {})] == ["ns-zulu", "ns-alpha", "a-m", "b-m", "b-s"]
    assert [n.name for n in ordered(cluster, {}, sort="name")] == ["a-m", "b-m", "b-s", "ns-alpha", "ns-zulu"]
    assert [n.name for n in ordered(cluster, {}, needle="BROKER-B")] == ["b-m", "b-s"]


def test_load_keys_put_the_busiest_broker_first_and_nodes_without_figures_last() -> None:
    from rocketui.reports.node_order import SORTS
    from rocketui.services.broker_stats import BrokerStats

    cluster = parse_cluster(CLUSTER, "/tmp/order.yaml")
    load = {
        "a-m": BrokerStats("broker-a", 0, "127.0.0.1:10931", put_tps=3.5, disk_ratio=0.81, dispatch_behind_bytes=0),
        "b-m": BrokerStats(
            "broker-b", 0, "127.0.0.1:10911", put_tps=120.0, disk_ratio=0.12, dispatch_behind_bytes=None
        ),
        "b-s": BrokerStats("broker-b", 1, "127.0.0.1:10921", put_tps=0.0, disk_ratio=0.4, dispatch_behind_bytes=4096),
    }
    assert {"put tps", "disk", "behind"} <= set(SORTS)  # `o` cycles through them

    def names(sort: str, figures: dict[str, BrokerStats]) -> list[str]:
        return [n.name for n in ordered(cluster, {}, sort=sort, load=figures)]

    # namesrvs have no figures: after the brokers, in group order (as written)
    assert names("put tps", load) == ["b-m", "a-m", "b-s", "ns-zulu", "ns-alpha"]
    assert names("disk", load) == ["a-m", "b-s", "b-m", "ns-zulu", "ns-alpha"]
    # b-m did not report dispatchBehindBytes: with the nodes without figures, first by group
    assert names("behind", load) == ["b-s", "a-m", "ns-zulu", "ns-alpha", "b-m"]
    # a broker that did not answer, and no report at all: group order
    failed = {**load, "b-m": BrokerStats("broker-b", 0, "127.0.0.1:10911", error="timeout")}
    assert names("put tps", failed) == ["a-m", "b-s", "ns-zulu", "ns-alpha", "b-m"]
    assert names("disk", {}) == [n.name for n in ordered(cluster, {})]
    assert [n.name for n in ordered(cluster, {}, sort="put tps", load=load, needle="broker-b")] == ["b-m", "b-s"]
