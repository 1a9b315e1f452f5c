"""A slave whose copy of a new topic is wiped by a stale sync from its master gets the create
again while rocketui confirms it (the fake stands in for the slave's answers: pure logic)."""

from __future__ import annotations

from typing import Any, cast

import pytest

from rocketui.rocketmq.remoting.admin_bodies import TopicConfig
from rocketui.rocketmq.remoting.broker import BrokerClient
from rocketui.services import topic_replicas
from rocketui.services.admin_clients import AdminError
from rocketui.services.topic_replicas import TopicSpec, confirm_topic


class WipedSlave:
    """Lists the topic only once it was created `needs` times (each earlier copy was wiped)."""

    addr = "127.0.0.1:10911"

    def __init__(self, needs: int) -> None:
        self.needs = needs
        self.creates = 0

    async def all_topic_configs(self) -> dict[str, TopicConfig]:
        if self.creates >= self.needs:
            return {"T": TopicConfig("T", 4, 4, 6)}
        return {}

    async def create_topic(self, name: str, **kwargs: Any) -> None:
        self.creates += 1


@pytest.fixture(autouse=True)
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(topic_replicas, "RESEND_EVERY", 0.3)
    monkeypatch.setattr(topic_replicas, "SLAVE_CONFIRM_TIMEOUT", 1.0)


async def test_the_create_is_sent_again_until_the_slave_lists_it() -> None:
    slave = WipedSlave(needs=2)
    await confirm_topic(cast(BrokerClient, slave), TopicSpec("T", 4, 4))
    assert slave.creates == 2


async def test_a_slave_that_never_lists_it_is_named_with_what_it_lists() -> None:
    slave = WipedSlave(needs=10**6)
    with pytest.raises(AdminError, match=r"slave 127\.0\.0\.1:10911 does not show topic T .*no such topic"):
        await confirm_topic(cast(BrokerClient, slave), TopicSpec("T", 4, 4))
    assert slave.creates >= 2
