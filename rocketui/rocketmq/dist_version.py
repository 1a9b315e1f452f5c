"""Which RocketMQ a distribution directory holds, told by its own files (pure: the caller lists
the directories and reads the jar).

The version is the one in `lib/rocketmq-broker-<version>.jar`, confirmed by that jar's
`META-INF/MANIFEST.MF` (`Implementation-Version`).  The shape of its conf/ says how it logs
(`logback_broker.xml`: 4.x; `rmq.broker.logback.xml`: 5.x), and lib/ whether the optional parts
(quickstart examples, proxy) are there.  A rocketui install also carries its marker file.
"""

from __future__ import annotations

import io
import json
import posixpath
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass

BROKER_JAR = re.compile(r"rocketmq-broker-(\d+\.\d+\.\d+[0-9A-Za-z.-]*)\.jar")
EXAMPLE_JAR = re.compile(r"rocketmq-example-.+\.jar")
PROXY_JAR = re.compile(r"rocketmq-proxy-.+\.jar")
MANIFEST = "META-INF/MANIFEST.MF"


def version_from_lib(names: Iterable[str]) -> str | None:
    """The version in the broker jar's name (the highest one if lib/ holds several)."""
    found = [m.group(1) for n in names if (m := BROKER_JAR.fullmatch(n))]
    if not found:
        return None
    return max(found, key=lambda v: [int(p) if p.isdigit() else -1 for p in re.split(r"[.-]", v)])


def manifest_version(text: str) -> str | None:
    """`Implementation-Version` of a MANIFEST.MF (continuation lines joined)."""
    joined = re.sub(r"\r?\n ", "", text)
    for line in joined.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() == "Implementation-Version" and value.strip():
            return value.strip()
    return None


def jar_version(data: bytes) -> str | None:
    """The manifest version of a jar given as bytes; None when it is not a jar or says none."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return manifest_version(zf.read(MANIFEST).decode("utf-8", "replace"))
    except (zipfile.BadZipFile, KeyError, OSError):
        return None


@dataclass(frozen=True)
class Distribution:
    """What a RocketMQ home holds, as found on its host."""

    home: str
    version: str | None  # None: no broker jar in lib/
    logging: str | None  # "4.x" (conf/logback_*.xml), "5.x" (conf/rmq.*.logback.xml), None: neither
    has_example: bool  # the quickstart Producer/Consumer (rocketmq-example jar) is in lib/
    has_proxy: bool
    by_rocketui: bool  # rocketui's install marker is there (else: an official zip or a hand install)
    manifest_checked: bool = False  # the broker jar's manifest confirmed `version`
    own_scripts: bool = False  # bin/ holds the launchers rocketui wrote (assembled, hashes still match)

    @property
    def label(self) -> str:
        return self.version or "unknown"

    def to_json(self) -> dict[str, object]:
        return {
            "home": self.home,
            "version": self.version,
            "logging": self.logging,
            "quickstart": self.has_example,
            "proxy": self.has_proxy,
            "installed_by": "rocketui" if self.by_rocketui else "hand",
        }


def describe(
    home: str,
    lib: Iterable[str],
    conf: Iterable[str],
    marker: bytes | None = None,
    manifest: str | None = None,
    script_hashes: dict[str, str] | None = None,
) -> Distribution:
    """Put together what the listings say.  `manifest` is the broker jar's version from its
    manifest (wins over the file name); `script_hashes` the sha256 of bin/ files now."""
    lib = list(lib)
    conf = set(conf)
    version = manifest or version_from_lib(lib)
    if "rmq.broker.logback.xml" in conf:
        logging: str | None = "5.x"
    elif "logback_broker.xml" in conf:
        logging = "4.x"
    else:
        logging = None
    own = False
    if marker is not None and script_hashes is not None:
        try:
            data = json.loads(marker)
            recorded = data.get("scripts_sha256") or {}
            assembled = data.get("source") == "maven-central"  # an unpacked zip keeps its own scripts
        except (ValueError, AttributeError):
            recorded, assembled = {}, False
        own = assembled and bool(recorded) and all(script_hashes.get(k) == v for k, v in recorded.items())
    return Distribution(
        home=home,
        version=version,
        logging=logging,
        has_example=any(EXAMPLE_JAR.fullmatch(n) for n in lib),
        has_proxy=any(PROXY_JAR.fullmatch(n) for n in lib),
        by_rocketui=marker is not None,
        manifest_checked=manifest is not None,
        own_scripts=own,
    )


def home_of_java(argv: Iterable[str]) -> str | None:
    """The RocketMQ home a running JVM was launched from: `-Drocketmq.home.dir`, else the
    directory above the `.../lib/*` entry of its classpath (the launchers put `$BASE_DIR/lib/*`
    there, BASE_DIR being bin/..)."""
    words = list(argv)
    for word in words:
        if word.startswith("-Drocketmq.home.dir="):
            return posixpath.normpath(word.split("=", 1)[1])
    for i, word in enumerate(words[:-1]):
        if word in ("-cp", "-classpath", "--class-path"):
            for entry in words[i + 1].split(":"):
                if entry.endswith("/lib/*"):
                    return posixpath.normpath(entry[: -len("/lib/*")])
    return None
