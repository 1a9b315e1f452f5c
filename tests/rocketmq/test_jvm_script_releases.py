"""The JVM memory form on each release's real launchers (tests/data/dist/<version>/bin, see its
README) and on rocketui's launchers for that release: where the heap is read, what an edit
changes, and what a JVM started from the edited script really gets (run under a fake java).

4.9.x sets -Xmn differently from 5.x: its broker launcher has none at all (5.x: -Xmn4g, but only in
the Java < 8 branch), and its namesrv launcher only in the Java < 9 branch (-Xmn2g)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from rocketui.rocketmq import jvm_script as js
from rocketui.rocketmq.install import render_script

DIST = Path(__file__).parent.parent / "data" / "dist"
JAVA17 = 'openjdk version "17.0.15" 2025-04-15'
JAVA8 = 'java version "1.8.0_382"'


def script(source: str, version: str, name: str) -> str:
    if source == "official":
        return (DIST / version / "bin" / name).read_text()
    return render_script(name, version)


def run(tmp_path: Path, text: str, java: str) -> list[str]:
    """The JVM options the script passes (fake java prints its argv), up to -cp."""
    jdk = tmp_path / f"jdk{abs(hash(java))}"
    (jdk / "bin").mkdir(parents=True, exist_ok=True)
    for exe, body in (("java", f"if [ \"$1\" = -version ]; then echo '{java}' >&2; exit 0; fi\n"), ("javac", "")):
        (jdk / "bin" / exe).write_text(f'#!/bin/sh\n{body}for a in "$@"; do printf \'%s\\n\' "$a"; done\n')
        (jdk / "bin" / exe).chmod(0o755)
    bin_dir = tmp_path / "home" / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    (bin_dir / "run.sh").write_text(text)
    env = {"PATH": f"{jdk}/bin:/usr/bin:/bin", "JAVA_HOME": str(jdk)}
    out = subprocess.run(["sh", str(bin_dir / "run.sh"), "Main"], capture_output=True, text=True, env=env, timeout=30)
    assert out.returncode == 0, out.stderr
    argv = out.stdout.splitlines()
    argv = argv[argv.index("numactl") + 2 :] if argv and argv[0] == "numactl" else argv
    return argv[: argv.index("-cp")]


def last(options: list[str], prefix: str) -> str | None:
    values = [o[len(prefix) :] for o in options if o.startswith(prefix)]
    return values[-1] if values else None


@pytest.mark.parametrize("source", ["official", "rocketui"])
def test_4x_broker_launcher_has_no_young_generation(tmp_path: Path, source: str) -> None:
    text = script(source, "4.9.7", "runbroker.sh")
    flags = js.scan(text)
    assert flags.value("Xmx") == "8g" and flags.always_set("Xmx")
    assert flags.sites("Xmn") == [] and js.expected_flags(flags)["Xmn"] == {None}
    for java in (JAVA17, JAVA8):
        assert last(run(tmp_path, text, java), "-Xmn") is None
    # setting it adds it to the always-run heap line: every Java gets it
    edited = js.set_flags(text, {"Xmx": "512m", "Xms": "512m", "Xmn": "256m"})
    assert js.scan(edited).always_set("Xmn")
    for java in (JAVA17, JAVA8):
        options = run(tmp_path, edited, java)
        assert (last(options, "-Xmx"), last(options, "-Xmn")) == ("512m", "256m")
    assert len(edited.splitlines()) == len(text.splitlines())


@pytest.mark.parametrize("version", ["5.1.4", "5.3.3"])
def test_5x_broker_launcher_young_generation_only_for_java_before_8(tmp_path: Path, version: str) -> None:
    text = script("official", version, "runbroker.sh")
    flags = js.scan(text)
    assert flags.values("Xmn") == ["4g"] and not flags.always_set("Xmn")
    assert js.expected_flags(flags)["Xmn"] == {"4g", None}
    assert last(run(tmp_path, text, JAVA17), "-Xmn") is None  # a JDK 8+ broker runs without -Xmn
    edited = js.set_flags(text, {"Xmn": "128m"})
    assert last(run(tmp_path, edited, JAVA17), "-Xmn") == "128m"


@pytest.mark.parametrize("source", ["official", "rocketui"])
def test_4x_namesrv_launcher_young_generation_only_before_java_9(tmp_path: Path, source: str) -> None:
    text = script(source, "4.9.7", "runserver.sh")
    flags = js.scan(text)
    assert flags.values("Xmx") == ["4g"] and flags.values("Xmn") == ["2g"] and not flags.always_set("Xmn")
    assert last(run(tmp_path, text, JAVA8), "-Xmn") == "2g"
    assert last(run(tmp_path, text, JAVA17), "-Xmn") is None
    edited = js.set_flags(text, {"Xms": "256m", "Xmx": "256m", "Xmn": "128m"})
    for java in (JAVA17, JAVA8):  # both Java branches changed
        options = run(tmp_path, edited, java)
        assert (last(options, "-Xmx"), last(options, "-Xmn")) == ("256m", "128m")


def test_official_launchers_are_edited_without_other_changes(tmp_path: Path) -> None:
    for version in ("4.9.7", "5.1.4", "5.3.3"):
        for name in ("runbroker.sh", "runserver.sh"):
            text = script("official", version, name)
            edited = js.set_flags(text, {"Xmx": "1g", "Xms": "1g"})
            changed = [(a, b) for a, b in zip(text.splitlines(), edited.splitlines(), strict=True) if a != b]
            assert changed and all("-Xmx1g" in b and "JAVA_OPT" in b for _, b in changed), (version, name)
            if shutil.which("dash"):
                assert subprocess.run(["dash", "-n"], input=edited, text=True).returncode == 0
