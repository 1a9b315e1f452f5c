"""Reading processes from Linux /proc (local backend) and parsing the same data from a remote
host (the SSH backend prints /proc contents in one round trip and parses them here)."""

from __future__ import annotations

import functools
import os
import re
import socket

from rocketui.backends.base import ProcessInfo

CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def boot_time(stat_text: str | None = None) -> float:
    if stat_text is None:
        with open("/proc/stat") as f:
            stat_text = f.read()
    for line in stat_text.splitlines():
        if line.startswith("btime "):
            return float(line.split()[1])
    return 0.0


def parse_stat(text: str) -> tuple[int, int, int]:
    """(ppid, pgid, start_ticks) from /proc/<pid>/stat (the comm field may contain spaces)."""
    rest = text[text.rindex(")") + 2 :].split()
    # rest[0] is state (field 3); ppid=4, pgrp=5, starttime=22
    return int(rest[1]), int(rest[2]), int(rest[19])


def make_info(pid: int, stat_text: str, cmdline: bytes, btime: float, clk_tck: int = CLK_TCK) -> ProcessInfo | None:
    argv = tuple(a.decode(errors="replace") for a in cmdline.split(b"\0") if a)
    if not argv:
        return None
    ppid, pgid, ticks = parse_stat(stat_text)
    return ProcessInfo(pid, ppid, pgid, ticks, btime + ticks / clk_tck, argv)


def start_ticks(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return parse_stat(f.read())[2]
    except (OSError, ValueError, IndexError):
        return None


def is_zombie(pid: int) -> bool:
    """Exited but not yet reaped (a daemon's parent is init, which may take a moment): gone for
    every purpose of rocketui, although signal 0 still reaches it."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(") ", 1)[1].startswith("Z")
    except (OSError, IndexError):
        return False


def list_processes(name: str) -> list[ProcessInfo]:
    btime = boot_time()
    found: list[ProcessInfo] = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read()
            if not cmdline:
                continue
            exe = cmdline.split(b"\0", 1)[0].rsplit(b"/", 1)[-1].decode(errors="replace")
            if exe != name:
                continue
            with open(f"/proc/{entry}/stat") as f:
                stat_text = f.read()
        except OSError:
            continue  # process vanished while we looked
        info = make_info(int(entry), stat_text, cmdline, btime)
        if info:
            found.append(info)
    return found


# `sl: local_address:port rem_address:port st …` with st LISTEN (re: ~10x faster than splitting
# each line, which a fleet's status poll did for every socket of every host)
_LISTEN_LINE = re.compile(r"^ *[0-9]+: ([0-9A-Fa-f]+):([0-9A-Fa-f]{4}) [0-9A-Fa-f]+:[0-9A-Fa-f]{4} 0A ", re.M)


@functools.lru_cache(maxsize=4096)
def _hex_address(text: str) -> str:
    """An address of /proc/net/tcp{,6}: IPv4 as 8 hex digits, IPv6 as 32, each 32-bit word in
    host (little-endian) order."""
    raw = bytes.fromhex(text)
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    if len(words) == 4:
        return socket.inet_ntop(socket.AF_INET, words)
    return socket.inet_ntop(socket.AF_INET6, words)


def parse_listening(text: str, ports: frozenset[int] | None = None) -> frozenset[tuple[str, int]]:
    """(address, port) of every LISTEN socket in /proc/net/tcp and /proc/net/tcp6 content (their
    header lines and anything else that is not a socket line are skipped); only those on `ports`
    when given."""
    found: set[tuple[str, int]] = set()
    for address, port_hex in set(_LISTEN_LINE.findall(text)):
        port = int(port_hex, 16)
        if ports is None or port in ports:
            try:
                found.add((_hex_address(address), port))
            except ValueError:  # not 4 or 16 bytes
                continue
    return frozenset(found)


def parse_ss_listening(text: str) -> frozenset[tuple[str, int]]:
    """(address, port) of every LISTEN line of `ss -ltn` output, addresses as parse_listening
    gives them: `*` (a dual-stack wildcard, as a JVM binds) is `::`, brackets and `%iface` go.
    Written here because no library reads ss's text; the forms handled are those iproute2 has
    printed: `127.0.0.1:9876`, `[::1]:9876`, `*:9876`, `:::9876` (before 4.x), `a%lo:53`."""
    found: set[tuple[str, int]] = set()
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 5 or fields[0] != "LISTEN":
            continue
        address, _, port = fields[3].rpartition(":")
        address = address.removeprefix("[").removesuffix("]").partition("%")[0]
        if address == "*":
            address = "::"
        try:
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            found.add((socket.inet_ntop(family, socket.inet_pton(family, address)), int(port)))
        except (OSError, ValueError):
            continue
    return frozenset(found)


def listening(ports: frozenset[int] | None = None) -> frozenset[tuple[str, int]] | None:
    """This machine's listening TCP sockets, those on `ports` only when given (None when
    /proc/net/tcp cannot be read)."""
    text = ""
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(path) as f:
                text += f.read()
        except OSError:
            if path.endswith("tcp"):
                return None
    return parse_listening(text, ports)
