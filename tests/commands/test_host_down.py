"""A host that cannot be reached, from the command line: no traceback, a clear line per node, a
non-zero exit, and stop --all never takes down what the unreachable node depends on."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.ports import broker_port, namesrv_port
from tests.support.rocketmq import kill_jvms_under, rocketmq_home
from tests.support.sshd import CLOSED

pytestmark = [pytest.mark.rocketmq]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A real namesrv here; a broker on an SSH host where nothing listens."""
    tmp = tmp_path_factory.mktemp("hostdown")
    path = tmp / "c.yaml"
    path.write_text(
        f"""\
cluster: C
rocketmq: {{home: {rocketmq_home()}, version: "5.5.0"}}
work_dir: {tmp}/work
hosts:
  here: {{backend: local, address: 127.0.0.1}}
  gone: {{backend: ssh, address: {CLOSED[0]}, port: {CLOSED[1]}, user: root, trust_on_first_use: true,
          known_hosts: {tmp}/known_hosts, connect_timeout: 2}}
nodes:
  - {{name: ns, kind: namesrv, host: here, port: {namesrv_port()}, listen_address: 127.0.0.1,
     jvm: {{xms: 128m, xmx: 128m, xmn: 64m}}}}
  - {{name: broker-x, kind: broker, host: gone, port: {broker_port()}, broker_name: broker-x,
     config: /etc/broker-x.properties}}
"""
    )
    try:
        assert rocketui(path, "start", "ns").returncode == 0
        yield path
    finally:
        kill_jvms_under(str(tmp))


def rocketui(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rocketui", str(path), *args], capture_output=True, text=True, timeout=120
    )


def no_traceback(out: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in out.stdout + out.stderr, out.stderr


def test_stop_all_keeps_the_namesrv_of_an_unreachable_broker(cluster: Path) -> None:
    out = rocketui(cluster, "stop", "--all")
    no_traceback(out)
    assert out.returncode == 1
    assert "broker-x: FAILED:" in out.stderr and "cannot connect" in out.stderr
    assert "ns: not stopped: broker-x did not stop" in out.stderr and "--force" in out.stderr
    status = rocketui(cluster, "status")
    assert "running" in next(line for line in status.stdout.splitlines() if line.startswith("ns "))


def test_start_stop_and_dry_run_of_the_unreachable_node_say_why(cluster: Path) -> None:
    for args in (("start", "broker-x"), ("stop", "broker-x"), ("restart", "broker-x")):
        out = rocketui(cluster, *args)
        no_traceback(out)
        assert out.returncode == 1 and f"rocketui {args[0]}: broker-x: " in out.stderr, out.stderr
        assert "gone" in out.stderr
    out = rocketui(cluster, "stop", "--all", "--dry-run")
    no_traceback(out)
    assert out.returncode == 0 and "broker-x: gone: cannot tell" in out.stdout
    out = rocketui(cluster, "status")
    no_traceback(out)
    assert out.returncode == 1 and "host gone: unreachable" in out.stdout


def test_status_when_no_host_answers_exits_non_zero(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        'cluster: C\nrocketmq: {home: /opt/rmq, version: "5.5.0"}\nwork_dir: /tmp/w\nhosts:\n'
        f"  gone: {{backend: ssh, address: {CLOSED[0]}, port: {CLOSED[1]}, user: root, connect_timeout: 2,\n"
        f"          known_hosts: {tmp_path}/kh}}\n"
        "nodes:\n  - {name: ns, kind: namesrv, host: gone, port: 9876}\n"
    )
    out = rocketui(path, "status")
    no_traceback(out)
    assert out.returncode == 1 and "no host answered: gone" in out.stderr


def test_reading_logs_and_settings_of_the_unreachable_node_says_which_host(cluster: Path) -> None:
    for args in (
        ("logs", "broker-x"),
        ("logs", "broker-x", "--list"),
        ("config", "broker-x", "get"),
        ("jvm", "broker-x", "get"),
    ):
        out = rocketui(cluster, *args)
        no_traceback(out)
        assert out.returncode == 1, (args, out.stdout, out.stderr)
        assert f"rocketui {args[0]}: gone (" in out.stderr and "cannot connect" in out.stderr, (args, out.stderr)
    out = rocketui(cluster, "logs", "--merged", "-n", "5")
    no_traceback(out)  # the reachable node's lines are still printed; the other is named
    assert out.returncode == 1 and "rocketui logs: broker-x: gone (" in out.stderr, out.stderr
