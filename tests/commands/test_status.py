"""`rocketui CLUSTER.yaml status` against a real sshd: a host key accepted on first use is shown
with its fingerprint and the known_hosts file it went to, and journaled; a changed key names both
fingerprints and never suggests ssh-keyscan."""

from __future__ import annotations

import getpass
import json
import os
from pathlib import Path

import pytest

from rocketui.cli import main
from tests.support.ports import namesrv_port
from tests.support.sshd import SSHFarm, SSHServer, ssh_client_keys, sshd_farm  # noqa: F401 (fixtures)

pytestmark = pytest.mark.ssh


def cluster_file(tmp_path: Path, server: SSHServer, known: Path, tofu: bool) -> Path:
    path = tmp_path / "cluster.yaml"
    path.write_text(f"""\
cluster: Trust
rocketmq: {{home: {tmp_path}/rocketmq, version: "5.5.0"}}
work_dir: {tmp_path}/work
hosts:
  h1: {{backend: ssh, address: {server.address}, port: {server.port}, user: {getpass.getuser()},
        identity_file: {server.keys.key}, known_hosts: {known}, trust_on_first_use: {str(tofu).lower()}}}
nodes:
  - {{name: ns, kind: namesrv, host: h1, port: {namesrv_port()}}}
""")
    return path


def test_a_key_trusted_on_first_use_is_shown_and_journaled(
    sshd_farm: SSHFarm, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server = sshd_farm.start(1)[0]
    known = tmp_path / "ssh" / "known_hosts"
    path = cluster_file(tmp_path, server, known, tofu=True)
    assert main([str(path), "status"]) == 0
    err = capsys.readouterr().err
    spec = f"[{server.address}]:{server.port}"
    assert (
        f"note: host 'h1': trusted on first use the key {spec} offered: ssh-ed25519 {server.fingerprint}, "
        f"added to {known}. Compare it with the host's own" in err
    )
    assert known.read_text() == server.host_key_line
    [entry] = [json.loads(line) for line in Path(os.environ["ROCKETUI_JOURNAL"]).read_text().splitlines()]
    assert (entry["action"], entry["host"], entry["files"]) == ("trust host key", "h1", [f"local: {known}"])
    assert entry["commands"] == [f"h1: accepted ssh-ed25519 {server.fingerprint} offered by {spec} on first use"]
    # a second run knows the key: nothing to note, nothing journaled
    assert main([str(path), "status"]) == 0
    assert "trusted on first use" not in capsys.readouterr().err
    assert len(Path(os.environ["ROCKETUI_JOURNAL"]).read_text().splitlines()) == 1


def test_a_changed_key_names_both_fingerprints(
    sshd_farm: SSHFarm, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server, other = sshd_farm.start(2)
    known = tmp_path / "known_hosts"
    spec = f"[{server.address}]:{server.port}"
    known.write_text(f"{spec} {' '.join(other.host_key_line.split()[1:])}\n")
    path = cluster_file(tmp_path, server, known, tofu=True)
    assert main([str(path), "status"]) == 1
    out, err = capsys.readouterr()
    err += out  # the host's reason is printed under the table
    assert f"HOST KEY CHANGED for {spec}: {known} expects ssh-ed25519 {other.fingerprint}" in err
    assert f"but the host offered ssh-ed25519 {server.fingerprint}" in err
    assert "ssh-keyscan" not in err and "trusted on first use" not in err
    assert not Path(os.environ["ROCKETUI_JOURNAL"]).exists()
