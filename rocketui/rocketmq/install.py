"""Assemble a runnable RocketMQ distribution in the official binary layout of its release line.

lib/  every jar of rocketmq-namesrv, -broker and -tools with their runtime dependencies,
      resolved by Maven from Maven Central (~/.m2 caches them), plus rocketmq-example (the
      quickstart Producer/Consumer) where Central serves it: 5.5.0 here, not 4.9.7/5.1.4/5.3.3.
      A missing example never fails the install; the marker records it and F6/F7 say so.
conf/ broker.conf and the 2m-noslave, 2m-2s-async and 2m-2s-sync samples (the same in every
      line), and the logging setup of the line: 5.x the rmq.*.logback.xml files taken from the
      jars; 4.x conf/logback_{namesrv,broker,tools}.xml written by rocketui (the 4.x jars carry
      none, and the 4.x mains load these files themselves);
bin/  mqnamesrv, mqbroker, mqshutdown, runserver.sh, runbroker.sh, tools.sh, mqadmin — written by
      rocketui (templates/bin for 5.x, templates/bin-4 where 4.x differs) to behave like the
      official scripts of that line.
Or, with `from_zip`, an official rocketmq-all-*-bin-release.zip unpacked as it is.

The home is assembled next to its final place and renamed into it, so a failed install never
leaves a half-filled home; a marker file makes a second run a no-op.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from rocketui.model.cluster import NodeKind
from rocketui.rocketmq import logback_4x
from rocketui.rocketmq.dist_version import jar_version, version_from_lib
from rocketui.rocketmq.samples import sample_files
from rocketui.rocketmq.versions import (
    CONTROLLER_MODULE_OPTIONS,
    EXAMPLE_ARTIFACT,
    PROXY_ARTIFACT,
    REQUIRED_ARTIFACTS,
    Traits,
    Version,
    traits,
)

MARKER = ".rocketui-install.json"
ARTIFACTS = REQUIRED_ARTIFACTS  # always; the optional ones are tried one by one
OPTIONAL_ARTIFACTS = {EXAMPLE_ARTIFACT: "the quickstart Producer/Consumer (F6/F7)"}
SCRIPTS = ("mqnamesrv", "mqbroker", "mqshutdown", "mqadmin", "runserver.sh", "runbroker.sh", "tools.sh")
SCRIPTS_5X = ("mqproxy", "mqcontroller")  # 5.x only, as in the official distribution
# What the official 5.x zip ships as conf/rmq-proxy.json: `bin/mqproxy` and `mqbroker --enable-proxy`
# exit at once without it.  rocketui starts its proxies with their own file (-pc).
RMQ_PROXY_JSON = '{\n  "rocketMQClusterName": "DefaultCluster"\n}\n'
LOGBACK_FILES = (
    "rmq.namesrv.logback.xml",
    "rmq.broker.logback.xml",
    "rmq.tools.logback.xml",
    "rmq.client.logback.xml",
    "rmq.controller.logback.xml",
    "rmq.proxy.logback.xml",
)


class InstallError(Exception):
    """Installing failed; the message says what and what to do."""


@dataclass(frozen=True)
class InstallResult:
    home: str
    version: str
    source: str
    already: bool
    seconds: float


def find_installation(home: str) -> str | None:
    """The version installed at `home` by rocketui, or None."""
    try:
        data = json.loads((Path(home).expanduser() / MARKER).read_text())
        return str(data["version"])
    except (OSError, ValueError, KeyError):
        return None


def scripts_of(version: str | Version) -> tuple[str, ...]:
    """The launchers rocketui writes for a release."""
    return (*SCRIPTS, *SCRIPTS_5X) if traits(version).has_proxy_and_controller else SCRIPTS


def is_installed(home: str, version: str | None = None) -> bool:
    """Installed by rocketui at `home` (that release) with everything its line needs: an older 5.x
    assembly without the proxy's jars and launchers counts as not installed, so `rocketui install`
    completes it."""
    found = find_installation(home)
    if found is None or (version is not None and found != version):
        return False
    root = Path(home).expanduser()
    if not (all((root / "bin" / s).exists() for s in ("mqnamesrv", "mqbroker")) and (root / "lib").is_dir()):
        return False
    try:
        line = traits(found)
    except ValueError:
        return True  # an official zip of a release rocketui does not know: as it is
    if line.has_proxy_and_controller and _marker(root).get("source") == "maven-central":
        if PROXY_ARTIFACT in _marker(root).get("missing", ()):  # Central has none for this release
            return (root / "bin" / "mqcontroller").exists()
        return all((root / "bin" / s).exists() for s in SCRIPTS_5X) and any((root / "lib").glob("rocketmq-proxy-*.jar"))
    return True


def _marker(root: Path) -> dict[str, Any]:
    try:
        data = json.loads((root / MARKER).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _module_options_line(line_traits: Traits) -> str:
    options = line_traits.module_options(NodeKind.BROKER)
    if not options:
        return ""
    return f'JAVA_OPT="${{JAVA_OPT}} {" ".join(options)}"'


def render_script(name: str, version: str | Version = "5.5.0") -> str:
    """A launcher for `version`'s line: templates/bin-4/<name> for 4.x where it exists, else
    templates/bin/<name>; JDK 9+ module options only where that release needs them."""
    line_traits = traits(version)
    root = resources.files("rocketui.rocketmq") / "templates"
    base = root / "bin"
    own = root / "bin-4" / name
    text = own.read_text() if line_traits.is_4x and own.is_file() else (base / name).read_text()
    shared_java = (base / "_java_home.sh").read_text()
    shared_home = (base / "_rocketmq_home.sh").read_text()
    text = text.replace("@@JAVA_HOME@@", shared_java.strip()).replace("@@ROCKETMQ_HOME@@", shared_home.strip())
    if line_traits.has_proxy_and_controller:
        # a controller (standalone or in the namesrv) dies at start on JDK 9+ without it (apache/rocketmq#10612)
        text = text.replace(
            "@@JDK9_CONTROLLER_OPTIONS@@", f'JAVA_OPT="${{JAVA_OPT}} {" ".join(CONTROLLER_MODULE_OPTIONS)}"'
        )
    module_line = _module_options_line(line_traits)
    if module_line:
        text = text.replace("@@JDK9_MODULE_OPTIONS@@", module_line)
    return "".join(line for line in text.splitlines(keepends=True) if "@@JDK9_" not in line)


def write_scripts(home: Path, version: str | Version = "5.5.0") -> None:
    (home / "bin").mkdir(parents=True, exist_ok=True)
    for name in scripts_of(version):
        path = home / "bin" / name
        path.write_text(render_script(name, version))
        path.chmod(0o755)


def write_conf(home: Path, version: str | Version = "5.5.0") -> None:
    conf = home / "conf"
    for rel, text in sample_files().items():
        path = conf / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    if traits(version).is_4x:
        for name, text in logback_4x.conf_files().items():
            (conf / name).write_text(text)
        return
    found = set()
    for jar in sorted((home / "lib").glob("rocketmq-*.jar")):
        with zipfile.ZipFile(jar) as zf:
            for name in LOGBACK_FILES:
                if name not in found and name in zf.namelist():
                    (conf / name).write_bytes(zf.read(name))
                    found.add(name)
    for needed in ("rmq.namesrv.logback.xml", "rmq.broker.logback.xml"):
        if needed not in found:
            raise InstallError(f"{needed} was not found in any rocketmq jar under {home / 'lib'}")
    if traits(version).has_proxy_and_controller:
        (conf / "rmq-proxy.json").write_text(RMQ_PROXY_JSON)


def _pom(version: str, artifacts: tuple[str, ...] = ARTIFACTS) -> str:
    deps = "".join(
        f"<dependency><groupId>org.apache.rocketmq</groupId><artifactId>{a}</artifactId>"
        f"<version>{version}</version></dependency>"
        for a in artifacts
    )
    return (
        '<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>'
        "<groupId>local.rocketui</groupId><artifactId>rocketmq-assembly</artifactId><version>1</version>"
        f"<packaging>pom</packaging><dependencies>{deps}</dependencies></project>"
    )


# Resolving ~100 jars from Maven Central takes a minute or two; a stalled download or proxy would
# otherwise hang `rocketui install` for ever.  Generous, overridable (--maven-timeout, env).
MAVEN_TIMEOUT = 1800.0
MAVEN_TIMEOUT_ENV = "ROCKETUI_MAVEN_TIMEOUT"


def maven_timeout(value: float | None = None) -> float | None:
    """The bound for the Maven run: `value`, else $ROCKETUI_MAVEN_TIMEOUT, else MAVEN_TIMEOUT; 0 = none."""
    if value is None:
        env = os.environ.get(MAVEN_TIMEOUT_ENV)
        try:
            value = float(env) if env else MAVEN_TIMEOUT
        except ValueError:
            raise InstallError(f"{MAVEN_TIMEOUT_ENV}={env!r}: expected seconds, like 1800") from None
    return value if value > 0 else None


def _run_maven(argv: list[str], cwd: str, timeout: float | None) -> tuple[int | None, str]:
    """(exit status, output) of Maven, or (None, output so far) when it ran out of time; then its
    whole process group (the mvn script and the JVM it starts) is killed."""
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
        return proc.returncode, out
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, _ = proc.communicate()
        return None, out or ""
    except BaseException:  # Ctrl+C: do not leave Maven resolving in the background
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
        raise


def _maven(
    version: str, artifacts: tuple[str, ...], lib: Path, deadline: float | None, timeout: float | None
) -> tuple[bool, str]:
    """One `dependency:copy-dependencies` of `artifacts`: offline first (what ~/.m2 already holds
    makes a re-install take seconds), then online.  (ok, the first ERROR lines); InstallError
    when `deadline` (monotonic) passes."""
    mvn = shutil.which("mvn")
    if mvn is None:
        raise InstallError("Maven (mvn) is not on PATH; install it (apt-get install maven) or use --from ZIP")
    errors = ""
    with tempfile.TemporaryDirectory(prefix="rocketui-mvn-") as work:
        Path(work, "pom.xml").write_text(_pom(version, artifacts))
        for offline in (True, False):
            argv = [mvn, "-q", "-B", *(["-o"] if offline else []), "dependency:copy-dependencies"]
            argv += [f"-DoutputDirectory={lib}", "-DincludeScope=runtime"]
            left = None if deadline is None else max(1.0, deadline - time.monotonic())
            status, output = _run_maven(argv, work, left)
            if status is None:
                last = [line for line in output.splitlines() if line.strip()][-3:]
                what = "" if set(ARTIFACTS) <= set(artifacts) else f" ({', '.join(artifacts)})"
                raise InstallError(
                    f"Maven did not finish resolving RocketMQ {version}{what} within {timeout or 0:g}s and was stopped"
                    + (": " + " | ".join(last) if last else "")
                    + "\nCheck: that this machine reaches Maven Central (https://repo.maven.apache.org) or its "
                    "proxy; the proxies and mirrors in ~/.m2/settings.xml; `mvn -X` shows where Maven waits. "
                    f"A slow network needs a longer limit: --maven-timeout SECONDS (or {MAVEN_TIMEOUT_ENV}); "
                    "or install from an official zip with --from ZIP"
                )
            if status == 0:
                return True, ""
            errors = " | ".join([line for line in output.splitlines() if "ERROR" in line][:3])
    return False, errors


def fetch_jars(
    version: str, lib: Path, log: Callable[[str], None], *, timeout: float | None = MAVEN_TIMEOUT
) -> dict[str, bool]:
    """The required jars (or InstallError), then each optional artifact where Central has it,
    all within `timeout` seconds (None: unbounded).  Returns optional artifact -> found."""
    deadline = None if timeout is None else time.monotonic() + timeout
    artifacts = traits(version).artifacts
    log(f"resolving {', '.join(artifacts)} {version} and dependencies with Maven ...")
    ok, errors = _maven(version, artifacts, lib, deadline, timeout)
    found: dict[str, bool] = {}
    if PROXY_ARTIFACT in artifacts:
        # Central lacks the proxy of some 5.x releases (5.1.4): the rest still makes a working install
        found[PROXY_ARTIFACT] = ok
        if not ok and PROXY_ARTIFACT in errors:
            log(f"{PROXY_ARTIFACT} {version} is not on Maven Central (from here): proxies will be unavailable")
            artifacts = tuple(a for a in artifacts if a != PROXY_ARTIFACT)
            ok, errors = _maven(version, artifacts, lib, deadline, timeout)
    if not ok:
        raise InstallError(
            f"Maven could not resolve RocketMQ {version}: {errors}"
            "\n(check the version exists on Maven Central and that it is reachable)"
        )
    jars = list(lib.glob("*.jar"))
    if not any(j.name.startswith("rocketmq-broker-") for j in jars):
        raise InstallError(f"Maven finished but no rocketmq-broker jar is in {lib}")
    for artifact, what in OPTIONAL_ARTIFACTS.items():
        found[artifact], _ = _maven(version, (artifact,), lib, deadline, timeout)
        if not found[artifact]:
            log(f"{artifact} {version} is not on Maven Central (from here): {what} will be unavailable")
    log(f"{len(list(lib.glob('*.jar')))} jars in lib/")
    return found


def _unzip_release(zip_path: Path, dest: Path, log: Callable[[str], None]) -> str:
    """Unpack an official bin-release zip; returns the version found in lib/."""
    if not zip_path.is_file():
        raise InstallError(f"{zip_path}: no such file")
    try:
        with zipfile.ZipFile(zip_path) as zf, tempfile.TemporaryDirectory(prefix="rocketui-zip-") as tmp:
            zf.extractall(tmp)
            roots = [Path(d) for d, subdirs, _ in os.walk(tmp) if {"bin", "conf", "lib"} <= set(subdirs)]
            if not roots:
                raise InstallError(
                    f"{zip_path}: no directory with bin/, conf/ and lib/ inside; "
                    "expected an official rocketmq-all-*-bin-release.zip"
                )
            shutil.copytree(roots[0], dest, dirs_exist_ok=True)
    except zipfile.BadZipFile as exc:
        raise InstallError(f"{zip_path}: not a zip file ({exc})") from None
    for script in (dest / "bin").iterdir():
        if script.is_file() and (script.suffix in ("", ".sh")):
            script.chmod(0o755)
    version = lib_version(dest / "lib") or "unknown"
    log(f"unpacked {zip_path.name} (RocketMQ {version})")
    return version


def lib_version(lib: Path) -> str | None:
    """The version of the broker jar in `lib`, from its manifest where it has one."""
    named = version_from_lib(p.name for p in lib.glob("rocketmq-broker-*.jar"))
    if named is None:
        return None
    try:
        return jar_version((lib / f"rocketmq-broker-{named}.jar").read_bytes()) or named
    except OSError:
        return named


def _manifest(home: Path) -> list[dict[str, object]]:
    return [{"name": p.name, "size": p.stat().st_size} for p in sorted((home / "lib").glob("*.jar"))]


def install_distribution(
    home: str,
    version: str,
    *,
    from_zip: str | None = None,
    force: bool = False,
    log: Callable[[str], None] = print,
    maven_timeout: float | None = MAVEN_TIMEOUT,
) -> InstallResult:
    t0 = time.monotonic()
    root = Path(home).expanduser().resolve()
    if not force and from_zip is None and is_installed(str(root), version):
        log(f"RocketMQ {version} is already installed at {root}")
        return InstallResult(str(root), version, "existing", True, time.monotonic() - t0)
    if root.exists() and not force and find_installation(str(root)) is None and any(root.iterdir()):
        raise InstallError(
            f"{root} exists and was not installed by rocketui; refusing to overwrite it (use --force or another --home)"
        )
    root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{root.name}.tmp-", dir=root.parent))
    try:
        optional: dict[str, bool] = {}
        if from_zip:
            version = _unzip_release(Path(from_zip).expanduser(), staging, log)
            source = f"zip:{Path(from_zip).name}"
        else:
            try:
                traits(version)
            except ValueError as exc:
                raise InstallError(str(exc)) from None
            (staging / "lib").mkdir()
            optional = fetch_jars(version, staging / "lib", log, timeout=maven_timeout)
            write_conf(staging, version)
            write_scripts(staging, version)
            if optional.get(PROXY_ARTIFACT) is False:
                (staging / "bin" / "mqproxy").unlink()  # no proxy jars to run
            source = "maven-central"
        has_example = any((staging / "lib").glob("rocketmq-example-*.jar"))
        marker = {
            "version": version,
            "line": traits(version).line if version != "unknown" else None,
            "source": source,
            "quickstart": has_example,
            "missing": sorted(a for a, ok in optional.items() if not ok),
            "installed_at": time.time(),
            "jars": _manifest(staging),
            "scripts_sha256": {
                s: hashlib.sha256((staging / "bin" / s).read_bytes()).hexdigest()
                for s in (*SCRIPTS, *SCRIPTS_5X)
                if (staging / "bin" / s).exists()
            },
        }
        (staging / MARKER).write_text(json.dumps(marker, indent=1))
        if root.exists():
            old = root.with_name(f".{root.name}.old-{int(time.time())}")
            root.rename(old)
            staging.rename(root)
            shutil.rmtree(old, ignore_errors=True)
        else:
            staging.rename(root)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    log(f"RocketMQ {version} installed at {root}")
    return InstallResult(str(root), version, source, False, time.monotonic() - t0)
