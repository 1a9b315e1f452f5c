"""Write coalescing of the produce test's broker connections (a recording writer, no sockets)."""

from __future__ import annotations

import asyncio
from typing import Any

from rocketui.services.mq_transport import FLUSH_AT, HIGH_WATER, CoalescingWriter, coalescing


class Recorder:
    def __init__(self, buffered: int = 0) -> None:
        self.writes: list[bytes] = []
        self.drains = 0
        self.closed = False
        self.buffered = buffered
        self.transport = self

    def get_write_buffer_size(self) -> int:
        return self.buffered

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    async def drain(self) -> None:
        self.drains += 1

    def close(self) -> None:
        self.closed = True


async def test_frames_of_one_iteration_go_out_in_one_write() -> None:
    inner = Recorder()
    w = CoalescingWriter(inner)
    for part in (b"a", b"bb", b"ccc"):
        w.write(part)
        await w.drain()  # small and the transport is not backed up: no real drain
    assert inner.writes == [] and inner.drains == 0
    await asyncio.sleep(0)
    assert inner.writes == [b"abbccc"]
    w.write(b"d")
    await asyncio.sleep(0)
    assert inner.writes == [b"abbccc", b"d"]


async def test_drain_keeps_backpressure() -> None:
    inner = Recorder(buffered=HIGH_WATER + 1)
    w = CoalescingWriter(inner)
    w.write(b"x")
    await w.drain()
    assert inner.drains == 1  # the transport's own buffer is full: wait for it
    inner.buffered = 0
    w.write(b"y" * FLUSH_AT)
    await w.drain()
    assert inner.writes == [b"x" + b"y" * FLUSH_AT]  # a lot pending: flushed at once


async def test_close_flushes_first_and_a_failing_write_closes() -> None:
    inner = Recorder()
    w = CoalescingWriter(inner)
    w.write(b"last")
    w.close()
    assert inner.writes == [b"last"] and inner.closed

    class Broken(Recorder):
        def write(self, data: bytes) -> None:
            raise ConnectionResetError("gone")

    broken = Broken()
    w = CoalescingWriter(broken)
    w.write(b"x")
    await asyncio.sleep(0)
    assert broken.closed


async def test_coalescing_wraps_any_connector() -> None:
    inner = Recorder()

    async def connector(host: str, port: int) -> tuple[Any, Any]:
        assert (host, port) == ("10.0.0.1", 10911)
        return "reader", inner

    reader, writer = await coalescing(connector)("10.0.0.1", 10911)
    assert reader == "reader" and isinstance(writer, CoalescingWriter)
