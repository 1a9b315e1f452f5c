"""Remote shell scripts of the SSH backend and the parsers of their output (no I/O here).

Each script is one exec round trip in POSIX sh against Linux /proc and GNU grep/stat, and
quotes every value it embeds, so the names, paths and pids that reach the remote shell are
always data, never code.
"""

from __future__ import annotations

import re
import shlex

from rocketui.backends import procfs
from rocketui.backends.base import FileStat, ProcessInfo

PID_MARK = "rocketui-pid:"
# First thing every exec prints (on stderr): the remote shell's pid.  sshd starts each session
# in a new session/process group led by that shell, so it names the whole command's group; a
# timed-out command is killed through it (closing the channel leaves a non-pty command running).
PID_PREFIX = f"printf '{PID_MARK}%s\\n' \"$$\" >&2; "

_ERE_SPECIAL = re.compile(r"([.\[\]()*+?{}|^$\\])")


def ere_escape(text: str) -> str:
    return _ERE_SPECIAL.sub(r"\\\1", text)


def processes_script(name: str) -> str:
    """Prints a header line `rocketui-procs <CLK_TCK> <btime>`, then, NUL-terminated, grep -H
    records `<pid>/stat:<content>` and one `<pid>/cmdline:<arg>` per argument, for every process
    with an argument whose basename is `name` (the caller keeps those where it is argv[0]).

    grep -z prints the file name before every record, so no argument text can forge a record."""
    pattern = shlex.quote(f"^(.*/)?{ere_escape(name)}$")
    return (
        "LC_ALL=C; export LC_ALL; cd /proc || exit 1\n"
        "clk=$(getconf CLK_TCK 2>/dev/null) || clk=100\n"
        "bt=$(grep '^btime ' stat) || bt='btime 0'\n"
        'printf \'rocketui-procs %s %s\\n\' "${clk:-100}" "${bt#btime }"\n'
        "files=''\n"
        f'for f in $(grep -lsaz -E -e {pattern} [0-9]*/cmdline); do files="$files ${{f%/cmdline}}/stat $f"; done\n'
        "[ -z \"$files\" ] || grep -Hsaz '' $files\n"
        "exit 0\n"
    )


_RECORD = re.compile(rb"^(\d+)/(stat|cmdline):", re.S)


class ScriptOutputError(ValueError):
    pass


def parse_processes(output: bytes, name: str) -> list[ProcessInfo]:
    header, sep, body = output.partition(b"\n")
    fields = header.split()
    if not sep or len(fields) != 3 or fields[0] != b"rocketui-procs":
        raise ScriptOutputError(f"unexpected process listing output: {header[:200]!r}")
    clk_tck, btime = int(fields[1]), float(fields[2])
    stats: dict[int, str] = {}
    args: dict[int, list[bytes]] = {}
    for record in body.split(b"\0"):
        m = _RECORD.match(record)
        if m is None:
            continue  # the empty tail after the last NUL
        pid = int(m.group(1))
        content = record[m.end() :]
        if m.group(2) == b"stat":
            stats[pid] = content.decode(errors="replace")
        else:
            args.setdefault(pid, []).append(content)
    found: list[ProcessInfo] = []
    for pid, argv in args.items():
        stat_text = stats.get(pid)
        if stat_text is None:
            continue  # exited between the two greps
        if argv[0].rsplit(b"/", 1)[-1].decode(errors="replace") != name:
            continue
        try:
            info = procfs.make_info(pid, stat_text, b"\0".join(argv), btime, clk_tck)
        except (ValueError, IndexError):
            continue
        if info:
            found.append(info)
    return sorted(found, key=lambda p: p.pid)


# signal_script exit codes
SIGNAL_GONE = 3
SIGNAL_STALE = 4
SIGNAL_FAILED = 5


def signal_script(pid: int, signame: str, start_ticks: int | None) -> str:
    """kill -s <signame> <pid>, only when /proc/<pid>/stat's starttime still equals start_ticks.
    A kill command rather than an SSH channel signal: sshd does not forward those for every
    login (root included), and they would only reach the channel's own process anyway."""
    pid = int(pid)
    if not re.fullmatch(r"[A-Z0-9+]+", signame):
        raise ValueError(f"bad signal name {signame!r}")
    lines = []
    if start_ticks is not None:
        lines += [
            f"s=$(cat /proc/{pid}/stat 2>/dev/null) || exit {SIGNAL_GONE}",
            's=${s##*") "}',  # fields after the comm, which may contain spaces and parentheses
            "set -f; set -- $s",
            f'[ "${{20}}" = {int(start_ticks)} ] || exit {SIGNAL_STALE}',  # field 22: starttime
        ]
    if signame == "0":  # a probe: an exited but unreaped process (a zombie) counts as gone
        lines += [
            f"z=$(cat /proc/{pid}/stat 2>/dev/null) || exit {SIGNAL_GONE}",
            'z=${z##*") "}',
            f'case "$z" in Z*) exit {SIGNAL_GONE};; esac',
        ]
    lines += [
        f"kill -s {signame} {pid} && exit 0",
        f"[ -d /proc/{pid} ] || exit {SIGNAL_GONE}",
        f"exit {SIGNAL_FAILED}",
    ]
    return "\n".join(lines) + "\n"


STAT_MISSING = 3


def stat_script(path: str) -> str:
    """size, inode, octal mode, mtime seconds and the full mtime (for its nanoseconds); SFTP v3
    has neither inodes nor sub-second times, so stat(1) it is."""
    q = shlex.quote(path)
    return f"[ -e {q} ] || exit {STAT_MISSING}\nexec stat -L -c '%s %i %a %Y %y' -- {q}\n"


def parse_stat(output: str) -> FileStat:
    parts = output.split()
    if len(parts) < 6:
        raise ScriptOutputError(f"unexpected stat output: {output[:200]!r}")
    size, inode, mode, secs = int(parts[0]), int(parts[1]), int(parts[2], 8), int(parts[3])
    _, _, frac = parts[5].partition(".")
    nanos = int(frac[:9].ljust(9, "0")) if frac.isdigit() else 0
    return FileStat(size, secs * 1_000_000_000 + nanos, inode, mode & 0o7777)


def kill_group_script(pid: int) -> str:
    """Stop a timed-out command's process group: TERM now, KILL 2 s later (detached, so this
    channel does not wait for it)."""
    pid = int(pid)
    return (
        f"kill -s TERM -- -{pid} 2>/dev/null\n(sleep 2; kill -s KILL -- -{pid}) >/dev/null 2>&1 </dev/null &\nexit 0\n"
    )


def home_script(user: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9._][A-Za-z0-9._-]*", user):
        raise ValueError(f"bad user name in path: ~{user}")
    return f"cd ~{user} && pwd"


def split_pid_line(stderr_first: bytes) -> int | None:
    line = stderr_first.strip()
    if line.startswith(PID_MARK.encode()) and line[len(PID_MARK) :].isdigit():
        return int(line[len(PID_MARK) :])
    return None
