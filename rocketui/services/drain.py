"""Drain a master: producers stop writing to it, consumers keep reading.

Mechanism: the broker's own `brokerPermission=4` (read-only), set with UPDATE_BROKER_CONFIG.  The
broker re-registers at once with every namesrv carrying its topics' perms AND'ed with it, and
keeps sending the reduced perms at every later registration — unlike WIPE_WRITE_PERM_OF_BROKER,
which lives in one namesrv's memory and is undone by a namesrv restart, a re-registration after
expiry or a topic change (notes/remoting-day2.md 7.3/7.4).  A broker restart undoes it (the file
keeps its own value): the broker's UPDATE_BROKER_CONFIG rewrites its `-c` file with every config
item, so the operator's file is put back as it was right after.

Producers move within their route refresh (30 s for the Java client); the drain then waits until
the broker's put counter stops growing, reporting the remaining put TPS as it falls.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from rocketui.backends.base import Backend
from rocketui.rocketmq.remoting.broker import BrokerClient

READ_ONLY = 4
READ_WRITE = 6
QUIET_SECONDS = 3.0  # no put for this long: drained
DRAIN_TIMEOUT = 45.0  # a Java producer refreshes its routes every 30 s
SAMPLE_SECONDS = 1.0

TpsProgress = Callable[[float, float], object]  # (seconds since the drain, put TPS over the last sample)


@dataclass
class PermissionChange:
    before: str  # brokerPermission the broker had
    after: str
    file_restored: bool = False


async def set_permission(client: BrokerClient, backend: Backend, config_path: str, perm: int) -> PermissionChange:
    """Set brokerPermission and put the operator's config file back as it was."""
    before_file = await backend.read_file(config_path)
    st = await backend.stat(config_path)
    before = (await client.get_broker_config()).get("brokerPermission", str(READ_WRITE))
    await client.update_broker_config({"brokerPermission": str(perm)})
    change = PermissionChange(before, str(perm))
    if await backend.read_file(config_path) != before_file:
        await backend.write_file(config_path, before_file, mode=st.mode if st else 0o644)
        change.file_restored = True
    return change


@dataclass
class DrainWatch:
    samples: list[tuple[float, float]] = field(default_factory=list)  # (seconds, put TPS)
    drained: bool = False
    seconds: float = 0.0

    @property
    def last_tps(self) -> float:
        return self.samples[-1][1] if self.samples else 0.0


async def wait_drained(
    client: BrokerClient,
    *,
    quiet: float = QUIET_SECONDS,
    timeout: float = DRAIN_TIMEOUT,
    progress: TpsProgress | None = None,
) -> DrainWatch:
    """Sample the broker's put counter until it has not moved for `quiet` seconds (drained) or
    `timeout` passed (not drained: a producer still writes)."""
    watch = DrainWatch()
    t0 = time.monotonic()
    last = (await client.get_runtime_info()).integer("msgPutTotalTodayNow") or 0
    last_t = quiet_since = t0
    while True:
        await asyncio.sleep(SAMPLE_SECONDS)
        now = time.monotonic()
        total = (await client.get_runtime_info()).integer("msgPutTotalTodayNow") or 0
        tps = max(0, total - last) / max(now - last_t, 1e-3)
        watch.samples.append((now - t0, tps))
        if progress is not None:
            progress(now - t0, tps)
        if total != last:
            quiet_since = now
        last, last_t = total, now
        watch.seconds = now - t0
        if now - quiet_since >= quiet:
            watch.drained = True
            return watch
        if now - t0 >= timeout:
            return watch
