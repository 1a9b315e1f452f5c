"""`rocketui CLUSTER.yaml config NODE get|set` on a throwaway cluster file (no JVMs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rocketui.cli import main
from tests.support.rocketmq import broker_properties, write_cluster
from tests.support.unprivileged import as_user, nobody, require_root, run_cli, shared_dir, user_tree


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def cluster_file(tmp_path: Path) -> Path:
    return write_cluster(tmp_path, tmp_path / "home", namesrv_port=34876, brokers=[("broker-a", 34911)])


def files(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in tmp_path.iterdir() if p.is_file())


def test_get_all_and_some(cluster_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, str(cluster_file), "config", "broker-a", "get")
    assert (code, err) == (0, "")
    assert out.splitlines()[:4] == [
        "brokerClusterName=TestCluster",
        "brokerName=broker-a",
        "brokerId=0",
        "brokerRole=ASYNC_MASTER",
    ]
    code, out, err = run(capsys, str(cluster_file), "config", "broker-a", "get", "listenPort", "deleteWhen")
    assert (code, out) == (1, "listenPort=34911\n")
    assert err == f"deleteWhen: not set in {cluster_file.parent}/broker-a.properties (RocketMQ default: 04)\n"
    code, out, err = run(capsys, str(cluster_file), "config", "broker-a", "get", "brokerNmae")
    assert (code, out) == (2, "")
    assert err == (
        "rocketui config: unknown key 'brokerNmae': RocketMQ silently ignores it; did you mean "
        "'brokerName'? (checked against the bundled key list of RocketMQ 5.5.0)\n"
    )


def test_set_writes_prints_the_diff_and_keeps_a_backup(
    cluster_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "broker-a.properties"
    before = config.read_bytes()
    code, out, err = run(
        capsys, str(cluster_file), "config", "broker-a", "set", "deleteWhen=01;04", "autoCreateTopicEnable=false"
    )
    assert code == 0, err
    assert out == (
        f"--- {config}\n+++ {config} (edited)\n@@ -8,4 +8,5 @@\n brokerIP1=127.0.0.1\n"
        " brokerIP2=127.0.0.1\n bindAddress=127.0.0.1\n-autoCreateTopicEnable=true\n"
        "+autoCreateTopicEnable=false\n+deleteWhen=01;04\n"
    )
    assert (
        "note: can also be applied to a running broker without a restart (mqadmin updateBrokerConfig): "
        "deleteWhen, autoCreateTopicEnable\n" in err
    )
    assert config.read_bytes() == before.replace(
        b"autoCreateTopicEnable=true\n", b"autoCreateTopicEnable=false\ndeleteWhen=01;04\n"
    )
    backups = [n for n in files(tmp_path) if n.startswith("broker-a.properties.bak.")]
    assert len(backups) == 1 and (tmp_path / backups[0]).read_bytes() == before
    assert err.endswith(f"wrote local:{config} (previous version kept as {tmp_path / backups[0]})\n")


def test_set_refuses_invalid_values(cluster_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = files(tmp_path)
    config_bytes = (tmp_path / "broker-a.properties").read_bytes()
    code, out, err = run(
        capsys,
        str(cluster_file),
        "config",
        "broker-a",
        "set",
        "namesrvAddr=127.0.0.1:9876,127.0.0.2:9876",
        "diskMaxUsedSpaceRatio=99",
    )
    assert code == 2
    assert "error: line 12: namesrvAddr='127.0.0.1:9876,127.0.0.2:9876': separate name servers with ';', not ','" in err
    assert (
        "error: line 13: diskMaxUsedSpaceRatio='99': expected 10 to 95% (RocketMQ silently clamps other values "
        "to 10-95)\n" in err
    )
    assert err.endswith("rocketui config: not saved: fix the errors above\n")
    assert (tmp_path / "broker-a.properties").read_bytes() == config_bytes and files(tmp_path) == before


def test_dry_run_writes_nothing(cluster_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = files(tmp_path)
    config_bytes = (tmp_path / "broker-a.properties").read_bytes()
    code, out, err = run(
        capsys,
        str(cluster_file),
        "config",
        "broker-a",
        "set",
        "brokerId=1",
        "brokerRole=SLAVE",
        "--unset",
        "autoCreateTopicEnable",
        "--dry-run",
    )
    assert code == 0
    assert "-brokerId=0\n-brokerRole=ASYNC_MASTER\n+brokerId=1\n+brokerRole=SLAVE\n" in out
    assert "-autoCreateTopicEnable=true\n" in out
    assert "warning: " in err and "rocketui start refuses the node until the cluster file and this file agree" in err
    assert "note: takes effect when the broker restarts: brokerId, brokerRole, autoCreateTopicEnable\n" in err
    assert err.endswith("dry run: nothing written\n")
    assert (tmp_path / "broker-a.properties").read_bytes() == config_bytes and files(tmp_path) == before


def test_no_change(cluster_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = files(tmp_path)
    code, out, err = run(capsys, str(cluster_file), "config", "broker-a", "set", "brokerId=0")
    assert (code, out, err) == (0, f"{tmp_path / 'broker-a.properties'}: no change\n", "")
    assert files(tmp_path) == before


@pytest.mark.parametrize(
    "argv,message",
    [
        (
            ["config", "ns", "get"],
            "rocketui config: node 'ns' is a namesrv: its properties file is written from the cluster file",
        ),
        (["config", "nope", "get"], "rocketui config: unknown node(s): nope; nodes in "),
        (["config", "broker-a", "set", "brokerRole"], "rocketui config: 'brokerRole': expected KEY=VALUE"),
        (["config", "broker-a", "set"], "rocketui config: nothing to do; give KEY=VALUE or --unset KEY"),
    ],
)
def test_usage_errors(cluster_file: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    code, _, err = run(capsys, str(cluster_file), *argv)
    assert code == 2 and err.startswith(message)


def test_read_only_cluster_refuses_to_write(
    cluster_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cluster_file.write_text(cluster_file.read_text() + "read_only: true\n")
    config_bytes = (tmp_path / "broker-a.properties").read_bytes()
    code, _, err = run(capsys, str(cluster_file), "config", "broker-a", "set", "fileReservedTime=24")
    assert code == 2 and err.endswith(
        "rocketui config: read-only mode: refusing to config save node 'broker-a'; nothing written\n"
    )
    assert (tmp_path / "broker-a.properties").read_bytes() == config_bytes
    code, _, _ = run(capsys, str(cluster_file), "config", "broker-a", "set", "fileReservedTime=24", "--dry-run")
    assert code == 0


def test_crlf_file_with_comments_round_trips(
    cluster_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "broker-a.properties"
    text = broker_properties("broker-a", 34911, cluster="TestCluster").replace("\n", "\r\n")
    config.write_bytes(("# keep me\r\n" + text + "! and me\r\n").encode())
    code, _, err = run(capsys, str(cluster_file), "config", "broker-a", "set", "flushDiskType=SYNC_FLUSH")
    assert code == 0, err
    assert (
        config.read_bytes() == ("# keep me\r\n" + text.replace("ASYNC_FLUSH", "SYNC_FLUSH") + "! and me\r\n").encode()
    )


def test_set_on_a_write_protected_file_as_an_unprivileged_user_is_refused() -> None:
    """`config set` by nobody on its own 0444 broker.conf (in a directory nobody may write): exit 1,
    one line naming host, path and why, the file untouched, nothing else written but the journal."""
    require_root()
    with shared_dir() as shared:
        cluster_file = write_cluster(shared, shared / "home", namesrv_port=34876, brokers=[("broker-a", 34911)])
        env = user_tree(shared, nobody())
        config = shared / "broker-a.properties"
        config.chmod(0o444)
        before = config.read_bytes()
        listing = sorted(p.name for p in shared.iterdir())
        code, out, err = as_user(
            nobody(), run_cli, [str(cluster_file), "config", "broker-a", "set", "deleteWhen=01"], env
        )
        assert code == 1 and "+deleteWhen=01" in out
        assert err.splitlines()[-1] == (
            f"rocketui config: not saved: host 'local': {config} is not writable by user nobody "
            "(mode 0444, owner nobody:nogroup); nothing was written"
        )
        assert config.read_bytes() == before and config.stat().st_mode & 0o7777 == 0o444
        assert sorted(p.name for p in shared.iterdir()) == listing


def test_a_journal_that_cannot_be_written_is_a_warning_not_the_result(
    cluster_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "blocker").write_text("")
    monkeypatch.setenv("ROCKETUI_JOURNAL", str(tmp_path / "blocker" / "journal.jsonl"))
    code, _, err = run(capsys, str(cluster_file), "config", "broker-a", "set", "deleteWhen=02")
    assert code == 0  # the save itself succeeded
    assert b"deleteWhen=02\n" in (tmp_path / "broker-a.properties").read_bytes()
    [warning] = [line for line in err.splitlines() if line.startswith("warning: journal")]
    assert warning.startswith("warning: journal: could not record 'config save': ")
    assert err.splitlines()[-1].startswith(f"wrote local:{tmp_path / 'broker-a.properties'}")


@pytest.mark.ssh
def test_set_over_ssh_on_a_file_the_login_user_may_not_write_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    """The same refusal over SFTP, for a non-root login user: exit 1, the file untouched."""
    from tests.support.unprivileged import login_user, owned, sshd_for

    require_root()
    with shared_dir("rocketui-sshcli-") as shared, login_user(shared) as user, sshd_for(user, shared) as server:
        conf = shared / "conf"
        conf.mkdir()
        owned(conf, user, 0o755)
        config = conf / "broker-a.properties"
        config.write_text(broker_properties("broker-a", 34911))
        owned(config, user, 0o444)
        before = config.read_bytes()
        path = shared / "cluster.yaml"
        path.write_text(f"""\
cluster: TestCluster
rocketmq: {{home: /opt/rocketmq, version: "5.5.0"}}
work_dir: /tmp/rocketui-unused
hosts:
  h1: {{backend: ssh, address: {server.address}, port: {server.port}, user: {user.name},
        identity_file: {server.keys.key}, known_hosts: {server.known_hosts_file()}}}
nodes:
  - {{name: ns, kind: namesrv, host: h1, port: 34876}}
  - {{name: broker-a, kind: broker, host: h1, port: 34911, broker_name: broker-a, config: {config}}}
""")
        code, out, err = run(capsys, str(path), "config", "broker-a", "set", "deleteWhen=01")
        assert code == 1 and "+deleteWhen=01" in out
        assert err.splitlines()[-1] == (
            f"rocketui config: not saved: host 'h1': {config} is not writable by user {user.name} "
            f"(mode 0444, owner {user.name}:{user.name}); nothing was written"
        )
        assert config.read_bytes() == before and sorted(p.name for p in conf.iterdir()) == ["broker-a.properties"]
