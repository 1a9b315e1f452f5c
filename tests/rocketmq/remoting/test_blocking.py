"""BlockingChannel against scripted peers on 127.0.0.1 (fakes of the server side only): the same
answers and errors as RemotingClient, from a thread of its own."""

from __future__ import annotations

import asyncio
import struct
import threading

import pytest

from rocketui.rocketmq.remoting.blocking import BlockingChannel
from rocketui.rocketmq.remoting.codec import RemotingCommand, encode_frame
from rocketui.rocketmq.remoting.codes import ResponseCode
from rocketui.rocketmq.remoting.errors import (
    ConnectFailed,
    ConnectionLost,
    ProtocolError,
    RemotingError,
    RemotingTimeout,
)
from tests.rocketmq.remoting.fake_peer import Peer, free_port, read_cmd, reply


async def call(channel: BlockingChannel, code: int, timeout: float = 5.0, **kw: object) -> RemotingCommand:
    return await asyncio.to_thread(channel.invoke, code, {"n": str(code)}, b"body", timeout=timeout, **kw)  # type: ignore[arg-type]


async def test_a_late_answer_and_a_server_request_are_skipped() -> None:
    async def slow_first(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        first = await read_cmd(reader)
        second = await read_cmd(reader)
        writer.write(reply(first, ext_fields={"which": "late"}))  # after the client gave up
        writer.write(encode_frame(RemotingCommand(code=39, opaque=777)))  # a request of the server
        writer.write(reply(second, ext_fields={"which": "second", "echo": second.ext_fields["n"]}))
        await reader.read()

    peer = Peer(slow_first)
    async with peer as addr:
        channel = BlockingChannel(addr)
        try:
            with pytest.raises(RemotingTimeout, match=rf"{addr}: code 1000 got no response within 0.2s"):
                await call(channel, 1000, timeout=0.2)
            response = await call(channel, 1001)
            assert response.ext_fields == {"which": "second", "echo": "1001"} and peer.connections == 1
        finally:
            channel.close()


async def test_an_error_answer_and_go_away() -> None:
    async def refuse(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            cmd = await read_cmd(reader)
            code = ResponseCode.GO_AWAY if cmd.code == 2 else ResponseCode.SYSTEM_BUSY
            writer.write(reply(cmd, code, remark="[TIMEOUT_CLEAN_QUEUE]broker busy"))

    peer = Peer(refuse)
    async with peer as addr:
        channel = BlockingChannel(addr)
        try:
            with pytest.raises(RemotingError, match="broker busy") as busy:
                await call(channel, 1)
            assert busy.value.code == ResponseCode.SYSTEM_BUSY and not isinstance(busy.value, ConnectionLost)
            with pytest.raises(RemotingError):
                await call(channel, 2)  # GO_AWAY: the next request opens a new connection
            assert (await call(channel, 3, expect=None)).code == ResponseCode.SYSTEM_BUSY
            assert peer.connections == 2
        finally:
            channel.close()


@pytest.mark.parametrize(
    "garbage, kind, message",
    [
        (
            struct.pack(">i", 100) + b"0123456789",
            ProtocolError,
            "truncated frame: connection closed after 10 of 100 bytes",
        ),
        (struct.pack(">i", 32 * 1024 * 1024), ProtocolError, "frame length 33554432 exceeds the 16777216-byte"),
        (struct.pack(">ii", 9, 5) + b"{bad}", ProtocolError, "malformed frame from peer: bad JSON header"),
        (b"", ConnectionLost, "connection closed by peer"),
    ],
)
async def test_malformed_input_and_a_closed_peer(garbage: bytes, kind: type[Exception], message: str) -> None:
    async def misbehave(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_cmd(reader)
        writer.write(garbage)
        await writer.drain()
        writer.close()

    async with Peer(misbehave) as addr:
        channel = BlockingChannel(addr)
        with pytest.raises(kind) as raised:
            await call(channel, 7)
        assert type(raised.value) is kind and str(raised.value).startswith(f"{addr}: ") and message in str(raised.value)


async def test_refused_and_closed_from_another_thread() -> None:
    addr = f"127.0.0.1:{free_port()}"
    with pytest.raises(ConnectFailed, match=rf"{addr}: cannot connect: Connection refused"):
        await call(BlockingChannel(addr), 1)

    async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()

    async with Peer(never_answer) as addr:
        channel = BlockingChannel(addr)
        waiting = asyncio.ensure_future(call(channel, 1, timeout=30))
        await asyncio.sleep(0.2)
        assert not waiting.done()
        threading.Thread(target=channel.close).start()  # e.g. the produce run was cancelled
        with pytest.raises(ConnectionLost, match="connection closed by client"):
            await asyncio.wait_for(waiting, 5)
        with pytest.raises(ConnectionLost):
            await call(channel, 2)  # closed for good
