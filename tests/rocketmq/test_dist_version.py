"""Which release a distribution holds, from its own files (the real broker-jar manifests of
tests/data/dist/<version>/broker-MANIFEST.MF)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from rocketui.rocketmq.dist_version import describe, home_of_java, jar_version, manifest_version, version_from_lib

DIST = Path(__file__).parent.parent / "data" / "dist"


def jar_with_manifest(text: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("META-INF/MANIFEST.MF", text)
    return buf.getvalue()


@pytest.mark.parametrize("version", ["4.9.7", "5.1.4", "5.3.3", "5.5.0"])
def test_real_manifests(version: str) -> None:
    text = (DIST / version / "broker-MANIFEST.MF").read_text()
    assert manifest_version(text) == version
    assert jar_version(jar_with_manifest(text)) == version


def test_not_a_jar_and_no_version() -> None:
    assert jar_version(b"not a zip") is None
    assert jar_version(jar_with_manifest("Manifest-Version: 1.0\n")) is None


def test_version_from_lib_names() -> None:
    names = ["rocketmq-broker-4.9.7.jar", "rocketmq-broker-common.jar", "netty-all-4.1.65.Final.jar"]
    assert version_from_lib(names) == "4.9.7"
    assert version_from_lib(["rocketmq-broker-5.3.3.jar", "rocketmq-broker-5.10.0.jar"]) == "5.10.0"
    assert version_from_lib(["rocketmq-client-5.5.0.jar"]) is None


def test_describe_official_4x_and_rocketui_5x() -> None:
    hand = describe("/opt/rmq", ["rocketmq-broker-4.9.7.jar", "rocketmq-example-4.9.7.jar"], ["logback_broker.xml"])
    assert (hand.version, hand.logging, hand.has_example, hand.by_rocketui) == ("4.9.7", "4.x", True, False)
    marker = json.dumps({"version": "5.5.0", "source": "maven-central", "scripts_sha256": {"mqbroker": "aa"}}).encode()
    ours = describe(
        "/h", ["rocketmq-broker-5.5.0.jar"], ["rmq.broker.logback.xml"], marker, "5.5.0", {"mqbroker": "aa"}
    )
    assert (ours.logging, ours.by_rocketui, ours.own_scripts, ours.manifest_checked) == ("5.x", True, True, True)
    unzipped = json.dumps({"version": "4.9.7", "source": "zip:x.zip", "scripts_sha256": {"mqbroker": "aa"}}).encode()
    assert not describe("/h", [], [], unzipped, None, {"mqbroker": "aa"}).own_scripts  # the official ones
    edited = describe("/h", [], [], marker, None, {"mqbroker": "bb"})
    assert not edited.own_scripts and edited.version is None and edited.label == "unknown"


def test_home_of_a_running_jvm() -> None:
    cp = ".:/opt/rocketmq-4.9.7/bin/../conf:/opt/rocketmq-4.9.7/bin/../lib/*:"
    assert (
        home_of_java(["java", "-Xmx1g", "-cp", cp, "org.apache.rocketmq.broker.BrokerStartup"]) == "/opt/rocketmq-4.9.7"
    )
    assert home_of_java(["java", "-Drocketmq.home.dir=/srv/rmq/", "-cp", cp, "Main"]) == "/srv/rmq"
    assert home_of_java(["java", "Main"]) is None
