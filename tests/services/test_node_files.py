"""The files rocketui writes before starting a namesrv with a controller, a standalone controller
or a proxy: read back as Java reads them (properties) and as JSON (the proxy's fastjson2 reads
rmq-proxy.json into ProxyConfig, whose field names these are)."""

from __future__ import annotations

import json
from pathlib import Path

from rocketui.model.loader import load_cluster
from rocketui.services.node_files import controller_properties, namesrv_properties, proxy_json
from tests.support.java_properties import JavaProperties, java_properties  # noqa: F401

REPO = Path(__file__).resolve().parents[2]


def test_embedded_and_standalone_controllers_read_back_in_java(tmp_path: Path, java_properties: JavaProperties) -> None:
    embedded = load_cluster(str(REPO / "clusters" / "2m-2s-controller.yaml"))
    standalone = load_cluster(str(REPO / "clusters" / "controller-standalone.yaml"))
    files = {
        "ns2": namesrv_properties(embedded, embedded.node("namesrv-2")),
        "ctl": controller_properties(standalone, standalone.node("controller-1")),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    ns2, ctl = java_properties.read(tmp_path / "ns2", tmp_path / "ctl")
    assert ns2 == {
        "listenPort": "9886",
        "bindAddress": "127.0.0.1",
        "enableControllerInNamesrv": "true",
        "controllerDLegerGroup": "DefaultCluster-controller",
        "controllerDLegerPeers": "n0-127.0.0.1:9878;n1-127.0.0.1:9888;n2-127.0.0.1:9898",
        "controllerDLegerSelfId": "n1",
    }
    assert ctl == {
        "listenPort": "9878",
        "bindAddress": "127.0.0.1",
        "controllerDLegerGroup": "DefaultCluster-controller",
        "controllerDLegerPeers": "n0-127.0.0.1:9878",
        "controllerDLegerSelfId": "n0",
    }


def test_proxy_json_of_a_cluster_proxy_and_a_local_one() -> None:
    cluster = load_cluster(str(REPO / "clusters" / "cluster-proxy.yaml"))
    doc = json.loads(proxy_json(cluster, cluster.node("proxy-1")))
    assert doc == {
        "rocketMQClusterName": "DefaultCluster",
        "proxyClusterName": "DefaultCluster",
        "proxyName": "proxy-1",
        "proxyMode": "CLUSTER",
        "namesrvAddr": "127.0.0.1:9876",
        "remotingListenPort": 8080,
        "grpcServerPort": 8081,
        "remotingAccessAddr": "127.0.0.1",
        "localServeAddr": "127.0.0.1",
    }
    local = load_cluster(str(REPO / "clusters" / "local-proxy.yaml"))
    doc = json.loads(proxy_json(local, local.node("broker-a")))
    assert (doc["proxyMode"], doc["remotingListenPort"], doc["grpcServerPort"]) == ("LOCAL", 8080, 8081)
