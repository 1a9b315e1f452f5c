"""The simulated hosts' CPU: one cgroup for all of them, so that together they weigh as one
competitor for the bench machine's cores, not a hundred.

On a real fleet each host does its share of a poll (a shell, grep over /proc) on its own CPUs;
here 100 sshd sessions run on the same 2 cores as the TUI.  With the kernel's autogroup
scheduling every sshd session is a group of its own and weighs as much as the whole TUI, so a
poll's burst of host work can keep the TUI's main thread waiting for a core for tens of
milliseconds (measured: 44 % of its time runnable but not running).  In one cgroup at the default
weight the hosts still get every idle cycle, and the TUI gets a core when it needs one, as it
would on an operator's machine beside remote hosts.
"""

from __future__ import annotations

import os
from pathlib import Path

V1 = Path("/sys/fs/cgroup/cpu")
V2 = Path("/sys/fs/cgroup")


def _base() -> Path | None:
    if (V1 / "cgroup.procs").exists():
        return V1
    controllers = V2 / "cgroup.controllers"
    if controllers.exists() and "cpu" in controllers.read_text().split():
        return V2
    return None


class HostsCpuGroup:
    def __init__(self, name: str) -> None:
        base = _base()
        self.parent = base
        self.path = base / name if base is not None else None
        if self.path is not None:
            self.path.mkdir(exist_ok=True)

    @property
    def available(self) -> bool:
        return self.path is not None

    def add(self, pid: int) -> None:
        """Put one process in the group (the processes it starts later follow; those it has
        started already do not: add them too)."""
        if self.path is not None:
            try:
                (self.path / "cgroup.procs").write_text(f"{pid}\n")
            except ProcessLookupError:  # exited meanwhile (a probe connection's sshd)
                pass

    def pids(self) -> list[int]:
        if self.path is None:
            return []
        return [int(p) for p in (self.path / "cgroup.procs").read_text().split()]

    def release(self) -> list[int]:
        """Move every process back to the parent (each host a competitor again); returns them."""
        moved = []
        if self.path is None or self.parent is None:
            return moved
        for pid in self.pids():
            try:
                (self.parent / "cgroup.procs").write_text(f"{pid}\n")
                moved.append(pid)
            except OSError:  # exited meanwhile
                pass
        return moved

    def remove(self) -> None:
        if self.path is not None and self.path.exists():
            self.release()
            try:
                os.rmdir(self.path)
            except OSError:
                pass
