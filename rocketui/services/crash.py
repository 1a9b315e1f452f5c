"""Why a node's JVM went away without rocketui stopping it, from what it left behind.

The launch wrapper appends `[rocketui] exited with status N at EPOCH` to the node's stdout.log
when the command ends (N is the JVM's exit status as its shell saw it: 128+signal for a signal,
so 137 is SIGKILL — kill -9 or the kernel's OOM killer — and 134 SIGABRT, which comes with an
hs_err_pid*.log in the working directory).  The telling lines are the JVM's own fatal messages.
"""

from __future__ import annotations

import re
import signal
import time
from dataclasses import dataclass

from rocketui.backends.base import EXIT_MARKER, FileStat
from rocketui.rocketmq.layout import explain_failure
from rocketui.services.run_record import RunRecord

_MARKER = re.compile(re.escape(EXIT_MARKER) + r"(-?\d+)(?: at (\d+))?")
TAIL_BYTES = 64 * 1024


@dataclass(frozen=True)
class CrashInfo:
    exit_status: int | None  # None: the wrapper did not record one (the host went down, say)
    ended_at: float | None  # epoch seconds, from the marker (else the output file's mtime)
    lines: tuple[str, ...] = ()  # the telling lines of its output
    hs_err: str | None = None  # path of the JVM's fatal error log, if it wrote one

    @property
    def signal_name(self) -> str | None:
        if self.exit_status is None or self.exit_status <= 128:
            return None
        try:
            return signal.Signals(self.exit_status - 128).name
        except ValueError:
            return None

    def cause(self) -> str:
        """'killed by SIGKILL (exit status 137)', 'exited with status 1', 'exit status unknown'."""
        if self.exit_status is None:
            return "exit status unknown (no exit line in stdout.log)"
        sig = self.signal_name
        if sig == "SIGKILL":
            return f"killed by SIGKILL (exit status {self.exit_status}: kill -9, or the kernel's OOM killer)"
        if sig:
            return f"killed by {sig} (exit status {self.exit_status})"
        return f"exited with status {self.exit_status}"

    def summary(self) -> str:
        when = time.strftime(" at %Y-%m-%d %H:%M:%S", time.localtime(self.ended_at)) if self.ended_at else ""
        parts = [self.cause() + when]
        if self.hs_err:
            parts.append(f"JVM fatal error log {self.hs_err}")
        if self.lines:
            parts.append(self.lines[-1])
        return "; ".join(parts)

    def to_json(self) -> dict[str, object]:
        return {
            "exit_status": self.exit_status,
            "signal": self.signal_name,
            "ended_at": self.ended_at,
            "cause": self.cause(),
            "lines": list(self.lines),
            "hs_err": self.hs_err,
        }


def last_exit(output: str) -> tuple[int, float | None] | None:
    """(exit status, epoch) of the last exit line in a stdout.log tail, None without one."""
    found = None
    for m in _MARKER.finditer(output):
        found = (int(m.group(1)), float(m.group(2)) if m.group(2) else None)
    return found


# start-up chatter that says nothing about why a JVM went away
_NOISE = re.compile(
    r"^\d\d:\d\d:\d\d,\d{3} \|-(INFO|WARN|ERROR) in "  # logback's own start-up status lines
    r"|^OpenJDK 64-Bit Server VM warning: Option \S+ was deprecated"  # the launchers' old flags
    r"|^#\s*$"
)


def last_run(output: str) -> str:
    """The output of the last run alone: after the exit line of the run before it (stdout.log is
    appended to by every start), up to its own exit line if it has one."""
    runs = output.split(EXIT_MARKER)
    if len(runs) == 1:
        return output
    ended = not runs[-1].partition("\n")[2].strip()  # the last piece is only an exit line's status
    index = len(runs) - 2 if ended else len(runs) - 1
    body = runs[index]
    return body.partition("\n")[2] if index > 0 else body  # drop the status of the run before


def telling_lines(output: str, limit: int = 3) -> tuple[str, ...]:
    """The lines that say why (JVM errors, Java exceptions), else the last lines before the exit
    (the shell's own "Killed" included)."""
    before_exit = last_run(output)
    reasons = explain_failure(before_exit)
    if reasons:
        return tuple(reasons[-limit:])
    lines = [s for line in before_exit.splitlines() if (s := line.strip()) and not _NOISE.match(s)]
    return tuple(line[:300] for line in lines[-limit:])


def analyse(output: str, *, mtime: float | None, hs_err: str | None) -> CrashInfo:
    exit_info = last_exit(output)
    status, when = exit_info if exit_info else (None, None)
    return CrashInfo(status, when or mtime, telling_lines(output), hs_err)


class CrashCache:
    """Crash findings per node, kept while the run record and stdout.log stay the same (a poll
    every second must not re-read the output of every crashed node)."""

    def __init__(self) -> None:
        self._by_node: dict[str, tuple[RunRecord, FileStat | None, CrashInfo]] = {}

    def known(self, node: str, record: RunRecord) -> bool:
        hit = self._by_node.get(node)
        return hit is not None and hit[0].started == record.started

    def get(self, node: str, record: RunRecord, stat: FileStat | None) -> CrashInfo | None:
        hit = self._by_node.get(node)
        if hit is None or hit[0].started != record.started:
            return None
        if (stat is None) != (hit[1] is None) or (stat and hit[1] and not stat.same_version(hit[1])):
            return None
        return hit[2]

    def put(self, node: str, record: RunRecord, stat: FileStat | None, info: CrashInfo) -> None:
        self._by_node[node] = (record, stat, info)
