"""`rocketui CLUSTER.yaml jvm NODE get|set` on a throwaway cluster file and RocketMQ home (no JVMs)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rocketui.backends.base import ProcessInfo
from rocketui.backends.local import LocalBackend
from rocketui.cli import main
from rocketui.rocketmq.install import render_script
from tests.support.rocketmq import write_cluster
from tests.support.unprivileged import as_user, nobody, require_root, run_cli, shared_dir, user_tree


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    (home / "bin").mkdir(parents=True)
    for name in ("runbroker.sh", "runserver.sh"):
        (home / "bin" / name).write_text(render_script(name))
        (home / "bin" / name).chmod(0o755)
    return home


@pytest.fixture
def cluster_file(tmp_path: Path, home: Path) -> Path:
    path = write_cluster(tmp_path, home, namesrv_port=34876, brokers=[("broker-a", 34911), ("broker-b", 34921)])
    # only broker-a keeps the defaults' heap (JAVA_OPT_EXT); broker-b takes its heap from the script
    text = path.read_text()
    defaults = re.search(r"defaults:\n  jvm: (\{.*\})\n", text)
    assert defaults
    text = text.replace(defaults.group(0), "").replace(
        "    config: broker-a.properties\n", f"    config: broker-a.properties\n    jvm: {defaults.group(1)}\n"
    )
    path.write_text(text)
    return path


@pytest.fixture
def fake_jvms(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[ProcessInfo]:
    """What LocalBackend.processes reports: broker-a running with the cluster file's heap."""
    argv = (
        "/usr/lib/jvm/bin/java",
        "-server",
        "-Xms8g",
        "-Xmx8g",
        "-XX:MaxDirectMemorySize=15g",
        "-Xms256m",
        "-Xmx256m",
        "-Xmn128m",
        "-XX:MaxDirectMemorySize=256m",
        "-cp",
        "x",
        "org.apache.rocketmq.broker.BrokerStartup",
        "-c",
        str(tmp_path / "broker-a.properties"),
    )
    procs = [ProcessInfo(4242, 1, 4242, 1, 0.0, argv)]

    async def processes(self: LocalBackend, name: str = "java") -> list[ProcessInfo]:
        return list(procs)

    monkeypatch.setattr(LocalBackend, "processes", processes)
    return procs


def test_get(cluster_file: Path, home: Path, fake_jvms: list[ProcessInfo], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, str(cluster_file), "jvm", "broker-a", "get")
    assert (code, err) == (0, "")
    assert out == (
        f"local:{home}/bin/runbroker.sh\n"
        "  -Xms                       8g (line 71)\n"
        "  -Xmx                       8g (line 71)\n"
        "  -Xmn                       4g (line 57); not on line 71 (which set -Xmx), so only some Java versions get it\n"
        "  -XX:MetaspaceSize          not set\n"
        "  -XX:MaxMetaspaceSize       not set\n"
        "  -XX:MaxDirectMemorySize    15g (line 75)\n"
        "broker-a: the cluster file overrides -Xms256m -Xmx256m -Xmn128m -XX:MaxDirectMemorySize=256m (JAVA_OPT_EXT)\n"
        "broker-a: running (pid 4242) with -Xms256m -Xmx256m -XX:MaxDirectMemorySize=256m -Xmn128m; matches the "
        "script\n"
        "broker-b: not running\n"
    )


def test_set_edits_the_shared_script(
    cluster_file: Path, home: Path, tmp_path: Path, fake_jvms: list[ProcessInfo], capsys: pytest.CaptureFixture[str]
) -> None:
    script = home / "bin" / "runbroker.sh"
    before = script.read_text()
    code, out, err = run(
        capsys,
        str(cluster_file),
        "jvm",
        "broker-b",
        "set",
        "--xms",
        "512m",
        "--xmx",
        "512m",
        "--xmn",
        "256m",
        "--max-direct",
        "1g",
    )
    assert code == 0, err
    assert (
        '-JAVA_OPT="${JAVA_OPT} -server -Xms8g -Xmx8g"\n+JAVA_OPT="${JAVA_OPT} -server -Xms512m -Xmx512m '
        '-Xmn256m"\n' in out
    )
    assert script.read_text() == before.replace("-server -Xms8g -Xmx8g", "-server -Xms512m -Xmx512m -Xmn256m").replace(
        "-Xmn4g -XX:+UseConcMarkSweepGC", "-Xmn256m -XX:+UseConcMarkSweepGC"
    ).replace("-XX:MaxDirectMemorySize=15g", "-XX:MaxDirectMemorySize=1g")
    assert oct(script.stat().st_mode & 0o777) == "0o755"
    assert "note: runbroker.sh on host 'local' is used by 2 nodes: broker-a, broker-b\n" in err
    assert (
        "note: broker-a: the cluster file sets -Xms256m -Xmx256m -Xmn128m -XX:MaxDirectMemorySize=256m (jvm: of "
        "the node or defaults, passed as JAVA_OPT_EXT), which overrides the script; edit the cluster file to "
        "change it\n"
    ) in err
    assert f"wrote local:{script} (previous version kept as {script}.bak." in err
    assert "restart needed" not in err  # broker-a's JAVA_OPT_EXT still decides its flags


def test_restart_needed_after_an_edit(
    cluster_file: Path, home: Path, tmp_path: Path, fake_jvms: list[ProcessInfo], capsys: pytest.CaptureFixture[str]
) -> None:
    """broker-b runs with the script's flags; after an edit it needs a restart."""
    argv = (
        "/usr/lib/jvm/bin/java",
        "-server",
        "-Xms8g",
        "-Xmx8g",
        "-XX:MaxDirectMemorySize=15g",
        "-cp",
        "x",
        "org.apache.rocketmq.broker.BrokerStartup",
        "-c",
        str(tmp_path / "broker-b.properties"),
    )
    fake_jvms.append(ProcessInfo(4343, 1, 4343, 1, 0.0, argv))
    code, out, _ = run(capsys, str(cluster_file), "jvm", "broker-b", "get")
    assert (
        code == 0
        and "broker-b: running (pid 4343) with -Xms8g -Xmx8g -XX:MaxDirectMemorySize=15g; matches the script\n" in out
    )
    code, _, err = run(capsys, str(cluster_file), "jvm", "broker-b", "set", "--xms", "16g", "--xmx", "16g")
    assert code == 0
    assert (
        "note: broker-b: running (pid 4343) with -Xms8g -Xmx8g -XX:MaxDirectMemorySize=15g; restart needed: "
        "running with -Xms8g, the script now gives -Xms16g; running with -Xmx8g, the script now gives -Xmx16g\n"
    ) in err


@pytest.mark.parametrize(
    "args,message",
    [
        (
            ["--xms", "1g", "--xmx", "512m", "--xmn", "128m"],
            "error: -Xms1g (line 71) is larger than -Xmx512m (line 71)\n",
        ),
        (
            ["--xmx", "512m", "--xms", "512m"],
            "error: -Xmn4g (line 57) must be smaller than -Xmx512m (line 71); set -Xmn "
            "too (say, a third to a half of -Xmx) or remove it\n",
        ),
        (
            ["--xmx", "lots"],
            "error: -Xmx: 'lots' is not a JVM size; expected a number with k, m, g or t, like 256m or 8g\n",
        ),
        (["--xmx", "none"], "error: -Xmx cannot be removed"),
        ([], "rocketui jvm: nothing to do; give --xms"),
    ],
)
def test_set_refuses(
    cluster_file: Path,
    home: Path,
    fake_jvms: list[ProcessInfo],
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    script = home / "bin" / "runbroker.sh"
    before = script.read_bytes()
    code, out, err = run(capsys, str(cluster_file), "jvm", "broker-a", "set", *args)
    assert code == 2 and message in err
    assert script.read_bytes() == before and sorted(p.name for p in script.parent.iterdir()) == [
        "runbroker.sh",
        "runserver.sh",
    ]


def test_dry_run_and_namesrv_script(
    cluster_file: Path, home: Path, fake_jvms: list[ProcessInfo], capsys: pytest.CaptureFixture[str]
) -> None:
    script = home / "bin" / "runserver.sh"
    before = script.read_bytes()
    code, out, err = run(
        capsys, str(cluster_file), "jvm", "ns", "set", "--xms", "256m", "--xmx", "256m", "--xmn", "none", "--dry-run"
    )
    assert code == 0, err
    assert out.count('+        JAVA_OPT="${JAVA_OPT} -server -Xms256m -Xmx256m -XX:MetaspaceSize=128m') == 2
    assert "note: runserver.sh on host 'local' is used by 1 node: ns\n" in err
    assert err.endswith("dry run: nothing written\n") and script.read_bytes() == before


def test_missing_script(cluster_file: Path, home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (home / "bin" / "runbroker.sh").unlink()
    code, _, err = run(capsys, str(cluster_file), "jvm", "broker-a", "get")
    assert code == 2 and err == f"rocketui jvm: {home}/bin/runbroker.sh does not exist on host 'local'\n"


def test_set_on_a_read_only_launcher_as_an_unprivileged_user_is_refused() -> None:
    """`jvm set` by nobody on its own 0555 runbroker.sh: exit 1, the script untouched, no backup."""
    require_root()
    with shared_dir() as shared:
        home = shared / "home"
        (home / "bin").mkdir(parents=True)
        script = home / "bin" / "runbroker.sh"
        script.write_text(render_script("runbroker.sh"))
        cluster_file = write_cluster(shared, home, namesrv_port=34876, brokers=[("broker-a", 34911)])
        env = user_tree(shared, nobody())
        script.chmod(0o555)
        before = script.read_bytes()
        argv = [str(cluster_file), "jvm", "broker-a", "set", "--xms", "512m", "--xmx", "512m", "--xmn", "256m"]
        code, out, err = as_user(nobody(), run_cli, argv, env)
        assert code == 1 and "-Xms512m" in out
        assert err.splitlines()[-1] == (
            f"rocketui jvm: not saved: host 'local': {script} is not writable by user nobody "
            "(mode 0555, owner nobody:nogroup); nothing was written"
        )
        assert script.read_bytes() == before and sorted(p.name for p in script.parent.iterdir()) == ["runbroker.sh"]


def test_get_and_set_leave_here_document_lines_alone(
    cluster_file: Path, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = home / "bin" / "runbroker.sh"
    text = script.read_text()
    heap = 'JAVA_OPT="${JAVA_OPT} -server -Xms8g -Xmx8g"\n'
    assert heap in text
    sample = "cat > /dev/null <<'SAMPLE'\nJAVA_OPT=\"${JAVA_OPT} -Xms1g -Xmx1g\"\nSAMPLE\n"
    script.write_text(text.replace(heap, heap + sample))
    number = text[: text.index(heap)].count("\n") + 3  # the JAVA_OPT line inside the here-document
    code, out, _ = run(capsys, str(cluster_file), "jvm", "broker-b", "get")
    assert code == 0
    assert (
        f"  line {number} is never edited (inside a here-document (<<'SAMPLE', line {number - 1}): text for a "
        "command, not this script's options): " + 'JAVA_OPT="${JAVA_OPT} -Xms1g -Xmx1g"'
    ) in out.splitlines()
    code, out, err = run(
        capsys, str(cluster_file), "jvm", "broker-b", "set", "--xms", "512m", "--xmx", "512m", "--xmn", "256m"
    )
    assert code == 0, err
    assert f"note: line {number} mentions -Xms1g -Xmx1g inside a here-document" in err
    new = script.read_text()
    assert 'JAVA_OPT="${JAVA_OPT} -Xms1g -Xmx1g"\n' in new and "-server -Xms512m -Xmx512m" in new
