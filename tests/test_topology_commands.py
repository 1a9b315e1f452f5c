"""`rocketui init` and `rocketui CLUSTER.yaml generate` on this machine's filesystem (no JVMs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rocketui.cli import main
from rocketui.model.loader import load_cluster
from rocketui.model.topology import FileState


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def init(tmp_path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> Path:
    out = tmp_path / "c.yaml"
    code, stdout, err = run(
        capsys,
        "init",
        "--topology",
        "2m-2s-sync",
        "--hosts",
        "local=127.0.0.1",
        "--namesrvs",
        "2",
        "--work-dir",
        str(tmp_path / "work"),
        *extra,
        str(out),
    )
    assert code == 0, err
    assert "wrote" in stdout and "namesrv-2@local:9886" in stdout
    return out


def test_init_writes_a_cluster_file_that_loads(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = init(tmp_path, capsys)
    cluster = load_cluster(str(out))
    assert cluster.topology is not None and cluster.topology.label == "2m-2s-sync"
    assert [n.name for n in cluster.nodes] == [
        "namesrv-1",
        "namesrv-2",
        "broker-a",
        "broker-b",
        "broker-a-s",
        "broker-b-s",
    ]
    assert cluster.node("broker-a").config == str(tmp_path / "c" / "broker-a.properties")
    assert cluster.node("broker-a").jvm.java_opt_ext() == "-Xms256m -Xmx256m -Xmn128m -XX:MaxDirectMemorySize=256m"
    assert cluster.work_dir == str(tmp_path / "work")


def test_init_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = init(tmp_path, capsys)
    code, _, err = run(capsys, "init", "--topology", "2m-noslave", str(out))
    assert code == 2 and err == f"rocketui init: {out} already exists; use --force to overwrite it\n"
    code, _, _ = run(capsys, "init", "--topology", "2m-noslave", "--force", str(out))
    assert code == 0 and load_cluster(str(out)).topology.label == "2m-noslave"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "args,message",
    [
        (
            ["--topology", "2m-3s-sync"],
            "rocketui init: topology '2m-3s-sync': 3 slaves cannot be shared evenly by "
            "2 masters; expected a multiple of 2\n",
        ),
        (
            ["--topology", "two-masters"],
            "rocketui init: topology 'two-masters' is not a layout name; expected "
            "Nm-noslave, Nm-Ks-sync|async, Nm-Ks-controller, local-proxy or cluster-proxy\n",
        ),
        (
            ["--topology", "2m-noslave", "--hosts", "local"],
            "rocketui init: --hosts 'local': expected NAME=ADDRESS or NAME=USER@ADDRESS[:PORT]\n",
        ),
        (
            ["--topology", "2m-noslave", "--heap", "lots"],
            "rocketui init: --heap 'lots': expected a JVM size like 256m or 1g\n",
        ),
    ],
)
def test_init_bad_options(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    code, _, err = run(capsys, "init", *args, str(tmp_path / "c.yaml"))
    assert (code, err) == (2, message)
    assert not (tmp_path / "c.yaml").exists()


def test_init_invalid_result_names_the_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "init", "--topology", "2m-noslave", "--port-step", "2", str(tmp_path / "c.yaml"))
    assert code == 2
    assert err.splitlines()[1].endswith(
        "topology.port_step 2 is out of range; expected 3 to 1000 (a broker listens on port-2, port and port+1)"
    )


def test_init_ssh_hosts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "prod.yaml"
    code, _, err = run(
        capsys,
        "init",
        "--topology",
        "2m-2s-async",
        "--hosts",
        "mq1=ops@10.0.0.1,mq2=ops@10.0.0.2:2222",
        "--hosts",
        "mq3=ops@10.0.0.3",
        str(out),
    )
    assert code == 0, err
    cluster = load_cluster(str(out))
    assert [(h.name, h.user, h.port) for h in cluster.hosts] == [
        ("mq1", "ops", 22),
        ("mq2", "ops", 2222),
        ("mq3", "ops", 22),
    ]
    assert cluster.node("broker-a-s").host == "mq3"
    assert cluster.node("broker-a").config == "~/.local/state/rocketui/prod/broker-a/broker.properties"


def test_generate_preview_write_and_protect_edits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = init(tmp_path, capsys)
    conf = tmp_path / "c"
    code, stdout, _ = run(capsys, str(out), "generate", "--dry-run")
    assert code == 0 and not conf.exists()
    assert f"broker-a: local:{conf}/broker-a.properties: missing" in stdout
    assert f"+++ local:{conf}/broker-a.properties (generated)" in stdout and "+brokerRole=SYNC_MASTER" in stdout
    assert run(capsys, str(out), "generate", "--check")[0] == 1

    code, stdout, _ = run(capsys, str(out), "generate")
    assert code == 0 and f"wrote local:{conf}/broker-b-s.properties" in stdout
    assert sorted(p.name for p in conf.iterdir()) == [
        "broker-a-s.properties",
        "broker-a.properties",
        "broker-b-s.properties",
        "broker-b.properties",
    ]
    assert f"storePathRootDir={tmp_path}/work/broker-a/store" in (conf / "broker-a.properties").read_text()
    assert run(capsys, str(out), "generate", "--check")[0] == 0
    code, stdout, _ = run(capsys, str(out), "generate")
    assert code == 0 and "every generated file is up to date" in stdout

    # A change in the cluster file: untouched generated files are simply replaced, with a diff.
    out.write_text(out.read_text().replace("  flush: async", "  flush: sync"))
    code, stdout, _ = run(capsys, str(out), "generate")
    assert code == 0 and "-flushDiskType=ASYNC_FLUSH\n+flushDiskType=SYNC_FLUSH" in stdout

    # A hand edit is detected by the header hash and protected.
    edited = (conf / "broker-a.properties").read_text().replace("fileReservedTime=48", "fileReservedTime=12")
    (conf / "broker-a.properties").write_text(edited)
    code, stdout, err = run(capsys, str(out), "generate", "--dry-run")
    assert code == 0 and f"broker-a: local:{conf}/broker-a.properties: {FileState.EDITED.value} (use --force" in stdout
    assert "-fileReservedTime=12\n+fileReservedTime=48" in stdout
    out.write_text(out.read_text().replace("  flush: sync", "  flush: async"))
    code, _, err = run(capsys, str(out), "generate")
    assert code == 1 and f"refusing to overwrite {conf}/broker-a.properties (edited by hand)" in err
    assert (conf / "broker-a.properties").read_text() == edited  # nothing written, not even the others
    assert "SYNC_FLUSH" in (conf / "broker-b.properties").read_text()
    code, stdout, _ = run(capsys, str(out), "generate", "--force")
    assert code == 0 and "fileReservedTime=48" in (conf / "broker-a.properties").read_text()
    assert "ASYNC_FLUSH" in (conf / "broker-b.properties").read_text()


def test_generate_protects_a_file_without_header(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = init(tmp_path, capsys)
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "broker-a.properties").write_text("brokerName=broker-a\n")  # e.g. rewritten by the broker
    code, _, err = run(capsys, str(out), "generate")
    assert code == 1 and "(not generated by rocketui)" in err
    assert (tmp_path / "c" / "broker-a.properties").read_text() == "brokerName=broker-a\n"


def test_generate_without_topology(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))  # the sample is opened as the operator's copy, made here
    repo = Path(__file__).resolve().parent.parent
    code, _, err = run(capsys, str(repo / "clusters" / "local.yaml"), "generate")
    assert code == 2 and "has no topology: section" in err


def test_shipped_generated_files_are_current(capsys: pytest.CaptureFixture[str]) -> None:
    repo = Path(__file__).resolve().parent.parent
    for name in ("2m-noslave", "2m-2s-async", "2m-2s-sync"):
        code, stdout, _ = run(capsys, str(repo / "clusters" / f"{name}.yaml"), "generate", "--check")
        assert code == 0, stdout


def test_restart_rolling_dry_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = init(tmp_path, capsys)
    code, stdout, err = run(capsys, str(out), "restart", "--rolling", "--dry-run")
    assert code == 0 and stdout == "rolling restart order: broker-a-s → broker-a → broker-b-s → broker-b\n"
    assert "each master is drained" in err
    code, stdout, _ = run(capsys, str(out), "restart", "--rolling", "--dry-run", "broker-b", "broker-b-s")
    assert code == 0 and stdout == "rolling restart order: broker-b-s → broker-b\n"
    code, _, err = run(capsys, str(out), "restart", "--rolling", "namesrv-1")
    assert code == 2 and "no brokers selected" in err
