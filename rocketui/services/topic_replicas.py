"""Creating a topic or a consumer group on every broker of a master/slave group.

A 5.x slave copies its master's topics and groups only about once a minute (longer after a master
restart): a topic created on the master alone is unknown to the slave for that long, and a
kill -9 of the master then leaves SEND_OK messages unreadable from the slave (TOPIC_NOT_EXIST).
So rocketui creates on the master, then on each slave (a 5.x slave accepts it; the next sync
rewrites the same definition), and confirms the slave lists it before reporting success.  A sync
fetched from the master just before the create can land just after it and wipe the slave's copy,
so while confirming, the create is sent to the slave again every few seconds.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rocketui.rocketmq.remoting.admin_bodies import SubscriptionGroup, TopicConfig
from rocketui.rocketmq.remoting.broker import BrokerClient
from rocketui.services.admin_clients import AdminError, BrokerGroup

SLAVE_CONFIRM_TIMEOUT = 20.0
RESEND_EVERY = 3.0  # seconds between creates sent again to a slave that does not list the topic
RETRY_PREFIX = "%RETRY%"

ClientFor = Callable[[str], BrokerClient]


@dataclass(frozen=True)
class TopicSpec:
    name: str
    read_queues: int = 8
    write_queues: int = 8
    perm: int = 6
    order: bool = False


async def create_in_groups(
    client_for: ClientFor, spec: TopicSpec, targets: Sequence[BrokerGroup], notes: list[str]
) -> list[str]:
    """UPDATE_AND_CREATE_TOPIC on each group's master, then its slaves, each slave confirmed.
    Returns the addresses done."""
    done: list[str] = []
    for group in targets:
        if group.master is None:
            raise AdminError(f"broker {group.name} has no master registered: cannot create {spec.name} there")
        for addr in (group.master, *group.slaves):
            await _create_at(client_for(addr), spec)
            done.append(addr)
            notes.append(f"UPDATE_AND_CREATE_TOPIC {spec.name} at {group.name} {addr}")
        for slave in group.slaves:
            await confirm_topic(client_for(slave), spec)
            notes.append(f"confirmed {spec.name} on slave {slave}")
    return done


async def _create_at(client: BrokerClient, spec: TopicSpec) -> None:
    """UPDATE_AND_CREATE_TOPIC of `spec` at one broker."""
    await client.create_topic(
        spec.name,
        read_queue_nums=spec.read_queues,
        write_queue_nums=spec.write_queues,
        perm=spec.perm,
        order=spec.order,
    )


async def confirm_topic(client: BrokerClient, spec: TopicSpec) -> None:
    start = time.monotonic()
    resent = start
    want = (spec.read_queues, spec.write_queues, spec.perm)
    while True:
        config = (await client.all_topic_configs()).get(spec.name)
        if config is not None and (config.read_queue_nums, config.write_queue_nums, config.perm) == want:
            return
        now = time.monotonic()
        if now - start > SLAVE_CONFIRM_TIMEOUT:
            raise AdminError(
                f"slave {client.addr} does not show topic {spec.name} as created "
                f"(asked {SLAVE_CONFIRM_TIMEOUT:g} s; it lists {_shown(config)})"
            )
        if now - resent >= RESEND_EVERY:  # a stale sync from the master wiped it: create it again
            resent = now
            await _create_at(client, spec)
        await asyncio.sleep(0.2)


def _shown(config: TopicConfig | None) -> str:
    if config is None:
        return "no such topic"
    return f"read {config.read_queue_nums}, write {config.write_queue_nums}, perm {config.perm}"


async def ensure_consumer_group(
    client_for: ClientFor, group: str, targets: Sequence[BrokerGroup], notes: list[str]
) -> None:
    """Make `group` a consumer group as the brokers know one after a Java consumer's heartbeat:
    the subscription group and `%RETRY%group` (1 queue, perm 6) on every broker of the groups,
    so `mqadmin consumerProgress -g` and `consumerConnection` find its route.  Created
    explicitly rather than by heartbeat: a heartbeat into a live group makes its Java consumers
    rebalance queues onto rocketui.  Existing definitions are left alone."""
    retry = TopicSpec(f"{RETRY_PREFIX}{group}", 1, 1, 6)
    for target in targets:
        if target.master is None:
            continue
        for addr in (target.master, *target.slaves):
            client = client_for(addr)
            if group not in await client.subscription_groups():
                await client.create_subscription_group(SubscriptionGroup(group))
                notes.append(f"created subscription group {group} at {target.name} {addr}")
            if retry.name not in await client.all_topic_configs():
                await client.create_topic(retry.name, read_queue_nums=1, write_queue_nums=1, perm=6)
                notes.append(f"created {retry.name} at {target.name} {addr}")
