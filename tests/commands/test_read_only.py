"""Every CLI command that changes something is refused in read-only mode (`--read-only` or
`read_only: true` in the cluster file) before it touches a host, and is journaled when it runs:
`produce` (sends messages), `generate` (writes broker files) and `install --host` (copies the
distribution onto a host) — like start/stop and the editors."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from rocketui.cli import main
from rocketui.usecases.journal import Journal
from tests.support.ports import free_port

TOPOLOGY = """\
cluster: C
rocketmq: {{home: {home}, version: "5.5.0"}}
work_dir: {work}
hosts:
  local: {{backend: local, address: 127.0.0.1}}
  far: {{backend: ssh, address: 127.0.0.2, port: {ssh_port}, user: rmq, connect_timeout: 2}}
topology: {{masters: 1, slaves_per_master: 0, namesrvs: 1, hosts: [local], config_dir: {conf}}}
"""


class Listener:
    """A TCP port where a namesrv or an sshd would be: counts who connects (nobody should)."""

    def __init__(self, host: str) -> None:
        self.sock = socket.socket()
        self.sock.bind((host, free_port()))
        self.sock.listen(8)
        self.sock.setblocking(False)
        self.host, self.port = self.sock.getsockname()

    def connections(self) -> int:
        count = 0
        while True:
            try:
                conn, _ = self.sock.accept()
            except BlockingIOError:
                return count
            conn.close()
            count += 1


@pytest.fixture
def namesrv() -> Iterator[Listener]:
    listener = Listener("127.0.0.1")
    yield listener
    listener.sock.close()


@pytest.fixture
def sshd() -> Iterator[Listener]:
    listener = Listener("127.0.0.2")
    yield listener
    listener.sock.close()


def cluster_file(tmp_path: Path, sshd: Listener, *, read_only_in_file: bool = False) -> Path:
    path = tmp_path / "c.yaml"
    text = TOPOLOGY.format(
        home=tmp_path / "rocketmq", work=tmp_path / "work", ssh_port=sshd.port, conf=tmp_path / "conf"
    )
    path.write_text(text + ("read_only: true\n" if read_only_in_file else ""))
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def journaled(journal: Path) -> list[tuple[str, str]]:
    return [(e.action, e.outcome) for e in Journal(journal).entries()]


# the autouse fixture of tests/conftest.py gives every test its own journal
@pytest.fixture
def journal(private_journal_and_config: Path) -> Path:
    return private_journal_and_config


@pytest.mark.parametrize("in_file", [False, True], ids=["--read-only", "read_only: true"])
def test_produce_is_refused_before_any_connection(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], namesrv: Listener, sshd: Listener, journal: Path, in_file: bool
) -> None:
    path = cluster_file(tmp_path, sshd, read_only_in_file=in_file)
    flag = [] if in_file else ["--read-only"]
    code, out, err = run(
        capsys, str(path), "produce", "--count", "5", "--namesrv", f"{namesrv.host}:{namesrv.port}", *flag
    )
    assert code == 2
    assert err == "rocketui produce: read-only mode: refusing to produce test cluster 'C' (a test writes messages)\n"
    assert "OK" not in out
    assert namesrv.connections() == 0  # nothing sent, not even a route query
    assert journaled(journal) == []


@pytest.mark.parametrize("in_file", [False, True], ids=["--read-only", "read_only: true"])
def test_generate_is_refused_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], sshd: Listener, journal: Path, in_file: bool
) -> None:
    path = cluster_file(tmp_path, sshd, read_only_in_file=in_file)
    code, out, err = run(capsys, str(path), "generate", "--yes", *([] if in_file else ["--read-only"]))
    assert code == 2
    assert err == "rocketui generate: read-only mode: refusing to generate cluster 'C'; nothing written\n"
    assert "broker-a: local:" in out  # the plan is still shown: a preview changes nothing
    assert not (tmp_path / "conf").exists()
    assert journaled(journal) == []


def test_generate_writes_one_journal_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], sshd: Listener, journal: Path
) -> None:
    path = cluster_file(tmp_path, sshd)
    code, out, err = run(capsys, str(path), "generate", "--yes")
    assert code == 0, err
    written = tmp_path / "conf" / "broker-a.properties"
    assert f"wrote local:{written}" in out and written.exists()
    [entry] = list(Journal(journal).entries())
    assert (entry.action, entry.outcome, entry.cluster_file) == ("generate", "ok", str(path))
    assert entry.files == [f"local: {written}"]
    # nothing to write: nothing done, nothing journaled
    assert run(capsys, str(path), "generate", "--yes")[0] == 0
    assert len(list(Journal(journal).entries())) == 1


@pytest.mark.parametrize("in_file", [False, True], ids=["--read-only", "read_only: true"])
def test_install_on_a_host_is_refused_before_connecting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], sshd: Listener, journal: Path, in_file: bool
) -> None:
    path = cluster_file(tmp_path, sshd, read_only_in_file=in_file)
    source = tmp_path / "dist"
    (source / "bin").mkdir(parents=True)
    argv = ["install", "--cluster", str(path), "--host", "far", "--source", str(source)]
    code, out, err = run(capsys, *argv, *([] if in_file else ["--read-only"]))
    assert code == 2
    assert err == "rocketui install: read-only mode: refusing to install cluster 'C'; nothing installed\n"
    assert out == ""
    assert sshd.connections() == 0  # no SSH connection was even opened
    assert journaled(journal) == []
