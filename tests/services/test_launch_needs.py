"""What a node's start command carries for a distribution whose launchers are not rocketui's
(an official zip, or edited scripts): JAVA_HOME for 4.x launchers, the JDK 9+ module options for
4.x and 5.0/5.1 brokers (only when the host's Java is 9+).  Probed through a real LocalBackend on
small homes and fake JDKs (shell scripts that answer -version); no JVM starts."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest

from rocketui.backends.factory import BackendPool
from rocketui.model.loader import parse_cluster
from rocketui.rocketmq.versions import MODULE_OPTIONS_4X, MODULE_OPTIONS_5_0
from rocketui.services.java_probe import parse_probe
from rocketui.services.nodes import NodeService

DIST = Path(__file__).parent.parent / "data" / "dist"


def home_of(tmp_path: Path, version: str, *, own: bool) -> Path:
    home = tmp_path / f"rocketmq-{version}"
    (home / "lib").mkdir(parents=True)
    (home / "bin").mkdir()
    with zipfile.ZipFile(home / "lib" / f"rocketmq-broker-{version}.jar", "w") as zf:
        zf.writestr("META-INF/MANIFEST.MF", (DIST / version / "broker-MANIFEST.MF").read_text())
    script = (DIST / version / "bin" / "mqbroker").read_bytes()
    (home / "bin" / "mqbroker").write_bytes(script)
    if own:  # rocketui's marker with matching hashes: these are rocketui's launchers
        marker = {
            "version": version,
            "source": "maven-central",
            "scripts_sha256": {"mqbroker": hashlib.sha256(script).hexdigest()},
        }
        (home / ".rocketui-install.json").write_text(json.dumps(marker))
    return home


def fake_jdk(tmp_path: Path, version_line: str) -> Path:
    jdk = tmp_path / "jdk"
    (jdk / "bin").mkdir(parents=True)
    (jdk / "bin" / "java").write_text(f"#!/bin/sh\necho '{version_line}' >&2\n")
    (jdk / "bin" / "java").chmod(0o755)
    return jdk


def service(tmp_path: Path, home: Path, java_home: Path | None) -> NodeService:
    java = f", java_home: {java_home}" if java_home else ""
    cluster = parse_cluster(
        f"""\
cluster: C
rocketmq: {{home: {home}, version: "4.9.7"{java}}}
work_dir: {tmp_path / "work"}
hosts:
  local: {{backend: local, address: 127.0.0.1}}
topology: {{masters: 1, namesrvs: 1}}
""",
        str(tmp_path / "c.yaml"),
    )
    return NodeService(cluster, BackendPool(cluster))


@pytest.mark.parametrize(
    ("version", "java", "expected"),
    [
        ("4.9.7", 'openjdk version "17.0.15" 2025-04-15', MODULE_OPTIONS_4X),
        ("4.9.7", 'java version "1.8.0_382"', ()),  # Java 8 refuses --add-opens
        ("5.1.4", 'openjdk version "11.0.2" 2019-01-15', MODULE_OPTIONS_5_0),
        ("5.3.3", 'openjdk version "17.0.15" 2025-04-15', ()),
    ],
)
async def test_official_launchers_get_the_module_options(
    tmp_path: Path, version: str, java: str, expected: tuple
) -> None:
    svc = service(tmp_path, home_of(tmp_path, version, own=False), fake_jdk(tmp_path, java))
    try:
        broker = svc.cluster.brokers[0]
        command = await svc.planned_start(broker)
        opt_ext = dict(command.env)["JAVA_OPT_EXT"]
        assert opt_ext.startswith(" ".join(expected)) if expected else "--add-" not in opt_ext
        namesrv = await svc.planned_start(svc.cluster.namesrvs[0])
        assert "--add-" not in dict(namesrv.env)["JAVA_OPT_EXT"]  # the namesrv maps no files
    finally:
        await svc.close()


async def test_rocketuis_own_launchers_need_nothing_extra(tmp_path: Path) -> None:
    svc = service(tmp_path, home_of(tmp_path, "4.9.7", own=True), None)
    try:
        command = await svc.planned_start(svc.cluster.brokers[0])
        assert "--add-" not in dict(command.env)["JAVA_OPT_EXT"] and "JAVA_HOME" not in dict(command.env)
    finally:
        await svc.close()


async def test_official_4x_launchers_get_the_java_home_of_path(tmp_path: Path) -> None:
    """The official 4.x runbroker.sh stops with 'Please set the JAVA_HOME variable' without one."""
    svc = service(tmp_path, home_of(tmp_path, "4.9.7", own=False), None)
    try:
        env = dict((await svc.planned_start(svc.cluster.brokers[0])).env)
        assert Path(env["JAVA_HOME"], "bin", "java").exists()  # this machine's JDK, found from PATH
    finally:
        await svc.close()


def test_probe_output() -> None:
    info = parse_probe('/usr/lib/jvm/java-17-openjdk-amd64\nopenjdk version "17.0.15" 2025-04-15\n')
    assert (info.home, info.major) == ("/usr/lib/jvm/java-17-openjdk-amd64", 17)
    assert parse_probe('/opt/jdk8\njava version "1.8.0_382"\n').major == 8
    assert parse_probe("").home is None
