"""The `topology:` section: expansion into nodes, generated broker properties (compared with
expected files under tests/data/topology/), overrides, and malformed sections reported as
file:line: what is wrong; what is expected.

To refresh the expected files after a deliberate change: ROCKETUI_REGEN_TOPOLOGY=1 pytest
tests/test_topology.py, then review the diff.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from rocketui.model.cluster import BackendKind, BrokerRole, Cluster, NodeKind
from rocketui.model.loader import ClusterFileError, load_cluster, parse_cluster
from rocketui.model.topology import (
    FileState,
    Replication,
    broker_body,
    broker_properties,
    file_state,
    parse_layout,
    placements,
)

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data" / "topology"

HEAD = """\
cluster: TestCluster
rocketmq: {home: /opt/rocketmq, version: "5.5.0"}
work_dir: /data/rocketui
hosts:
  local: {backend: local, address: 127.0.0.1}
defaults:
  jvm: {xms: 256m, xmx: 256m}
"""

SSH_HEAD = """\
cluster: ProdCluster
rocketmq: {home: /opt/rocketmq, version: "5.5.0"}
work_dir: /var/lib/rocketui
hosts:
  mq1: {backend: ssh, address: 10.0.0.11, user: ops}
  mq2: {backend: ssh, address: 10.0.0.12, user: ops}
  mq3: {backend: ssh, address: 10.0.0.13, user: ops}
  mq4: {backend: ssh, address: 10.0.0.14, user: ops}
"""

LAYOUTS = {
    "2m-noslave": HEAD
    + """\
topology:
  masters: 2
  namesrvs: 2
  config_dir: /etc/rocketui/2m-noslave
""",
    "2m-2s-async": HEAD
    + """\
topology:
  masters: 2
  slaves_per_master: 1
  replication: async
  namesrvs: 2
  namesrv_port: 21876
  broker_port: 21911
  config_dir: /etc/rocketui/2m-2s-async
  jvm:
    namesrv: {xms: 128m, xmx: 128m}
""",
    "2m-2s-sync": HEAD
    + """\
topology:
  masters: 2
  slaves_per_master: 1
  replication: sync
  flush: sync
  namesrvs: 2
  config_dir: /etc/rocketui/2m-2s-sync
  properties: {mappedFileSizeCommitLog: 134217728}
""",
    "2m-2s-sync-ssh": SSH_HEAD
    + """\
topology:
  masters: 2
  slaves_per_master: 1
  replication: sync
  namesrvs:
    - {host: mq1}
    - {host: mq2, port: 9877}
  properties:
    fileReservedTime: 72
    bindAddress: 0.0.0.0
nodes:
  - name: broker-b-s
    port: 10999
    properties: {fileReservedTime: 24}
""",
}


def expected_nodes(cluster: Cluster) -> str:
    lines = []
    for n in cluster.nodes:
        role = n.role.value if n.role else "-"
        lines.append(
            f"{n.name} {n.kind.value} {n.host} {n.port} {n.broker_name or '-'} {n.broker_id} {role} "
            f"{n.config or '-'} jvm={n.jvm.java_opt_ext() or '-'}"
        )
    return "\n".join(lines) + "\n"


def check_expected(path: Path, actual: str) -> None:
    if os.environ.get("ROCKETUI_REGEN_TOPOLOGY"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual)
    assert path.exists(), f"missing expected file {path}; run with ROCKETUI_REGEN_TOPOLOGY=1 and review it"
    assert actual == path.read_text()


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_generated_files_match_expected(layout: str) -> None:
    cluster = parse_cluster(LAYOUTS[layout], f"/clusters/{layout}.yaml")
    assert cluster.topology is not None
    check_expected(DATA / layout / "nodes.txt", expected_nodes(cluster))
    brokers = [n for n in cluster.nodes if n.kind is NodeKind.BROKER]
    for node in brokers:
        check_expected(DATA / layout / f"{node.name}.properties", broker_properties(cluster, node, cluster.topology))
    names = sorted(p.name for p in (DATA / layout).iterdir())
    assert names == sorted(["nodes.txt", *(f"{n.name}.properties" for n in brokers)])


def test_every_generated_broker_passes_the_start_check() -> None:
    """The file NodeService checks before starting agrees with the cluster file by construction."""
    from rocketui.services.broker_config_check import check_broker_config

    for layout, text in LAYOUTS.items():
        cluster = parse_cluster(text, f"/clusters/{layout}.yaml")
        assert cluster.topology is not None
        for node in cluster.brokers:
            data = broker_properties(cluster, node, cluster.topology).encode()
            assert check_broker_config(cluster, node, "f", data) == [], (layout, node.name)


def test_expansion_facts_the_samples_lack() -> None:
    cluster = parse_cluster(LAYOUTS["2m-2s-sync"], "/clusters/x.yaml")
    assert [n.name for n in cluster.nodes] == [
        "namesrv-1",
        "namesrv-2",
        "broker-a",
        "broker-b",
        "broker-a-s",
        "broker-b-s",
    ]
    assert cluster.namesrv_addr() == "127.0.0.1:9876;127.0.0.1:9886"
    ports = sorted(p for n in cluster.brokers for p in n.ports())
    assert len(ports) == len(set(ports)) == 12  # port-2, port, port+1 of four brokers: no overlap
    assert {n.role for n in cluster.brokers if n.broker_id == 0} == {BrokerRole.SYNC_MASTER}
    assert {n.role for n in cluster.brokers if n.broker_id == 1} == {BrokerRole.SLAVE}
    assert cluster.topology is not None
    stores = set()
    for node in cluster.brokers:
        body = dict(line.split("=", 1) for line in broker_body(cluster, node, cluster.topology).splitlines())
        assert body["namesrvAddr"] == "127.0.0.1:9876;127.0.0.1:9886"
        assert body["brokerIP1"] == body["brokerIP2"] == body["bindAddress"] == "127.0.0.1"
        assert body["flushDiskType"] == "SYNC_FLUSH"
        assert body["slaveReadEnable"] == "true"  # else a 5.x slave refuses every pull
        stores.add(body["storePathRootDir"])
        assert body["storePathRootDir"] == f"/data/rocketui/{node.name}/store"
    assert len(stores) == 4
    noslave = parse_cluster(LAYOUTS["2m-noslave"], "/clusters/y.yaml")
    assert noslave.topology is not None
    assert "slaveReadEnable" not in broker_body(noslave, noslave.node("broker-a"), noslave.topology)
    assert len({cluster.log_dir(n) for n in cluster.nodes}) == 6


def test_spread_never_puts_a_slave_with_its_master() -> None:
    text = (
        HEAD.replace("hosts:\n", "hosts:\n  h2: {backend: local, address: 127.0.0.2}\n")
        + "topology: {masters: 2, slaves_per_master: 1, replication: async, hosts: [local, h2]}\n"
    )
    cluster = parse_cluster(text, "/c.yaml")
    where = {n.name: n.host for n in cluster.brokers}
    assert where == {"broker-a": "local", "broker-b": "h2", "broker-a-s": "h2", "broker-b-s": "local"}
    # each host numbers its own ports from the base
    assert {n.name: n.port for n in cluster.brokers} == {
        "broker-a": 10911,
        "broker-b": 10911,
        "broker-a-s": 10921,
        "broker-b-s": 10921,
    }
    assert cluster.node("broker-a-s").config == "/data/rocketui/broker-a-s/broker.properties"


def test_two_slaves_per_master_are_numbered() -> None:
    cluster = parse_cluster(HEAD + "topology: {masters: 1, slaves_per_master: 2, replication: async}\n", "/c.yaml")
    assert [(n.name, n.broker_id) for n in cluster.brokers] == [("broker-a", 0), ("broker-a-s1", 1), ("broker-a-s2", 2)]


def test_override_keeps_the_rest_generated() -> None:
    cluster = parse_cluster(LAYOUTS["2m-2s-sync-ssh"], "/c.yaml")
    node = cluster.node("broker-b-s")
    assert node.port == 10999 and node.pos.line == 20  # the overriding entry's line
    assert (node.host, node.broker_name, node.broker_id, node.role) == ("mq4", "broker-b", 1, BrokerRole.SLAVE)
    assert node.properties == (("fileReservedTime", "24"),)
    assert cluster.topology is not None
    body = broker_body(cluster, node, cluster.topology)
    assert "fileReservedTime=24\n" in body and "fileReservedTime=72" not in body
    assert "bindAddress=0.0.0.0\n" in body and "brokerIP1=10.0.0.14\n" in body
    assert cluster.node("namesrv-2").port == 9877
    assert len(cluster.nodes) == 6  # the override did not add a node


def test_explicit_nodes_next_to_a_topology() -> None:
    cluster = parse_cluster(
        HEAD + "topology: {masters: 1}\nnodes:\n"
        "  - {name: trace, kind: broker, host: local, port: 10999, broker_name: broker-trace,"
        " config: /etc/trace.properties}\n",
        "/c.yaml",
    )
    assert [n.name for n in cluster.nodes] == ["namesrv-1", "broker-a", "trace"]
    assert cluster.topology is not None and cluster.topology.generated == ("namesrv-1", "broker-a")


def test_generated_yaml_path_relative_to_cluster_file(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(HEAD + "topology: {masters: 1, config_dir: conf}\n")
    assert load_cluster(str(path)).node("broker-a").config == str(tmp_path / "conf" / "broker-a.properties")


# --------------------------------------------------------------------------- malformed


def problems(text: str) -> list[str]:
    with pytest.raises(ClusterFileError) as info:
        parse_cluster(textwrap.dedent(text), "c.yaml")
    return str(info.value).splitlines()


BASE = (
    HEAD + "topology:\n  masters: 2\n  slaves_per_master: 1\n  replication: sync\n  namesrvs: 2\n"
)  # topology: line 8

TOPOLOGY_CASES: list[tuple[str, str, str, list[str]]] = [
    (
        "unknown key",
        "  namesrvs: 2\n",
        "  namesrvs: 2\n  slaves: 1\n",
        [
            "c.yaml:13: unknown key 'slaves' in topology; expected one of: masters, slaves_per_master, replication, "
            "flush, hosts, namesrvs, namesrv_port, broker_port, port_step, config_dir, jvm, properties, controller, controllers, controller_port, proxy, proxies, proxy_port, grpc_port"
        ],
    ),
    (
        "misspelt key",
        "  masters: 2\n",
        "  master: 2\n",
        [
            "c.yaml:9: unknown key 'master' in topology (did you mean 'masters'?); expected one of: masters, "
            "slaves_per_master, replication, flush, hosts, namesrvs, namesrv_port, broker_port, port_step, config_dir, "
            "jvm, properties, controller, controllers, controller_port, proxy, proxies, proxy_port, grpc_port",
            "c.yaml:9: topology is missing required key 'masters' (1 to 26 (broker-a, broker-b, …))",
        ],
    ),
    (
        "masters text",
        "  masters: 2\n",
        "  masters: two\n",
        ["c.yaml:9: topology.masters must be an integer, got 'two'"],
    ),
    (
        "masters zero",
        "  masters: 2\n",
        "  masters: 0\n",
        ["c.yaml:9: topology.masters 0 is out of range; expected 1 to 26 (broker-a, broker-b, …)"],
    ),
    (
        "too many slaves",
        "  slaves_per_master: 1\n",
        "  slaves_per_master: 12\n",
        ["c.yaml:10: topology.slaves_per_master 12 is out of range; expected 0 to 9"],
    ),
    (
        "bad replication",
        "  replication: sync\n",
        "  replication: SYNC_MASTER\n",
        ["c.yaml:11: topology.replication is 'SYNC_MASTER'; expected sync or async"],
    ),
    (
        "sync without slaves",
        "  slaves_per_master: 1\n",
        "  slaves_per_master: 0\n",
        [
            "c.yaml:11: topology.replication is sync but slaves_per_master is 0: a SYNC_MASTER without a slave answers "
            "every send with SLAVE_NOT_AVAILABLE; use replication: async or add slaves"
        ],
    ),
    (
        "bad flush",
        "  namesrvs: 2\n",
        "  namesrvs: 2\n  flush: fast\n",
        ["c.yaml:13: topology.flush is 'fast'; expected sync or async"],
    ),
    (
        "port step too small",
        "  namesrvs: 2\n",
        "  namesrvs: 2\n  port_step: 2\n",
        [
            "c.yaml:13: topology.port_step 2 is out of range; expected 3 to 1000 (a broker listens on port-2, port and port+1)"
        ],
    ),
    (
        "broker port too low",
        "  namesrvs: 2\n",
        "  namesrvs: 2\n  broker_port: 1\n",
        ["c.yaml:13: topology.broker_port 1 is out of range; expected 3-65535 (the broker also takes port-2)"],
    ),
    (
        "ports run past 65535",
        "  namesrvs: 2\n",
        "  namesrvs: 2\n  broker_port: 65520\n",
        [
            "c.yaml:8: topology places broker-a-s at port 65540 on host 'local', above 65535; "
            "lower topology.broker_port / namesrv_port or port_step"
        ],
    ),
    (
        "unknown spread host",
        "  namesrvs: 2\n",
        "  namesrvs: 2\n  hosts: [local, far]\n",
        ["c.yaml:13: topology.hosts: 'far' is not defined under hosts; expected one of: local"],
    ),
    (
        "spread host twice",
        "  namesrvs: 2\n",
        "  namesrvs: 2\n  hosts: [local, local]\n",
        ["c.yaml:13: topology.hosts lists 'local' twice"],
    ),
    (
        "hosts not a list",
        "  namesrvs: 2\n",
        "  namesrvs: 2\n  hosts: local\n",
        ["c.yaml:13: topology.hosts must be a non-empty list of host names, not str 'local'"],
    ),
    (
        "namesrvs text",
        "  namesrvs: 2\n",
        "  namesrvs: two\n",
        ["c.yaml:12: topology.namesrvs must be an integer, got 'two'"],
    ),
    (
        "namesrv item unknown host",
        "  namesrvs: 2\n",
        "  namesrvs:\n    - {host: far}\n",
        ["c.yaml:13: topology.namesrvs: host 'far' is not defined under hosts; expected one of: local"],
    ),
    (
        "namesrv item without host",
        "  namesrvs: 2\n",
        "  namesrvs:\n    - {port: 9876}\n",
        ["c.yaml:13: a topology.namesrvs item is missing required key 'host'"],
    ),
    (
        "namesrv item bad key",
        "  namesrvs: 2\n",
        "  namesrvs:\n    - {host: local, prot: 9876}\n",
        [
            "c.yaml:13: unknown key 'prot' in a topology.namesrvs item (did you mean 'port'?); expected one of: host, port"
        ],
    ),
    (
        "namesrvs mapping",
        "  namesrvs: 2\n",
        "  namesrvs: {host: local}\n",
        ["c.yaml:12: topology.namesrvs must be a count or a list of {host, port}, not a mapping"],
    ),
    (
        "controlled property",
        "  namesrvs: 2\n",
        "  namesrvs: 2\n  properties: {brokerRole: ASYNC_MASTER}\n",
        [
            "c.yaml:13: topology.properties: brokerRole is generated by rocketui; set it through topology.replication "
            "or a node's role"
        ],
    ),
    (
        "property with spaces",
        "  namesrvs: 2\n",
        "  namesrvs: 2\n  properties: {fileReservedTime: ' 48'}\n",
        [
            "c.yaml:13: topology.properties: fileReservedTime value ' 48' is empty or has leading/trailing whitespace, "
            "which RocketMQ silently ignores for numbers and booleans"
        ],
    ),
    (
        "property not single",
        "  namesrvs: 2\n",
        "  namesrvs: 2\n  properties: {deleteWhen: [1, 2]}\n",
        ["c.yaml:13: topology.properties.deleteWhen must be a single value"],
    ),
    (
        "property backslash",
        "  namesrvs: 2\n",
        "  namesrvs: 2\n  properties: {storePathRootDir: 'C:\\store'}\n",
        [
            "c.yaml:13: topology.properties: storePathRootDir value 'C:\\\\store' contains a backslash or line break; "
            "expected a plain value"
        ],
    ),
    (
        "jvm kind unknown",
        "  namesrvs: 2\n",
        "  namesrvs: 2\n  jvm:\n    proxies: {xmx: 1g}\n",
        ["c.yaml:14: unknown key 'proxies' in topology.jvm; expected one of: namesrv, broker, controller, proxy"],
    ),
    (
        "jvm size bad",
        "  namesrvs: 2\n",
        "  namesrvs: 2\n  jvm:\n    broker: {xmx: 1gb}\n",
        ["c.yaml:14: topology.jvm.broker.xmx is str '1gb'; expected a JVM size like 256m, 1g or 524288k"],
    ),
    (
        "topology not a mapping",
        "topology:\n  masters: 2\n  slaves_per_master: 1\n  replication: sync\n  namesrvs: 2\n",
        "topology: 2m-2s-sync\n",
        ["c.yaml:8: topology must be a mapping (key: value lines), not str '2m-2s-sync'"],
    ),
    (
        "override changes kind",
        "  namesrvs: 2\n",
        "  namesrvs: 2\nnodes:\n  - {name: broker-a, kind: namesrv}\n",
        [
            "c.yaml:14: node 'broker-a' is generated by the topology as a broker; an entry under nodes: may change its "
            "settings but not its kind"
        ],
    ),
    (
        "override controlled property",
        "  namesrvs: 2\n",
        "  namesrvs: 2\nnodes:\n  - name: broker-a\n    properties: {listenPort: 10000}\n",
        [
            "c.yaml:15: node 'broker-a'.properties: listenPort is generated by rocketui; set it through "
            "topology.broker_port or a node's port"
        ],
    ),
    (
        "override port clash",
        "  namesrvs: 2\n",
        "  namesrvs: 2\nnodes:\n  - {name: broker-b, port: 10912}\n",
        [
            "c.yaml:14: node 'broker-b': port 10912 clashes with the HA port (port+1) of node 'broker-a' on host 'local'; "
            "brokers take port-2, port and port+1, so keep broker ports at least 3 apart"
        ],
    ),
    (
        "relative config_dir on ssh",
        "hosts:\n",
        "hosts:\n  far: {backend: ssh, address: 10.0.0.5, user: ops}\n",
        [
            "c.yaml:14: topology.config_dir 'conf' is relative but brokers go to ssh host 'far'; expected an absolute "
            "path or one starting with ~"
        ],
    ),
]


@pytest.mark.parametrize("desc,old,new,expected", TOPOLOGY_CASES, ids=[c[0] for c in TOPOLOGY_CASES])
def test_malformed_topology(desc: str, old: str, new: str, expected: list[str]) -> None:
    text = BASE
    if desc == "relative config_dir on ssh":
        text = BASE + "  config_dir: conf\n"
    assert old in text, desc
    assert problems(text.replace(old, new, 1)) == expected


def test_topology_alone_is_a_whole_cluster() -> None:
    cluster = parse_cluster(BASE, "/c.yaml")
    assert len(cluster.nodes) == 6 and cluster.warnings == ()


# --------------------------------------------------------------------------- pieces


def test_parse_layout() -> None:
    assert parse_layout("2m-noslave") == (2, 0, Replication.ASYNC)
    assert parse_layout("2m-2s-sync") == (2, 1, Replication.SYNC)
    assert parse_layout("3m-6s-async") == (3, 2, Replication.ASYNC)
    for bad, why in (
        ("2m2s", "is not a layout name"),
        ("2m-3s-sync", "cannot be shared evenly"),
        ("0m-noslave", "0 masters"),
        ("2m-0s-sync", "cannot be shared evenly"),
    ):
        with pytest.raises(ValueError, match=why):
            parse_layout(bad)


def test_placements_namesrv_ports_skip_explicit_ones() -> None:
    cluster = parse_cluster(
        HEAD + "topology:\n  masters: 1\n  namesrvs:\n    - {host: local}\n    - {host: local, port: 9876}\n", "/c.yaml"
    )
    assert cluster.topology is not None
    assert [(p.name, p.port) for p in placements(cluster.topology)][:2] == [("namesrv-1", 9886), ("namesrv-2", 9876)]


def test_file_state() -> None:
    cluster = parse_cluster(LAYOUTS["2m-noslave"], "/c.yaml")
    assert cluster.topology is not None
    text = broker_properties(cluster, cluster.node("broker-a"), cluster.topology)
    assert file_state(None, text) is FileState.MISSING
    assert file_state(text, text) is FileState.SAME
    older = broker_properties(cluster, cluster.node("broker-b"), cluster.topology)
    assert file_state(older, text) is FileState.GENERATED  # untouched output of an earlier generate
    assert file_state(older.replace("fileReservedTime=48", "fileReservedTime=12"), text) is FileState.EDITED
    assert file_state("brokerName=broker-a\n", text) is FileState.FOREIGN


# --------------------------------------------------------------------------- shipped clusters


@pytest.mark.parametrize("name", ["2m-noslave", "2m-2s-async", "2m-2s-sync"])
def test_shipped_cluster_and_its_generated_files(name: str) -> None:
    cluster = load_cluster(str(REPO / "clusters" / f"{name}.yaml"))
    assert cluster.warnings == () and cluster.topology is not None
    assert cluster.topology.label == name
    assert [n.name for n in cluster.namesrvs] == ["namesrv-1", "namesrv-2"]
    assert all(n.jvm.xmx == "256m" for n in cluster.brokers) and all(n.jvm.xmx == "128m" for n in cluster.namesrvs)
    assert len({n.port for n in cluster.nodes}) == len(cluster.nodes)
    for node in cluster.brokers:
        assert node.config == str(REPO / "clusters" / name / f"{node.name}.properties")
        assert Path(node.config).read_text() == broker_properties(cluster, node, cluster.topology), node.name
    files = sorted(p.name for p in (REPO / "clusters" / name).iterdir())
    assert files == sorted(f"{n.name}.properties" for n in cluster.brokers)


def test_shipped_ssh_example_loads() -> None:
    cluster = load_cluster(str(REPO / "clusters" / "example-ssh.yaml"))
    assert {h.backend for h in cluster.hosts} == {BackendKind.SSH}
    assert {n.name: n.host for n in cluster.nodes} == {
        "namesrv-1": "mq1",
        "namesrv-2": "mq2",
        "broker-a": "mq1",
        "broker-b": "mq2",
        "broker-a-s": "mq3",
        "broker-b-s": "mq4",
    }
    assert cluster.namesrv_addr() == "10.0.0.11:9876;10.0.0.12:9876"
    assert cluster.node("broker-a").jvm.xmx == "4g" and cluster.node("broker-b").jvm.xmx == "2g"
    assert cluster.node("broker-a-s").config == "/var/lib/rocketui/broker-a-s/broker.properties"


@pytest.mark.parametrize("version", ["4.9.7", "5.1.4", "5.3.3", "5.5.0"])
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_generated_keys_are_keys_of_the_release(layout: str, version: str) -> None:
    """A generated broker file says nothing its release would silently ignore (4.9.7 has no
    bindAddress, totalReplicas, inSyncReplicas or readUnCommitted)."""
    from rocketui.rocketmq.broker_keys import bundled_keys
    from rocketui.rocketmq.properties_edit import PropertiesDoc

    text = LAYOUTS[layout].replace('version: "5.5.0"', f'version: "{version}"')
    cluster = parse_cluster(text, f"/clusters/{layout}.yaml")
    assert cluster.rocketmq.version == version and cluster.topology is not None
    known = bundled_keys(version)
    asked = {k for k, _ in cluster.topology.properties}  # what the cluster file itself sets stays
    for node in (n for n in cluster.nodes if n.kind is NodeKind.BROKER):
        keys = PropertiesDoc.parse(broker_properties(cluster, node, cluster.topology).encode()).as_dict()
        assert set(keys) - set(known.types) - asked == set(), (node.name, version)
        assert ("bindAddress" in keys) == (version != "4.9.7" or "bindAddress" in asked)
