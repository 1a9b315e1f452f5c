"""The launchers and logging setup `rocketui install` writes for each release line behave like the
official files of that line (tests/data/dist, see its README): run both under a fake java that
prints its argv, and compare."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from rocketui.rocketmq.install import SCRIPTS, render_script, write_conf, write_scripts
from rocketui.rocketmq.logs import logback_files
from rocketui.rocketmq.versions import MODULE_OPTIONS_4X, MODULE_OPTIONS_5_0

DIST = Path(__file__).parent.parent / "data" / "dist"
VERSIONS = ("4.9.7", "5.1.4", "5.3.3", "5.5.0")
OURS_ONLY = {"-XX:+IgnoreUnrecognizedVMOptions"}  # lets 4.x/5.1 brokers start on JDK 21+


def fake_jdk(tmp_path: Path, version_line: str) -> Path:
    """A JAVA_HOME whose java prints its argv one per line, and `version_line` for -version."""
    jdk = tmp_path / f"jdk-{abs(hash(version_line))}"
    (jdk / "bin").mkdir(parents=True)
    java = jdk / "bin" / "java"
    java.write_text(
        f'#!/bin/sh\nif [ "$1" = "-version" ]; then echo \'{version_line}\' >&2; exit 0; fi\n'
        'for a in "$@"; do printf "%s\\n" "$a"; done\n'
    )
    java.chmod(0o755)
    # 5.0-5.4 official launchers take JAVA_HOME from `which javac` on Linux, whatever is preset
    (jdk / "bin" / "javac").write_text("#!/bin/sh\nexit 0\n")
    (jdk / "bin" / "javac").chmod(0o755)
    return jdk


JAVA17 = 'openjdk version "17.0.15" 2025-04-15'
JAVA8 = 'java version "1.8.0_382"'


def ours(tmp_path: Path, version: str) -> Path:
    home = tmp_path / f"ours-{version}"
    write_scripts(home, version)
    (home / "lib").mkdir()
    (home / "conf").mkdir()
    return home


def official(tmp_path: Path, version: str) -> Path:
    home = tmp_path / f"official-{version}"
    shutil.copytree(DIST / version / "bin", home / "bin")
    (home / "lib").mkdir()
    (home / "conf").mkdir()
    return home


def launch(home: Path, jdk: Path, script: str, *args: str) -> list[str]:
    env = {"PATH": f"{jdk}/bin:/usr/bin:/bin", "JAVA_HOME": str(jdk), "JAVA_OPT_EXT": "-Duser.home=/srv/n"}
    out = subprocess.run(["sh", str(home / "bin" / script), *args], capture_output=True, text=True, env=env, timeout=30)
    assert out.returncode == 0, out.stderr + out.stdout
    argv = out.stdout.splitlines()
    return argv[argv.index("numactl") + 2 :] if argv and argv[0] == "numactl" else argv


def jvm_options(argv: list[str]) -> list[str]:
    """The options before -cp, split into single flags (the module options come as pairs)."""
    return argv[: argv.index("-cp")]


@pytest.mark.parametrize("version", VERSIONS)
def test_every_launcher_is_valid_posix_sh(tmp_path: Path, version: str) -> None:
    home = ours(tmp_path, version)
    for name in SCRIPTS:
        for shell in ("sh", "dash", "bash"):
            if shutil.which(shell):
                check = subprocess.run([shell, "-n", str(home / "bin" / name)], capture_output=True, text=True)
                assert check.returncode == 0, (version, name, shell, check.stderr)
        assert "@@" not in (home / "bin" / name).read_text()


@pytest.mark.parametrize("java", [JAVA17, JAVA8])
@pytest.mark.parametrize("version", ["4.9.7", "5.1.4", "5.3.3"])
def test_broker_launch_line_is_the_official_one_plus_module_options(tmp_path: Path, version: str, java: str) -> None:
    jdk = fake_jdk(tmp_path, java)
    args = ("-n", "127.0.0.1:9876", "-c", "/etc/b.properties")
    theirs = launch(official(tmp_path, version), jdk, "mqbroker", *args)
    mine = launch(ours(tmp_path, version), jdk, "mqbroker", *args)
    main = "org.apache.rocketmq.broker.BrokerStartup"
    assert mine[mine.index(main) :] == theirs[theirs.index(main) :] == [main, *args]
    expected_modules = {"4.9.7": MODULE_OPTIONS_4X, "5.1.4": MODULE_OPTIONS_5_0}.get(version, ())
    modules = [w for opt in expected_modules for w in opt.split()] if java == JAVA17 else []
    extra = [w for w in jvm_options(mine) if w not in jvm_options(theirs) and w not in OURS_ONLY]
    assert extra == modules  # nothing else differs from the official line
    assert [w for w in jvm_options(theirs) if w not in jvm_options(mine)] == []
    if version == "4.9.7":  # the official 4.x broker launcher sets no young generation on any Java
        assert not [w for w in mine if w.startswith("-Xmn")]
        assert not [w for w in mine if w.startswith("-Drmq.logback")]


@pytest.mark.parametrize("java", [JAVA17, JAVA8])
def test_namesrv_4x_launch_line_is_the_official_one(tmp_path: Path, java: str) -> None:
    jdk = fake_jdk(tmp_path, java)
    theirs = launch(official(tmp_path, "4.9.7"), jdk, "mqnamesrv", "-c", "/x/ns.properties")
    mine = launch(ours(tmp_path, "4.9.7"), jdk, "mqnamesrv", "-c", "/x/ns.properties")
    assert jvm_options(mine) == jvm_options(theirs)
    assert mine[-3:] == theirs[-3:] == ["org.apache.rocketmq.namesrv.NamesrvStartup", "-c", "/x/ns.properties"]
    assert ("-Xmn2g" in mine) == (java == JAVA8)  # 4.x namesrv: -Xmn only on Java < 9


def test_4x_broker_refuses_enable_proxy(tmp_path: Path) -> None:
    home = ours(tmp_path, "4.9.7")
    env = {"PATH": "/usr/bin:/bin", "JAVA_HOME": str(fake_jdk(tmp_path, JAVA17))}
    out = subprocess.run(
        ["sh", str(home / "bin" / "mqbroker"), "--enable-proxy"], capture_output=True, text=True, env=env
    )
    assert out.returncode == 1 and "--enable-proxy needs RocketMQ 5.x" in out.stdout


def test_shutdown_targets_per_line() -> None:
    assert "Usage: mqshutdown (broker|namesrv)" in render_script("mqshutdown", "4.9.7")
    assert "controller)" in render_script("mqshutdown", "5.5.0")


@pytest.mark.parametrize("brokerlogdir", ["", "broker-a_0"])
@pytest.mark.parametrize("component", ["broker", "namesrv", "tools"])
def test_4x_logback_files_go_where_the_official_ones_do(tmp_path: Path, component: str, brokerlogdir: str) -> None:
    home = tmp_path / "h"
    write_conf(home, "4.9.7")
    props = {"user.home": "/srv/n", "brokerLogDir": brokerlogdir}
    name = f"logback_{component}.xml"
    mine = logback_files((home / "conf" / name).read_text(), props)
    theirs = logback_files((DIST / "4.9.7" / "conf" / name).read_text(), props)
    assert sorted(mine) == sorted(theirs) and mine
    assert not (home / "conf" / "rmq.broker.logback.xml").exists()


def test_4x_logback_lines_keep_the_official_pattern(tmp_path: Path) -> None:
    """Same line format as the 4.9.7 files, so a log parser reads both the same way."""
    import re

    home = tmp_path / "h"
    write_conf(home, "4.9.7")
    pattern = re.compile(r"<pattern>([^<]*)</pattern>")
    for component in ("broker", "namesrv", "tools"):
        mine = set(pattern.findall((home / "conf" / f"logback_{component}.xml").read_text()))
        theirs = set(pattern.findall((DIST / "4.9.7" / "conf" / f"logback_{component}.xml").read_text()))
        # the official namesrv console line says ",SSS", which logback reads as a time-zone id (GMT)
        assert mine - {r"%d{yyy-MM-dd HH\:mm\:ss,GMT+8} %p %t - %m%n"} <= theirs
