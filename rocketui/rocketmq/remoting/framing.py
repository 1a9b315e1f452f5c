"""Frames off a TCP connection without a reader task: for direct connections the client is an
asyncio Protocol whose `data_received` cuts frames and answers their requests at once.

A stream reader needs a task woken per frame (data arrives → the reader task runs → it completes
the caller's future → the caller runs): one more turn of the event loop for every response, which
is most of what a request costs when one message is in flight (bench/RESULTS.md, produce).
Tunnelled connections (SSH) keep the stream reader of client.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from rocketui.rocketmq.remoting.codec import check_frame_length


class FrameBuffer:
    """Bytes in, complete frame payloads out (a frame: 4-byte big-endian length, then payload)."""

    def __init__(self, max_frame: int) -> None:
        self.max_frame = max_frame
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        """Complete payloads so far; CodecError for a length no frame may have."""
        buf = self._buf
        buf += data
        payloads: list[bytes] = []
        pos, size = 0, len(buf)
        while size - pos >= 4:
            length = int.from_bytes(buf[pos : pos + 4], "big", signed=True)
            check_frame_length(length, self.max_frame)
            if size - pos - 4 < length:
                break
            payloads.append(bytes(buf[pos + 4 : pos + 4 + length]))
            pos += 4 + length
        if pos:
            del buf[:pos]
        return payloads

    def cut_short(self) -> str | None:
        """At end of stream: what was cut off mid-frame, as the stream reader says it; None if
        the stream ended between frames."""
        have = len(self._buf)
        if not have:
            return None
        if have < 4:
            return f"connection closed inside a frame length ({have} of 4 bytes)"
        length = int.from_bytes(self._buf[:4], "big", signed=True)
        return f"truncated frame: connection closed after {have - 4} of {length} bytes"


DataSink = Callable[[bytes], None]
EndSink = Callable[[BaseException | None], None]


class FrameProtocol(asyncio.Protocol):
    """Hands received bytes and the end of the connection to its connection; what arrives before
    the connection attaches is kept for it."""

    def __init__(self) -> None:
        self._on_data: DataSink | None = None
        self._on_end: EndSink | None = None
        self._early: list[bytes] = []
        self._ended = False
        self._end_exc: BaseException | None = None
        self._writable = asyncio.Event()
        self._writable.set()
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def attach(self, on_data: DataSink, on_end: EndSink) -> None:
        self._on_data, self._on_end = on_data, on_end
        early, self._early = self._early, []
        for data in early:
            on_data(data)
        if self._ended:
            on_end(self._end_exc)

    def data_received(self, data: bytes) -> None:
        if self._on_data is None:
            self._early.append(data)
        else:
            self._on_data(data)

    def eof_received(self) -> bool:
        return False  # close the transport: connection_lost follows

    def connection_lost(self, exc: Exception | None) -> None:
        self._writable.set()
        if not self.closed.done():
            self.closed.set_result(None)
        if self._on_end is None:
            self._ended, self._end_exc = True, exc
        else:
            self._on_end(exc)

    def pause_writing(self) -> None:
        self._writable.clear()

    def resume_writing(self) -> None:
        self._writable.set()

    async def drain(self) -> None:
        await self._writable.wait()


class TransportWriter:
    """The writer half of a direct connection: the stream-writer subset the client uses."""

    def __init__(self, transport: asyncio.Transport, protocol: FrameProtocol) -> None:
        self.transport = transport
        self._protocol = protocol

    def write(self, data: bytes) -> None:
        if self.transport.is_closing():
            raise ConnectionResetError("connection is closing")
        self.transport.write(data)

    async def drain(self) -> None:
        if self.transport.is_closing():
            raise ConnectionResetError("connection is closing")
        await self._protocol.drain()

    def close(self) -> None:
        self.transport.close()

    async def wait_closed(self) -> None:
        await self._protocol.closed


async def open_direct(host: str, port: int) -> tuple[FrameProtocol, TransportWriter]:
    """A direct TCP connection (TCP_NODELAY, as asyncio sets it) read by a FrameProtocol."""
    transport, protocol = await asyncio.get_running_loop().create_connection(FrameProtocol, host, port)
    return protocol, TransportWriter(transport, protocol)
