"""`rocketui install`: our launch scripts behave like the official ones, an official-layout zip
installs, and a second run does nothing (no Maven)."""

from __future__ import annotations

import os
import subprocess
import zipfile
from pathlib import Path

import pytest

from rocketui.rocketmq.install import (
    SCRIPTS,
    InstallError,
    find_installation,
    install_distribution,
    is_installed,
    write_scripts,
)


def fake_java(tmp_path: Path) -> Path:
    """A JAVA_HOME whose java prints its argv, one per line (and a Java 17 version line)."""
    bin_dir = tmp_path / "jdk" / "bin"
    bin_dir.mkdir(parents=True)
    java = bin_dir / "java"
    java.write_text(
        '#!/bin/sh\nif [ "$1" = "-version" ]; then echo \'openjdk version "17.0.15"\' >&2; exit 0; fi\n'
        'for a in "$@"; do printf "%s\\n" "$a"; done\n'
    )
    java.chmod(0o755)
    return tmp_path / "jdk"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    root = tmp_path / "rmq"
    write_scripts(root)
    (root / "lib").mkdir()
    (root / "conf").mkdir()
    return root


def run_script(home: Path, jdk: Path, script: str, *args: str, **env: str) -> list[str]:
    full_env = {"PATH": "/usr/bin:/bin", "JAVA_HOME": str(jdk), **env}
    out = subprocess.run(
        ["sh", str(home / "bin" / script), *args], capture_output=True, text=True, env=full_env, timeout=30
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.splitlines()


def test_scripts_are_valid_posix_sh(home: Path) -> None:
    for name in SCRIPTS:
        path = home / "bin" / name
        assert os.access(path, os.X_OK)
        for shell in ("sh", "dash"):
            if subprocess.run(["which", shell], capture_output=True).returncode == 0:
                check = subprocess.run([shell, "-n", str(path)], capture_output=True, text=True)
                assert check.returncode == 0, (name, shell, check.stderr)


def test_broker_launch_line(home: Path, tmp_path: Path) -> None:
    argv = run_script(
        home,
        fake_java(tmp_path),
        "mqbroker",
        "-n",
        "127.0.0.1:9876",
        "-c",
        "/etc/b a.properties",
        JAVA_OPT_EXT="-Xms256m -Xmx256m -Duser.home=/srv/x",
    )
    # defaults first, JAVA_OPT_EXT after them (the JVM takes the last occurrence), then the main class
    assert argv.index("-Xmx8g") < argv.index("-Xmx256m")
    assert "-XX:MaxDirectMemorySize=15g" in argv and "-XX:+AlwaysPreTouch" in argv
    assert f"-Drmq.logback.configurationFile={home}/conf/rmq.broker.logback.xml" in argv
    main = argv.index("org.apache.rocketmq.broker.BrokerStartup")
    assert argv[main + 1 :] == ["-n", "127.0.0.1:9876", "-c", "/etc/b a.properties"]
    assert argv[argv.index("-cp") + 1].startswith(f".:{home}/bin/../conf:{home}/bin/../lib/*")


def test_namesrv_launch_line_and_rocketmq_home(home: Path, tmp_path: Path) -> None:
    argv = run_script(home, fake_java(tmp_path), "mqnamesrv", "-c", "/x/ns.properties", JAVA_OPT_EXT="-Xmx128m")
    assert argv.index("-Xmx4g") < argv.index("-Xmx128m")
    assert "-XX:+UseG1GC" in argv  # the Java >= 9 branch
    assert f"-Drmq.logback.configurationFile={home}/conf/rmq.namesrv.logback.xml" in argv
    assert argv[-3:] == ["org.apache.rocketmq.namesrv.NamesrvStartup", "-c", "/x/ns.properties"]


def make_release_zip(tmp_path: Path) -> Path:
    top = "rocketmq-all-5.5.0-bin-release"
    path = tmp_path / "release.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"{top}/bin/mqbroker", "#!/bin/sh\necho official\n")
        zf.writestr(f"{top}/bin/mqnamesrv", "#!/bin/sh\necho official\n")
        zf.writestr(f"{top}/conf/broker.conf", "brokerName = broker-a\n")
        zf.writestr(f"{top}/lib/rocketmq-broker-5.5.0.jar", b"not really a jar")
    return path


def test_install_from_official_zip_then_idempotent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "installed"
    result = install_distribution(str(target), "5.5.0", from_zip=str(make_release_zip(tmp_path)), log=lambda m: None)
    assert result.version == "5.5.0" and not result.already
    assert (target / "bin" / "mqbroker").read_text().endswith("echo official\n")
    assert os.access(target / "bin" / "mqbroker", os.X_OK)
    assert find_installation(str(target)) == "5.5.0" and is_installed(str(target), "5.5.0")
    # a second run must not call Maven: a PATH whose mvn fails proves it
    fake = tmp_path / "fakebin"
    fake.mkdir()
    (fake / "mvn").write_text("#!/bin/sh\necho mvn must not run >&2\nexit 9\n")
    (fake / "mvn").chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}:{os.environ['PATH']}")
    again = install_distribution(str(target), "5.5.0", log=lambda m: None)
    assert again.already


def test_bad_zip_and_foreign_home(tmp_path: Path) -> None:
    bad = tmp_path / "bad.zip"
    bad.write_text("not a zip")
    with pytest.raises(InstallError, match="not a zip file"):
        install_distribution(str(tmp_path / "h"), "5.5.0", from_zip=str(bad), log=lambda m: None)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("operator's file")
    with pytest.raises(InstallError, match="was not installed by rocketui"):
        install_distribution(str(foreign), "5.5.0", log=lambda m: None)
    assert (foreign / "keep.txt").read_text() == "operator's file"
    assert not list(tmp_path.glob(".h.tmp-*")), "a failed install leaves no staging directory"


# ----------------------------------------------------------------------------- Maven bounded
FAKE_MVN = """#!/bin/sh
# A Maven whose resolve hangs: a child like the JVM mvn starts, and the script waiting for it.
echo "[INFO] Downloading from central: https://repo.maven.apache.org/maven2/org/apache/rocketmq/x.pom"
sleep 300 &
echo $$ $! > "$FAKE_MVN_PIDS"
wait
"""


@pytest.fixture
def hanging_mvn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = tmp_path / "fakebin"
    bin_dir.mkdir()
    (bin_dir / "mvn").write_text(FAKE_MVN)
    (bin_dir / "mvn").chmod(0o755)
    pids = tmp_path / "mvn.pids"
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_MVN_PIDS", str(pids))
    return pids


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z")  # a zombie is gone too


def test_a_hanging_maven_is_stopped_with_what_to_check(tmp_path: Path, hanging_mvn: Path) -> None:
    with pytest.raises(InstallError) as failed:
        install_distribution(str(tmp_path / "home"), "5.5.0", log=lambda m: None, maven_timeout=1)
    message = str(failed.value)
    assert message.startswith("Maven did not finish resolving RocketMQ 5.5.0 within 1s and was stopped: [INFO] Down")
    for hint in ("https://repo.maven.apache.org", "~/.m2/settings.xml", "mvn -X", "--maven-timeout SECONDS"):
        assert hint in message
    assert all(gone(int(pid)) for pid in hanging_mvn.read_text().split())  # the script and its child
    assert not (tmp_path / "home").exists() and [p.name for p in tmp_path.iterdir() if p.name.startswith(".home")] == []


def test_the_cli_takes_the_limit_from_the_option_or_the_environment(
    tmp_path: Path, hanging_mvn: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from rocketui.cli import main

    assert main(["install", "--home", str(tmp_path / "a"), "--maven-timeout", "0.5"]) == 1
    assert "within 0.5s and was stopped" in capsys.readouterr().err
    monkeypatch.setenv("ROCKETUI_MAVEN_TIMEOUT", "0.7")
    assert main(["install", "--home", str(tmp_path / "b")]) == 1
    assert "within 0.7s and was stopped" in capsys.readouterr().err
    monkeypatch.setenv("ROCKETUI_MAVEN_TIMEOUT", "soon")
    assert main(["install", "--home", str(tmp_path / "c")]) == 1
    assert "ROCKETUI_MAVEN_TIMEOUT='soon': expected seconds, like 1800" in capsys.readouterr().err


# ----------------------------------------------------------------------------- a release without a proxy
# What Maven 3.9 printed here for `rocketui install --version 5.1.4` (Central has no
# rocketmq-proxy 5.1.4, although it has 5.1.3 and 5.3.3).
PROXY_MISSING = (
    "[ERROR] Failed to execute goal on project rocketmq-assembly: Could not resolve dependencies for project "
    "local.rocketui:rocketmq-assembly:pom:1: org.apache.rocketmq:rocketmq-proxy:jar:5.1.4 was not found in "
    "https://repo.maven.apache.org/maven2 during a previous attempt."
)
PARTIAL_MVN = f"""#!/bin/sh
# A Maven that serves every artifact but the proxy and the example: their POMs fail as Central's did.
if grep -q -e rocketmq-proxy -e rocketmq-example pom.xml; then echo "{PROXY_MISSING}"; exit 1; fi
for arg in "$@"; do case "$arg" in -DoutputDirectory=*) out="${{arg#-DoutputDirectory=}}";; esac; done
cp "$FAKE_LIB"/rocketmq-broker-*.jar "$FAKE_LIB"/rocketmq-namesrv-*.jar "$out"/
"""


def test_a_release_whose_proxy_central_lacks_installs_without_proxies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.support.rocketmq import rocketmq_home

    bin_dir = tmp_path / "fakebin"
    bin_dir.mkdir()
    (bin_dir / "mvn").write_text(PARTIAL_MVN)
    (bin_dir / "mvn").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_LIB", str(rocketmq_home() / "lib"))
    said: list[str] = []
    home = tmp_path / "home"
    install_distribution(str(home), "5.1.4", log=said.append)
    assert "rocketmq-proxy 5.1.4 is not on Maven Central (from here): proxies will be unavailable" in said
    assert (home / "bin" / "mqcontroller").exists() and not (home / "bin" / "mqproxy").exists()
    assert is_installed(str(home), "5.1.4")  # a re-install does not try to complete it
