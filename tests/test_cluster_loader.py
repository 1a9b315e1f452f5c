"""Cluster file loading: the shipped files load, and every mistake is reported as
file:line: what is wrong; what is expected."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from rocketui.model.cluster import BackendKind, BrokerRole, NodeKind
from rocketui.model.loader import ClusterFileError, load_cluster, parse_cluster

REPO = Path(__file__).resolve().parent.parent

GOOD = """\
cluster: DefaultCluster
rocketmq:
  home: /opt/rocketmq
  version: "5.5.1"
work_dir: /tmp/rocketui-test
hosts:
  local:
    backend: local
    address: 127.0.0.1
nodes:
  - name: ns1
    kind: namesrv
    host: local
    port: 9876
  - name: broker-a
    kind: broker
    host: local
    port: 10911
    broker_name: broker-a
    config: broker-a.properties
"""


def load(text: str) -> object:
    return parse_cluster(textwrap.dedent(text), "c.yaml")


def problems(text: str) -> list[str]:
    with pytest.raises(ClusterFileError) as info:
        load(text)
    return str(info.value).splitlines()


def test_shipped_local_cluster_loads() -> None:
    cluster = load_cluster(str(REPO / "clusters" / "local.yaml"))
    assert [n.name for n in cluster.nodes] == ["namesrv-1", "broker-a"]
    assert cluster.namesrv_addr() == "127.0.0.1:9876"
    broker = cluster.node("broker-a")
    assert broker.kind is NodeKind.BROKER and broker.role is BrokerRole.ASYNC_MASTER
    assert broker.config == str(REPO / "clusters" / "local" / "broker-a.properties")
    assert broker.jvm.java_opt_ext() == "-Xms256m -Xmx256m -Xmn128m -XX:MaxDirectMemorySize=256m"
    assert cluster.host("local").backend is BackendKind.LOCAL
    assert cluster.warnings == ()


def test_good_file_defaults() -> None:
    cluster = load(GOOD)
    broker = cluster.node("broker-a")
    assert broker.broker_id == 0 and broker.role is BrokerRole.ASYNC_MASTER
    assert cluster.run_dir(broker) == "/tmp/rocketui-test/broker-a"
    assert cluster.log_dir(broker) == "/tmp/rocketui-test/broker-a/logs/rocketmqlogs"
    assert broker.ports() == (10909, 10911, 10912)


def test_slave_gets_slave_role_by_default() -> None:
    cluster = load(
        GOOD
        + """\
  - name: broker-a-s
    kind: broker
    host: local
    port: 10921
    broker_name: broker-a
    broker_id: 1
    config: broker-a-s.properties
"""
    )
    assert cluster.node("broker-a-s").role is BrokerRole.SLAVE


# (description, replace this, with this, expected messages)
CASES: list[tuple[str, str, str, list[str]]] = [
    (
        "unknown top-level key",
        "work_dir: /tmp/rocketui-test\n",
        "work_dir: /tmp/rocketui-test\nworkdir: x\n",
        [
            "c.yaml:6: unknown key 'workdir' in the cluster file (did you mean 'work_dir'?); expected one of: "
            "cluster, rocketmq, work_dir, read_only, hosts, nodes, defaults, topology, copy_to"
        ],
    ),
    (
        "unknown node key",
        "    port: 10911\n",
        "    prot: 10911\n",
        [
            "c.yaml:18: unknown key 'prot' in a node (did you mean 'port'?); expected one of: name, kind, host, port, jvm, "
            "properties, listen_address, config, broker_name, broker_id, role, controller_mode, proxy, proxy_port, grpc_port, controller_port, user_home"
        ],
    ),
    (
        "missing cluster name",
        "cluster: DefaultCluster\n",
        "",
        ["c.yaml:1: the cluster file is missing required key 'cluster'"],
    ),
    (
        "port is text",
        "    port: 9876\n",
        "    port: ninety\n",
        ["c.yaml:14: node 'ns1'.port must be an integer, got 'ninety'"],
    ),
    (
        "port out of range",
        "    port: 9876\n",
        "    port: 70000\n",
        ["c.yaml:14: node 'ns1'.port 70000 is out of range; expected 1-65535"],
    ),
    (
        "bad kind",
        "    kind: namesrv\n",
        "    kind: nameserver\n",
        ["c.yaml:12: node 'ns1'.kind is 'nameserver'; expected namesrv, broker, proxy or controller"],
    ),
    (
        "unknown host",
        "    host: local\n    port: 9876\n",
        "    host: elsewhere\n    port: 9876\n",
        ["c.yaml:13: node 'ns1'.host 'elsewhere' is not defined under hosts; expected one of: local"],
    ),
    (
        "duplicate node name",
        "  - name: broker-a\n",
        "  - name: ns1\n",
        ["c.yaml:15: duplicate node name 'ns1' (first at line 11); expected every node name to be unique"],
    ),
    (
        "port clash",
        "    port: 10911\n",
        "    port: 9878\n",
        [
            "c.yaml:15: node 'broker-a': fast port 9876 (port-2) clashes with the port of node 'ns1' on host 'local'; "
            "brokers take port-2, port and port+1, so keep broker ports at least 3 apart"
        ],
    ),
    (
        "same port",
        "    port: 10911\n",
        "    port: 9876\n",
        [
            "c.yaml:15: node 'broker-a': port 9876 clashes with the port of node 'ns1' on host 'local'; "
            "brokers take port-2, port and port+1, so keep broker ports at least 3 apart"
        ],
    ),
    (
        "broker without namesrv",
        "  - name: ns1\n    kind: namesrv\n    host: local\n    port: 9876\n",
        "",
        ["c.yaml:11: broker 'broker-a' has no namesrv to register with; expected at least one node with kind: namesrv"],
    ),
    (
        "slave without master",
        "    broker_name: broker-a\n",
        "    broker_name: broker-a\n    broker_id: 1\n",
        [
            "c.yaml:15: slave 'broker-a' (broker_name 'broker-a', broker_id 1) has no master; "
            "expected a broker with broker_name 'broker-a' and broker_id 0"
        ],
    ),
    (
        "slave role with id 0",
        "    broker_name: broker-a\n",
        "    broker_name: broker-a\n    role: SLAVE\n",
        ["c.yaml:20: node 'broker-a'.role is SLAVE but broker_id is 0; a slave needs broker_id >= 1"],
    ),
    (
        "bad role",
        "    broker_name: broker-a\n",
        "    broker_name: broker-a\n    role: MASTER\n",
        ["c.yaml:20: node 'broker-a'.role is 'MASTER'; expected ASYNC_MASTER, SYNC_MASTER or SLAVE"],
    ),
    (
        "negative broker id",
        "    broker_name: broker-a\n",
        "    broker_name: broker-a\n    broker_id: -1\n",
        ["c.yaml:20: node 'broker-a'.broker_id -1 is negative; expected 0 (master) or >= 1 (slave)"],
    ),
    (
        "broker without config",
        "    config: broker-a.properties\n",
        "",
        ["c.yaml:15: node 'broker-a' is missing required key 'config'"],
    ),
    (
        "broker-only key on namesrv",
        "    port: 9876\n",
        "    port: 9876\n    broker_id: 1\n",
        ["c.yaml:15: node 'ns1'.broker_id applies only to brokers; this node is a namesrv"],
    ),
    (
        "bad jvm size",
        "    port: 9876\n",
        "    port: 9876\n    jvm: {xmx: 1gb}\n",
        ["c.yaml:15: node 'ns1'.jvm.xmx is str '1gb'; expected a JVM size like 256m, 1g or 524288k"],
    ),
    (
        "xms above xmx",
        "    port: 9876\n",
        "    port: 9876\n    jvm: {xms: 1g, xmx: 256m}\n",
        ["c.yaml:15: node 'ns1'.jvm: xms 1g is larger than xmx 256m; the JVM refuses to start"],
    ),
    (
        "xmn not below xmx",
        "    port: 9876\n",
        "    port: 9876\n    jvm: {xmx: 256m, xmn: 256m}\n",
        ["c.yaml:15: node 'ns1'.jvm: xmn 256m must be smaller than xmx 256m"],
    ),
    (
        "unknown jvm key",
        "    port: 9876\n",
        "    port: 9876\n    jvm: {heap: 1g}\n",
        ["c.yaml:15: unknown key 'heap' in node 'ns1'.jvm; expected one of: xms, xmx, xmn, max_direct, extra"],
    ),
    (
        "bad backend",
        "    backend: local\n",
        "    backend: docker\n",
        ["c.yaml:8: host 'local'.backend is 'docker'; expected local or ssh"],
    ),
    (
        "ssh key on local host",
        "    address: 127.0.0.1\n",
        "    address: 127.0.0.1\n    user: ops\n",
        ["c.yaml:10: host 'local'.user applies only to ssh hosts; this host has backend: local"],
    ),
    (
        "ssh host without user",
        "hosts:\n",
        "hosts:\n  far:\n    backend: ssh\n    address: 10.0.0.5\n",
        ["c.yaml:8: host 'far' uses backend ssh but has no 'user'"],
    ),
    (
        "jump host unknown",
        "hosts:\n",
        "hosts:\n  far:\n    backend: ssh\n    address: 127.0.0.2\n    user: ops\n    jump_host: bastion\n",
        ["c.yaml:7: host 'far' has jump_host 'bastion' which is not a host of this file; expected one of: far, local"],
    ),
    (
        "version unquoted float",
        '  version: "5.5.1"\n',
        "  version: 5.5\n",
        ["c.yaml:4: rocketmq.version must look like 5.5.1 (quote it), got float '5.5'"],
    ),
    (
        "version too old",
        '  version: "5.5.1"\n',
        '  version: "3.2.6"\n',
        ["c.yaml:4: rocketmq.version 3.2.6 is not supported; expected 4.x or 5.x"],
    ),
    (
        "nodes not a list",
        "nodes:\n",
        "nodes: {}\nx_nodes:\n",
        [
            "c.yaml:10: nodes must be a non-empty list; each item has at least name, kind and host",
            "c.yaml:11: unknown key 'x_nodes' in the cluster file (did you mean 'nodes'?); expected one of: "
            "cluster, rocketmq, work_dir, read_only, hosts, nodes, defaults, topology, copy_to",
        ],
    ),
    (
        "read_only not bool",
        "work_dir: /tmp/rocketui-test\n",
        "work_dir: /tmp/rocketui-test\nread_only: maybe\n",
        ["c.yaml:6: read_only must be true or false, got 'maybe'"],
    ),
    (
        "duplicate key",
        "    port: 9876\n",
        "    port: 9876\n    port: 9877\n",
        ["c.yaml:15: duplicate key 'port' in a node (first at line 14)"],
    ),
    (
        "trailing space in quoted name",
        "cluster: DefaultCluster\n",
        "cluster: 'DefaultCluster '\n",
        ["c.yaml:1: cluster 'DefaultCluster ' has leading/trailing whitespace or is empty; expected a non-empty text"],
    ),
    (
        "same config file twice",
        "  - name: broker-a\n",
        "  - name: broker-b\n    kind: broker\n    host: local\n"
        "    port: 10921\n    broker_name: broker-b\n    config: broker-a.properties\n  - name: broker-a\n",
        [
            "c.yaml:21: node 'broker-a' uses config /broker-a.properties, the same file as 'broker-b'; "
            "each broker needs its own properties file"
        ],
    ),
    (
        "duplicate broker id",
        "nodes:\n",
        "nodes:\n  - name: broker-a2\n    kind: broker\n    host: local\n"
        "    port: 10921\n    broker_name: broker-a\n    config: a2.properties\n",
        [
            "c.yaml:21: broker 'broker-a' has broker_name 'broker-a' and broker_id 0, the same as 'broker-a2'; "
            "expected a unique broker_id per broker_name"
        ],
    ),
    (
        "yaml syntax",
        "    port: 9876\n",
        "    port: [9876\n",
        ["c.yaml:15: YAML syntax error: expected ',' or ']', but got ':' (while parsing a flow sequence)"],
    ),
    (
        "tab indentation",
        "    port: 9876\n",
        "\tport: 9876\n",
        [
            "c.yaml:14: YAML syntax error: found character '\\t' that cannot start any token (while scanning for the next token)"
        ],
    ),
    (
        "host not a mapping",
        "  local:\n    backend: local\n    address: 127.0.0.1\n",
        "  local: here\n",
        ["c.yaml:7: host 'local' must be a mapping (key: value lines), not str 'here'"],
    ),
    (
        "extra not a list",
        "    port: 9876\n",
        "    port: 9876\n    jvm: {extra: '-Xss1m'}\n",
        ["c.yaml:15: node 'ns1'.jvm.extra must be a list of JVM options like ['-XX:+UseG1GC']"],
    ),
]


@pytest.mark.parametrize("desc,old,new,expected", CASES, ids=[c[0] for c in CASES])
def test_malformed(desc: str, old: str, new: str, expected: list[str]) -> None:
    assert old in GOOD, desc
    text = GOOD.replace(old, new, 1)
    got = problems(text)
    # relative config paths of local hosts resolve against the file's directory; normalise for the test
    got = [line.replace(str(Path("c.yaml").resolve().parent), "") for line in got]
    assert got == expected


def test_empty_file() -> None:
    assert problems("") == [
        "c.yaml:1: the file is empty; expected a mapping with keys: "
        "cluster, rocketmq, work_dir, read_only, hosts, nodes, defaults, topology, copy_to"
    ]


def test_top_level_list() -> None:
    assert problems("- a\n- b\n") == ["c.yaml:1: the cluster file must be a mapping (key: value lines), not a list"]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ClusterFileError) as info:
        load_cluster(str(tmp_path / "nope.yaml"))
    assert str(info.value) == f"{tmp_path / 'nope.yaml'}: cluster file not found"


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(b"cluster: \xff\xfe\n")
    with pytest.raises(ClusterFileError) as info:
        load_cluster(str(path))
    assert str(info.value) == f"{path}: not UTF-8 text (invalid start byte at byte 9)"


def test_all_problems_reported_together() -> None:
    text = GOOD.replace("    port: 9876\n", "    port: x\n").replace("    kind: broker\n", "    kind: brokr\n")
    assert problems(text) == [
        "c.yaml:14: node 'ns1'.port must be an integer, got 'x'",
        "c.yaml:16: node 'broker-a'.kind is 'brokr'; expected namesrv, broker, proxy or controller",
    ]


def test_shared_user_home_is_a_warning() -> None:
    text = GOOD.replace("    port: 9876\n", "    port: 9876\n    user_home: /srv/rmq\n").replace(
        "    port: 10911\n", "    port: 10911\n    user_home: /srv/rmq\n"
    )
    cluster = load(text)
    assert cluster.warnings == (
        "nodes 'ns1' and 'broker-a' on host 'local' share user_home /srv/rmq: they write the same log files "
        "(/srv/rmq/logs/rocketmqlogs); set a different user_home per node",
    )


def test_cli_exits_2_with_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rocketui.cli import main

    path = tmp_path / "c.yaml"
    path.write_text(GOOD.replace("    kind: namesrv\n", "    kind: nameserver\n"))
    assert main([str(path), "status"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"{path}:12: node 'ns1'.kind is 'nameserver'; expected namesrv, broker, proxy or controller"
    assert "Traceback" not in err


# ------------------------------------------------------------------ hostile or broken files
@pytest.mark.parametrize(
    "nesting", ["[" * 5000 + "]" * 5000, "[" * 5000, "{a: " * 5000 + "}" * 5000], ids=["closed", "open", "maps"]
)
def test_deep_nesting_is_refused_at_its_line(nesting: str) -> None:
    """PyYAML's composer recurses once per level: a few thousand `[` ended in a RecursionError."""
    text = GOOD.replace("    port: 9876\n", f"    port: 9876\n    jvm: {{extra: {nesting}}}\n", 1)
    assert problems(text) == ["c.yaml:15: the YAML nests more than 32 levels deep here; a cluster file needs about 5"]


def test_deep_nesting_through_the_cli_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rocketui.cli import main

    path = tmp_path / "c.yaml"
    path.write_text(GOOD + "defaults: " + "[" * 5000 + "\n")
    assert main([str(path), "status"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"{path}:21: the YAML nests more than 32 levels deep here; a cluster file needs about 5"


def test_a_huge_file_is_refused_by_its_size_before_any_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import yaml

    from rocketui.cli import main

    path = tmp_path / "huge.yaml"
    with open(path, "w") as f:  # a valid cluster file followed by 20 MB of comments
        f.write(GOOD)
        line = "# " + "x" * 1022 + "\n"
        f.write(line * (20 * 1024))

    def parsed(*_: object, **__: object) -> None:
        raise AssertionError("a file over the limit was handed to the YAML parser")

    monkeypatch.setattr(yaml, "scan", parsed)
    monkeypatch.setattr(yaml, "compose", parsed)
    expected = f"{path}: the file is 20.0 MiB; a cluster file is expected to be under 2 MiB"
    with pytest.raises(ClusterFileError) as info:
        load_cluster(str(path))
    assert str(info.value) == expected
    assert main([str(path), "status"]) == 2
    assert capsys.readouterr().err.strip() == expected
    # a text handed over in memory (the TUI's re-read, the editor) is bounded the same way
    assert problems(GOOD + "#" * (3 * 1024 * 1024)) == [
        "c.yaml: the file is 3.0 MiB; a cluster file is expected to be under 2 MiB (is this the right file?)"
    ]


SPLIT = "which the RocketMQ launchers would split or expand (the path reaches JAVA_OPT unquoted)"


@pytest.mark.parametrize(
    "key,value,line,what",
    [
        ("user_home", "/x -XX:OnOutOfMemoryError=touch${IFS}/tmp/p", 15, "a space"),
        ("user_home", "/x${IFS}-XX:OnOutOfMemoryError=id", 15, "'$' (shell expansion)"),
        ("user_home", "/x$IFS-XX:OnOutOfMemoryError=id", 15, "'$' (shell expansion)"),
        ("user_home", "/x`touch /tmp/p`", 15, "'`' (command substitution)"),
        ("user_home", "/x$(touch /tmp/p)", 15, "'$' (shell expansion)"),
        ("work_dir", "/srv/rocket mq", 5, "a space"),
        ("work_dir", "/srv/x;-XX:OnOutOfMemoryError=id", 5, "';'"),
    ],
)
def test_paths_that_would_become_jvm_options_are_refused(key: str, value: str, line: int, what: str) -> None:
    """`-Duser.home=<dir>` goes into JAVA_OPT_EXT, which the launchers expand unquoted: a user_home
    of "/x -XX:OnOutOfMemoryError=touch${IFS}/tmp/p" put an option on the JVM and ran a command."""
    quoted = "'" + value.replace("'", "''") + "'"
    if key == "work_dir":
        text = GOOD.replace("work_dir: /tmp/rocketui-test\n", f"work_dir: {quoted}\n", 1)
        where = "work_dir"
    else:
        text = GOOD.replace("    port: 9876\n", f"    port: 9876\n    {key}: {quoted}\n", 1)
        where = f"node 'ns1'.{key}"
    [got] = problems(text)
    assert got.startswith(f"c.yaml:{line}: {where} {value!r} contains {what}, {SPLIT}"), got


NO_USER = "nosuchuser-rocketui"


def test_home_of_an_unknown_user_is_refused_for_local_hosts() -> None:
    import pwd

    with pytest.raises(KeyError):
        pwd.getpwnam(NO_USER)  # the test's premise: no such user on this machine
    text = GOOD.replace("    port: 9876\n", f"    port: 9876\n    user_home: ~{NO_USER}/rmq\n", 1)
    text = text.replace("  home: /opt/rocketmq\n", f"  home: ~{NO_USER}/rocketmq\n", 1)
    reason = f"there is no user {NO_USER!r} on this machine; write the path out"
    assert problems(text) == [
        f"c.yaml:3: rocketmq.home '~{NO_USER}/rocketmq' starts with '~{NO_USER}', but {reason}",
        f"c.yaml:15: node 'ns1'.user_home '~{NO_USER}/rmq' starts with '~{NO_USER}', but {reason}",
    ]
    # an existing user and one's own home are fine
    ok = load(GOOD.replace("    port: 9876\n", "    port: 9876\n    user_home: ~root/rmq\n", 1))
    assert ok.node("ns1").user_home == "~root/rmq"
    assert load(GOOD.replace("    port: 9876\n", "    port: 9876\n    user_home: ~/rmq\n", 1)).node("ns1").user_home


def test_home_of_a_user_is_left_to_an_ssh_host() -> None:
    """`~user` on an ssh host is that host's user: not looked up on this machine."""
    text = (
        GOOD.replace(
            "    backend: local\n    address: 127.0.0.1\n", "    backend: ssh\n    address: 127.0.0.2\n    user: rmq\n"
        )
        .replace("  home: /opt/rocketmq\n", f"  home: ~{NO_USER}/rocketmq\n")
        .replace("    port: 9876\n", f"    port: 9876\n    user_home: ~{NO_USER}/rmq\n", 1)
    )
    cluster = load(text)
    assert cluster.node("ns1").user_home == f"~{NO_USER}/rmq"
    assert cluster.rocketmq.home == f"~{NO_USER}/rocketmq"
