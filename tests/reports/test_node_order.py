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
