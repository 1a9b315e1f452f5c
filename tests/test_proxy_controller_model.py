"""The cluster file's proxy and controller keys: node kinds proxy and controller, a broker's
proxy: local, controller_mode, a namesrv's controller_port; their rules, reported as file:line;
the topology's controller/proxy keys and layouts; the shipped 5.x cluster files."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from rocketui.model.cluster import NodeKind, ProxyMode
from rocketui.model.loader import ClusterFileError, load_cluster, parse_cluster
from rocketui.model.topology import ControllerPlacement, ProxyPlacement, broker_properties, layout_of

REPO = Path(__file__).resolve().parent.parent
HEAD = """\
cluster: C
rocketmq: {home: /opt/rocketmq, version: "5.5.0"}
work_dir: /tmp/x
hosts:
  local: {backend: local, address: 127.0.0.1}
nodes:
"""


def load(nodes: str, head: str = HEAD) -> object:
    return parse_cluster(head + textwrap.dedent(nodes), "c.yaml")


def problems(nodes: str, head: str = HEAD) -> list[str]:
    with pytest.raises(ClusterFileError) as caught:
        load(nodes, head)
    return [str(p) for p in caught.value.problems]


def test_every_kind_with_its_ports() -> None:
    cluster = load("""\
      - {name: ns, kind: namesrv, host: local, controller_port: 9878}
      - {name: ctl, kind: controller, host: local, port: 9868}
      - {name: a, kind: broker, host: local, broker_name: a, config: a.p, controller_mode: true, proxy: local,
         proxy_port: 8090, grpc_port: 8091}
      - {name: a-s, kind: broker, host: local, port: 10921, broker_name: a, broker_id: 1, config: as.p, controller_mode: true}
      - {name: px, kind: proxy, host: local}
    """)
    ns, ctl, a, a_s, px = cluster.nodes  # type: ignore[attr-defined]
    assert ns.ports() == (9876, 9878) and ns.has_controller
    assert ctl.kind is NodeKind.CONTROLLER and ctl.ports() == (9868,)
    assert a.proxy is ProxyMode.LOCAL and a.ports() == (10909, 10911, 10912, 8090, 8091) and a.controller_mode
    assert px.ports() == (8080, 8081) and px.serves_proxy and px.grpc_port == 8081
    assert cluster.controller_addr() == "127.0.0.1:9878;127.0.0.1:9868"  # type: ignore[attr-defined]
    assert cluster.controller_peers() == "n0-127.0.0.1:9878;n1-127.0.0.1:9868"  # type: ignore[attr-defined]
    assert [n.name for n in cluster.proxies] == ["a", "px"]  # type: ignore[attr-defined]
    assert cluster.warnings == (  # type: ignore[attr-defined]
        "2 controllers tolerate no loss (a Raft majority of 2 is 2): run 1, or 3 to survive one down",
    )


@pytest.mark.parametrize(
    ("nodes", "expected"),
    [
        (
            "  - {name: ns, kind: namesrv, host: local}\n  - {name: px, kind: proxy, host: local, port: 9876}\n",
            [
                "c.yaml:8: node 'px': remoting port 9876 clashes with the port of node 'ns' on host 'local'; "
                "give each its own port"
            ],
        ),
        (
            "  - {name: ns, kind: namesrv, host: local}\n  - {name: px, kind: proxy, host: local, grpc_port: 8080}\n",
            ["c.yaml:8: node 'px': its gRPC port 8080 is also its remoting port; give each a port of its own"],
        ),
        (
            "  - {name: ns, kind: namesrv, host: local, controller_port: 10912}\n"
            "  - {name: a, kind: broker, host: local, broker_name: a, config: a.p}\n",
            [
                "c.yaml:8: node 'a': HA port 10912 (port+1) clashes with the controller port of node 'ns' on host "
                "'local'; brokers take port-2, port and port+1, so keep broker ports at least 3 apart"
            ],
        ),
        (
            "  - {name: ns, kind: namesrv, host: local}\n"
            "  - {name: a, kind: broker, host: local, broker_name: a, config: a.p, controller_mode: true}\n",
            [
                "c.yaml:8: broker 'a' has controller_mode: true but no node hosts a controller; expected a node "
                "with kind: controller or a namesrv with controller_port"
            ],
        ),
        (
            "  - {name: ns, kind: namesrv, host: local}\n"
            "  - {name: a, kind: broker, host: local, broker_name: a, config: a.p, proxy: cluster}\n",
            [
                "c.yaml:8: node 'a'.proxy is 'cluster'; expected local (a Cluster-mode proxy is a node of its own, "
                "with kind: proxy)"
            ],
        ),
        (
            "  - {name: ns, kind: namesrv, host: local}\n"
            "  - {name: a, kind: broker, host: local, broker_name: a, config: a.p, grpc_port: 8081}\n",
            ["c.yaml:8: node 'a'.grpc_port applies only to a broker with proxy: local"],
        ),
        (
            "  - {name: ns, kind: namesrv, host: local, proxy_port: 8080}\n",
            ["c.yaml:7: node 'ns'.proxy_port applies only to brokers; this node is a namesrv"],
        ),
        (
            "  - {name: px, kind: proxy, host: local, controller_port: 9878}\n",
            ["c.yaml:7: node 'px'.controller_port applies only to namesrvs; this node is a proxy"],
        ),
        (
            "  - {name: px, kind: proxy, host: local}\n",
            ["c.yaml:7: proxy 'px' has no namesrv to ask for routes; expected at least one node with kind: namesrv"],
        ),
    ],
)
def test_mistakes_are_reported_with_their_line(nodes: str, expected: list[str]) -> None:
    assert problems(nodes) == expected


def test_proxies_and_controllers_need_5x() -> None:
    head = HEAD.replace('"5.5.0"', '"4.9.7"')
    assert problems("  - {name: ns, kind: namesrv, host: local, controller_port: 9878}\n", head) == [
        "c.yaml:7: node 'ns' needs a controller, which RocketMQ 4.9.7 does not have; expected rocketmq.version 5.x"
    ]


def test_two_controllers_and_unused_controllers_are_warned() -> None:
    cluster = load("""\
      - {name: ns, kind: namesrv, host: local, controller_port: 9878}
      - {name: ctl, kind: controller, host: local, port: 9868}
    """)
    assert cluster.warnings == (  # type: ignore[attr-defined]
        "2 controllers tolerate no loss (a Raft majority of 2 is 2): run 1, or 3 to survive one down",
        "controllers are defined but no broker has controller_mode: true; nothing uses them",
    )


def test_layout_names() -> None:
    ctl = layout_of("2m-2s-controller")
    assert (ctl.masters, ctl.slaves_per_master, ctl.controller, ctl.namesrvs) == (2, 1, ControllerPlacement.EMBEDDED, 3)
    assert layout_of("local-proxy").proxy is ProxyPlacement.LOCAL
    assert layout_of("cluster-proxy").proxy is ProxyPlacement.CLUSTER
    assert layout_of("2m-2s-sync").controller is ControllerPlacement.NONE
    with pytest.raises(ValueError, match="Nm-Ks-controller, local-proxy or cluster-proxy"):
        layout_of("2m-controller")


def test_topology_controller_needs_slaves_and_enough_namesrvs() -> None:
    head = HEAD.replace("nodes:\n", "")
    text = head + "topology: {masters: 1, controller: embedded, controllers: 3, namesrvs: 2}\n"
    with pytest.raises(ClusterFileError) as caught:
        parse_cluster(text, "c.yaml")
    assert [str(p) for p in caught.value.problems] == [
        "c.yaml:6: topology.controllers 3 but only 2 namesrv(s) to embed them in; add namesrvs or use "
        "controller: standalone"
    ]
    with pytest.raises(ClusterFileError, match="slaves_per_master is 0; add slaves"):
        parse_cluster(head + "topology: {masters: 1, controller: standalone}\n", "c.yaml")


SHIPPED = {
    "2m-2s-controller": ("2m-2s-controller", ["namesrv-1", "namesrv-2", "namesrv-3"], 3),
    "controller-standalone": ("1m-1s-controller", ["namesrv-1", "controller-1"], 1),
    "local-proxy": ("1m-noslave-local-proxy", ["namesrv-1"], 0),
    "cluster-proxy": ("2m-noslave-cluster-proxy", ["namesrv-1"], 0),
}


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_shipped_5x_clusters_and_their_generated_files(name: str) -> None:
    label, first, controllers = SHIPPED[name]
    cluster = load_cluster(str(REPO / "clusters" / f"{name}.yaml"))
    assert cluster.warnings == () and cluster.topology is not None
    assert cluster.topology.label == label
    assert [n.name for n in cluster.nodes if n.kind in (NodeKind.NAMESRV, NodeKind.CONTROLLER)] == first
    assert len(cluster.controllers) == controllers
    ports = [p for n in cluster.nodes for p in n.ports()]
    assert len(ports) == len(set(ports))
    for node in cluster.brokers:
        assert node.config == str(REPO / "clusters" / name / f"{node.name}.properties")
        assert Path(node.config).read_text() == broker_properties(cluster, node, cluster.topology), node.name
    files = sorted(p.name for p in (REPO / "clusters" / name).iterdir())
    assert files == sorted(f"{n.name}.properties" for n in cluster.brokers)


def test_controller_mode_broker_file_is_the_official_sample_shape() -> None:
    cluster = load_cluster(str(REPO / "clusters" / "2m-2s-controller.yaml"))
    text = (REPO / "clusters" / "2m-2s-controller" / "broker-a.properties").read_text()
    lines = dict(line.split("=", 1) for line in text.splitlines() if "=" in line and not line.startswith("#"))
    assert lines["brokerId"] == "-1" and lines["brokerRole"] == "SLAVE"
    assert lines["enableControllerMode"] == "true" and lines["allAckInSyncStateSet"] == "true"
    assert lines["controllerAddr"] == cluster.controller_addr() == "127.0.0.1:9878;127.0.0.1:9888;127.0.0.1:9898"
    assert "inSyncReplicas" not in lines  # the sync-state set decides, not a replica count
