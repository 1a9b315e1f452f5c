"""What a slave lacks of its master's topics and subscription groups.

A 5.x slave copies them only about once a minute (and a while after its master restarted); until
then reads of a new topic from the slave fail with TOPIC_NOT_EXIST, so health flags the gap."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from rocketui.rocketmq.remoting.broker import BrokerClient
from rocketui.rocketmq.remoting.client import Connector
from rocketui.rocketmq.remoting.errors import RemotingError

SHOWN = 3  # names listed in a finding


@dataclass(frozen=True)
class Drift:
    topics: tuple[str, ...]
    groups: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.topics or self.groups)

    def text(self) -> str:
        parts = []
        for names, what in ((self.topics, "topic"), (self.groups, "subscription group")):
            if names:
                shown = ", ".join(names[:SHOWN]) + (", …" if len(names) > SHOWN else "")
                parts.append(f"{len(names)} {what}(s) of its master ({shown})")
        return "lacks " + " and ".join(parts) + "; a slave copies them about once a minute"


def drift(master: tuple[set[str], set[str]], slave: tuple[set[str], set[str]]) -> Drift:
    return Drift(tuple(sorted(master[0] - slave[0])), tuple(sorted(master[1] - slave[1])))


async def definitions(addr: str, connector: Connector | None, timeout: float) -> tuple[set[str], set[str]]:
    async with BrokerClient(addr, connector=connector, timeout=timeout) as client:
        topics, groups = await asyncio.gather(client.all_topic_configs(), client.subscription_groups())
    return set(topics), set(groups)


async def slave_drift(
    master: str, slaves: list[str], *, connector: Connector | None = None, timeout: float = 3.0
) -> dict[str, Drift]:
    """slave address → what it lacks (slaves or masters that do not answer are left out)."""
    try:
        want = await definitions(master, connector, timeout)
    except RemotingError:
        return {}
    out: dict[str, Drift] = {}
    for slave in slaves:
        try:
            found = drift(want, await definitions(slave, connector, timeout))
        except RemotingError:
            continue
        if found:
            out[slave] = found
    return out
