"""PULL_MESSAGE timeouts follow the broker's long polling (notes/remoting-day2.md 8)."""

from __future__ import annotations


async def test_long_poll_waits_for_the_brokers_hold_check() -> None:
    """A held pull is answered at the broker's next 5 s check after the suspend: the client must
    wait suspend + 5 s (+ its own timeout), or an idle queue fails with 'got no response'."""
    from rocketui.rocketmq.remoting.broker import HOLD_CHECK_SECONDS, BrokerClient
    from rocketui.rocketmq.remoting.codec import RemotingCommand

    seen: list[float] = []

    class Peer:
        addr = "127.0.0.1:1"
        timeout = 3.0

        async def invoke(self, code: int, header: dict[str, str], body: bytes = b"", **kw: object) -> RemotingCommand:
            seen.append(float(kw["timeout"]))  # type: ignore[arg-type]
            fields = {"nextBeginOffset": "7", "minOffset": "0", "maxOffset": "7"}
            return RemotingCommand(code=19, ext_fields=fields)

    client = BrokerClient("127.0.0.1:1", client=Peer())  # type: ignore[arg-type]
    result = await client.pull("G", "T", 0, 7, suspend_ms=15000)
    assert result.next_begin_offset == 7
    assert seen == [3.0 + 15 + HOLD_CHECK_SECONDS]
    await client.pull("G", "T", 0, 7)
    assert seen[-1] == 3.0  # no suspension: no extra wait
