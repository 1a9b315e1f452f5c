"""TCP ports for the JVMs and servers a test starts: each pytest-xdist worker takes ports from
its own range (so workers never race for one), below Linux's ephemeral range (so an outgoing
connection never holds a port a JVM is about to listen on), each one checked free.

A broker listens on port-2 (fast), port and port+1 (HA); `broker_port` checks all three.
"""

from __future__ import annotations

import itertools
import os
import socket

_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
_INDEX = int(_WORKER[2:]) if _WORKER[2:].isdigit() else 0
_SPAN = 2400  # ports per worker
_START = 12000 + _SPAN * (_INDEX % 8)  # 12000-31199: below the ephemeral range (32768-60999)
_candidates = itertools.count(_START + 10, 10)


def _free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


def free_port(*, offsets: tuple[int, ...] = (0,)) -> int:
    """A port p of this worker's range such that p+offset is free for every offset."""
    for port in _candidates:
        if port + max(offsets) >= _START + _SPAN:
            raise RuntimeError(f"worker {_WORKER} ran out of test ports ({_START}-{_START + _SPAN - 1})")
        if all(_free(port + o) for o in offsets):
            return port
    raise AssertionError("unreachable")


def namesrv_port() -> int:
    return free_port()


def broker_port() -> int:
    """A broker's listenPort, with its fast port (-2) and HA port (+1) free too."""
    return free_port(offsets=(-2, 0, 1))
