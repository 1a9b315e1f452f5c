"""Remote shell scripts of the SSH backend and the parsers of their output (no I/O here).

Each script is one exec round trip in POSIX sh against Linux /proc and GNU grep/stat, and
quotes every value it embeds, so the names, paths and pids that reach the remote shell are
always data, never code.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

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


@dataclass(frozen=True)
class HostClock:
    """What a host's process start times are read against: CLK_TCK and the boot time.  Both hold
    until the host boots again (a new boot_id), so a poll that knows them does not ask again:
    two processes fewer on the host per poll."""

    clk_tck: int
    btime: float
    boot_id: str


def processes_script(name: str, clock: HostClock | None = None) -> str:
    """Prints a header line `rocketui-procs <CLK_TCK> <btime> <boot_id>`, then, NUL-terminated,
    grep -H records `<pid>/stat:<content>` and one `<pid>/cmdline:<arg>` per argument, for every
    process with an argument whose basename is `name` (the caller keeps those where it is argv[0]).
    With the host's `clock` from an earlier listing, CLK_TCK and btime are taken from it while the
    host's boot_id is still the same (read by the shell itself: no process started for it).

    grep -z prints the file name before every record, so no argument text can forge a record."""
    pattern = shlex.quote(f"^(.*/)?{ere_escape(name)}$")
    if clock is not None and clock.boot_id:
        known = (
            f'if [ "$boot" = {shlex.quote(clock.boot_id)} ]; then clk={int(clock.clk_tck)}; '
            f"bt='btime {int(clock.btime)}'; else\n"
        )
        end = "fi\n"
    else:
        known = end = ""
    return (
        "LC_ALL=C; export LC_ALL; cd /proc || exit 1\n"
        "boot=''; { read -r boot < sys/kernel/random/boot_id; } 2>/dev/null\n"
        + known
        + "clk=$(getconf CLK_TCK 2>/dev/null) || clk=100\n"
        "bt=$(grep '^btime ' stat) || bt='btime 0'\n"
        + end
        + 'printf \'rocketui-procs %s %s %s\\n\' "${clk:-100}" "${bt#btime }" "$boot"\n'
        "files=''\n"
        f'for f in $(grep -lsaz -E -e {pattern} [0-9]*/cmdline); do files="$files ${{f%/cmdline}}/stat $f"; done\n'
        "[ -z \"$files\" ] || grep -Hsaz '' $files\n"
        "exit 0\n"
    )


LISTEN_MARK = b"\0rocketui-listen\n"
SS_MARK = b"\0rocketui-listen ss\n"


def listen_pattern(ports: frozenset[int] | None) -> str:
    """An ERE for the LISTEN (state 0A) lines of /proc/net/tcp{,6}, only those on `ports` when
    given: `sl local_address:PORT rem_address:port 0A`, ports as 4 upper-case hex digits."""
    port = "[0-9A-F]{4}" if ports is None else "(" + "|".join(sorted(f"{p:04X}" for p in ports)) + ")"
    return f"^ *[0-9]+: [0-9A-F]+:{port} [0-9A-F]+:[0-9A-F]{{4}} 0A "


def ss_filter(ports: frozenset[int] | None) -> str:
    """ss's filter for the listening sockets on `ports` (all of them when None)."""
    if not ports:
        return ""
    return " " + shlex.quote("( " + " or ".join(f"sport = :{int(p)}" for p in sorted(ports)) + " )")


def snapshot_script(name: str, ports: frozenset[int] | None = None, clock: HostClock | None = None) -> str:
    """`processes_script` then the host's LISTEN sockets (those on `ports` only, when given: the
    filter runs on the host, so its other sockets never travel): after SS_MARK from `ss -ltn`,
    which the kernel answers from its listening sockets alone, or, where ss is missing or fails,
    after LISTEN_MARK from /proc/net/tcp{,6}, which the kernel writes out with every socket of
    the host (a busy broker's thousands of client connections, on every poll)."""
    pattern = shlex.quote(listen_pattern(ports))
    return processes_script(name, clock).removesuffix("exit 0\n") + (
        "printf '\\000rocketui-listen ss\\n'\n"
        f"command -v ss >/dev/null 2>&1 && ss -ltn{ss_filter(ports)} 2>/dev/null && exit 0\n"
        "printf '\\000rocketui-listen\\n'\n"
        f"grep -shE {pattern} net/tcp net/tcp6 || true\nexit 0\n"
    )


def parse_snapshot(output: bytes, name: str) -> tuple[list[ProcessInfo], frozenset[tuple[str, int]] | None]:
    listing, ss_mark, rest = output.partition(SS_MARK)
    by_ss, proc_mark, by_proc = rest.partition(LISTEN_MARK)
    listening: frozenset[tuple[str, int]] | None
    if not ss_mark:  # the script ended before its socket part
        listening = None
    elif proc_mark:  # ss missing or failed: what it printed, if anything, does not count
        listening = procfs.parse_listening(by_proc.decode(errors="replace"))
    else:
        listening = procfs.parse_ss_listening(by_ss.decode(errors="replace"))
    return parse_processes(listing, name), listening


_RECORD = re.compile(rb"^(\d+)/(stat|cmdline):", re.S)


class ScriptOutputError(ValueError):
    pass


def parse_clock(output: bytes) -> HostClock | None:
    """The host clock of a listing's header (None without a boot_id: nothing to check it by)."""
    fields = output.partition(b"\n")[0].split()
    if len(fields) != 4 or fields[0] != b"rocketui-procs":
        return None
    try:
        return HostClock(int(fields[1]), float(fields[2]), fields[3].decode("ascii"))
    except (ValueError, UnicodeDecodeError):
        return None


def parse_processes(output: bytes, name: str) -> list[ProcessInfo]:
    header, sep, body = output.partition(b"\n")
    fields = header.split()
    if not sep or len(fields) not in (3, 4) or fields[0] != b"rocketui-procs":
        raise ScriptOutputError(f"unexpected process listing output: {header[:200]!r}")
    try:
        clk_tck, btime = int(fields[1]), float(fields[2])
    except ValueError:
        raise ScriptOutputError(f"unexpected process listing output: {header[:200]!r}") from None
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


STAT_MANY_MISSING = "-"
STAT_MANY_FAILED = "!"


def stat_many_script(paths: Sequence[str]) -> str:
    """One line per path, in order: `stat_script`'s fields, STAT_MANY_MISSING when there is no
    such file, STAT_MANY_FAILED when stat(1) could not tell (its reason goes to stderr)."""
    quoted = " ".join(shlex.quote(p) for p in paths)
    return (
        f"for p in {quoted}; do\n"
        f'  if [ ! -e "$p" ]; then echo {STAT_MANY_MISSING}\n'
        f"  else stat -L -c '%s %i %a %Y %y' -- \"$p\" || echo {STAT_MANY_FAILED}; fi\n"
        "done\nexit 0\n"
    )


def parse_stat_many(output: str, paths: Sequence[str]) -> list[FileStat | None]:
    lines = output.splitlines()
    if len(lines) != len(paths):
        raise ScriptOutputError(f"expected {len(paths)} stat lines, got {len(lines)}: {output[:200]!r}")
    out: list[FileStat | None] = []
    for path, line in zip(paths, lines, strict=True):
        if line == STAT_MANY_MISSING:
            out.append(None)
        elif line == STAT_MANY_FAILED:
            raise ScriptOutputError(f"cannot stat {path}")
        else:
            out.append(parse_stat(line))
    return out


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


# ---------------------------------------------------------------------------------- saving files
@dataclass(frozen=True)
class RemoteUser:
    """The login user of a connection: who a save is checked for."""

    uid: int
    name: str
    gids: frozenset[int]


IDENTITY_SCRIPT = 'printf \'rocketui-id %s %s\\n\' "$(id -u)" "$(id -un)"; id -G\n'


def parse_identity(output: str) -> RemoteUser:
    lines = output.split("\n")
    head = lines[0].split()
    if len(lines) < 2 or len(head) != 3 or head[0] != "rocketui-id":
        raise ScriptOutputError(f"unexpected id output: {output[:200]!r}")
    return RemoteUser(int(head[1]), head[2], frozenset(int(g) for g in lines[1].split()))


@dataclass(frozen=True)
class RemoteFile:
    """What a save must know about an existing remote file and keep in the new one."""

    nlink: int
    uid: int
    gid: int
    mode: int  # st_mode, file type included
    owner: str  # user:group as names
    writable: bool  # by the login user ([ -w ]: mode bits, ACLs, read-only mounts, root)
    # Extended attributes as (name, hex value) pairs from getfattr, or, where getfattr is not
    # installed, ls's view: ("ls", ACL marker, SELinux context) -- user.* attributes unseen then.
    attributes: tuple[tuple[str, str], ...]
    tool: str  # "getfattr" | "ls"

    def has_attributes(self) -> bool:
        if self.tool == "getfattr":
            return bool(self.attributes)
        return any(value not in ("", "?") for _, value in self.attributes)

    def describe_attributes(self) -> str:
        if self.tool == "getfattr":
            return ", ".join(name for name, _ in self.attributes)
        marker, context = (value for _, value in self.attributes)
        parts = (["an ACL"] if marker == "+" else []) + ([f"SELinux context {context}"] if context != "?" else [])
        return ", ".join(parts) or "attributes ls marks with " + (marker or "?")


FILE_MISSING = 3


def file_facts_script(path: str) -> str:
    """nlink, uid, gid, raw mode, owner names, writability for the login user, and the extended
    attributes (getfattr when installed, else the ACL marker and SELinux context of ls -Z)."""
    q = shlex.quote(path)
    return (
        f"LC_ALL=C; export LC_ALL; p={q}\n"
        f"s=$(stat -L -c '%h %u %g %f %U:%G' -- \"$p\") || exit {FILE_MISSING}\n"
        'w=-; [ -w "$p" ] && w=w\n'
        'printf \'rocketui-file %s %s\\n\' "$s" "$w"\n'
        "if command -v getfattr >/dev/null 2>&1; then\n"
        "  echo 'attributes getfattr'\n"
        '  getfattr --absolute-names -d -m - -e hex -- "$p" 2>/dev/null\n'
        "else\n"
        '  set -f; set -- $(ls -dlnZ -- "$p" 2>/dev/null)\n'
        '  printf \'attributes ls %s %s\\n\' "${1:-}" "${5:-}"\n'
        "fi\n"
        "exit 0\n"
    )


def parse_file_facts(output: str) -> RemoteFile:
    lines = output.split("\n")
    head = lines[0].split()
    if len(head) != 7 or head[0] != "rocketui-file" or len(lines) < 2:
        raise ScriptOutputError(f"unexpected file facts output: {output[:200]!r}")
    kind = lines[1].split()
    attributes: list[tuple[str, str]] = []
    if kind[:2] == ["attributes", "getfattr"]:
        tool = "getfattr"
        for line in lines[2:]:
            name, sep, value = line.partition("=")
            if sep and not line.startswith("#"):
                attributes.append((name, value))
    elif kind[:2] == ["attributes", "ls"]:
        tool = "ls"
        mode_text = kind[2] if len(kind) > 2 else ""
        attributes = [("acl", mode_text[10:11]), ("context", kind[3] if len(kind) > 3 else "?")]
    else:
        raise ScriptOutputError(f"unexpected file facts output: {output[:200]!r}")
    return RemoteFile(
        nlink=int(head[1]),
        uid=int(head[2]),
        gid=int(head[3]),
        mode=int(head[4], 16),
        owner=head[5],
        writable=head[6] == "w",
        attributes=tuple(sorted(attributes)),
        tool=tool,
    )
