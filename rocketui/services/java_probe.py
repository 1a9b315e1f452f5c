"""Which Java a host would run a node with: the configured java_home, else the JDK that `javac`
(or `java`) on PATH belongs to — what rocketui's own launchers pick, and what an official 4.x
launcher needs to be handed as JAVA_HOME (it does not look at PATH at all).

Asked once per (host, java_home) with one small shell command; nothing is changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rocketui.backends.base import Backend, BackendError, Command

# $1 = the configured java_home ("" when none). Prints the home, then java's first version line.
_PROBE = (
    'j="$1"; if [ -z "$j" ]; then p=$(command -v javac || command -v java) || exit 3; '
    'j=$(dirname "$(dirname "$(readlink -f "$p")")"); fi; '
    '[ -x "$j/bin/java" ] || exit 4; echo "$j"; "$j/bin/java" -version 2>&1 | grep -m1 version'
)
_VERSION = re.compile(r'version "(?:1\.)?(\d+)')


@dataclass(frozen=True)
class JavaInfo:
    home: str | None  # None: no Java found
    major: int | None  # 8, 11, 17, 21 ...; None when unknown
    error: str = ""


def parse_probe(stdout: str) -> JavaInfo:
    lines = [line.strip() for line in stdout.splitlines() if line.strip()]
    if not lines:
        return JavaInfo(None, None, "no Java found")
    m = _VERSION.search(lines[1]) if len(lines) > 1 else None
    return JavaInfo(lines[0], int(m.group(1)) if m else None)


class JavaProbe:
    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], JavaInfo] = {}

    async def java(self, backend: Backend, java_home: str | None) -> JavaInfo:
        key = (backend.name, java_home or "")
        if key not in self._cache:
            try:
                result = await backend.run(Command.of(["sh", "-c", _PROBE, "sh", java_home or ""]), timeout=20)
            except BackendError as exc:
                return JavaInfo(None, None, str(exc))  # not cached: the host may come back
            info = parse_probe(result.stdout) if result.ok else JavaInfo(None, None, "no Java found")
            self._cache[key] = info
        return self._cache[key]
