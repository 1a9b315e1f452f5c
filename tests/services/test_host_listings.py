"""Status polls wait a bounded time per host; a silent host's listing goes on in the background."""

from __future__ import annotations

import asyncio

from rocketui.backends.base import BackendError, ProcessInfo
from rocketui.services.host_listings import HostListings, Pending

JVM = ProcessInfo(42, 1, 42, 100, 0.0, ("java",))


class Hosts:
    """fetch(host): "ok" answers at once, "fail" raises, others wait for their gate."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.gates: dict[str, asyncio.Event] = {}

    async def fetch(self, host: str) -> list[ProcessInfo]:
        self.calls.append(host)
        if host == "fail":
            raise BackendError("fail: connection refused")
        if host != "ok":
            await self.gates.setdefault(host, asyncio.Event()).wait()
        return [JVM]


async def test_a_silent_host_is_pending_while_the_others_report() -> None:
    hosts = Hosts()
    listings = HostListings(hosts.fetch, wait=0.05)
    first = await listings.poll(["ok", "fail", "slow"])
    assert first["ok"] == [JVM] and str(first["fail"]) == "fail: connection refused"
    assert isinstance(first["slow"], Pending)
    listings.wait = 3600.0  # a poll that waited for the old listing again would never end
    second = await listings.poll(["ok", "fail", "slow"])
    assert isinstance(second["slow"], Pending) and second["slow"].age >= first["slow"].age
    assert hosts.calls.count("slow") == 1  # the second poll looked at the same listing
    assert hosts.calls.count("ok") == 2  # answered listings are not reused
    hosts.gates["slow"].set()
    await asyncio.sleep(0.01)  # it finishes between two polls
    assert (await listings.poll(["slow"]))["slow"] == [JVM]
    await listings.poll(["slow"])
    assert hosts.calls.count("slow") == 2  # consumed: the next poll lists afresh
    listings.close()


async def test_a_listing_that_finished_long_before_the_poll_is_not_shown() -> None:
    hosts = Hosts()
    listings = HostListings(hosts.fetch, wait=0.5)
    assert isinstance((await listings.poll(["slow"]))["slow"], Pending)
    hosts.gates["slow"].set()
    await asyncio.sleep(0.01)  # it finishes between two polls
    assert (await listings.poll(["slow"]))["slow"] == [JVM]  # fresh: used
    assert hosts.calls.count("slow") == 1
    hosts.gates["slow"].clear()
    assert isinstance((await listings.poll(["slow"]))["slow"], Pending)
    hosts.gates["slow"].set()
    await asyncio.sleep(1.5)  # it finished more than `wait` before the next poll: stale
    hosts.gates["slow"].clear()
    assert isinstance((await listings.poll(["slow"]))["slow"], Pending)
    assert hosts.calls.count("slow") == 3
    listings.close()


async def test_a_host_known_to_be_down_is_retried_without_making_the_poll_wait() -> None:
    hosts = Hosts()
    listings = HostListings(hosts.fetch, wait=3600.0, hopeless=lambda host: host == "slow")
    result = await listings.poll(["ok", "slow"])  # would never return if it waited for "slow"
    assert result["ok"] == [JVM] and isinstance(result["slow"], Pending) and hosts.calls == ["ok", "slow"]
    listings.close()


async def test_beside_a_host_that_failed_at_once_a_busy_host_gets_the_whole_wait() -> None:
    # Two hosts, one refused at once: the other is not a straggler among many that answered.
    hosts = Hosts()
    listings = HostListings(hosts.fetch, wait=5.0)
    asyncio.get_running_loop().call_later(0.6, lambda: hosts.gates.setdefault("busy", asyncio.Event()).set())
    result = await listings.poll(["fail", "busy"])
    assert str(result["fail"]) == "fail: connection refused" and result["busy"] == [JVM]
    listings.close()
