"""RemotingClient against scripted peers on 127.0.0.1 (fakes of the server side only)."""

from __future__ import annotations

import asyncio
import struct
from typing import Any

import pytest

from rocketui.rocketmq.remoting.client import RemotingClient, split_addr
from rocketui.rocketmq.remoting.codec import RemotingCommand, SerializeType, decode_payload, encode_frame
from rocketui.rocketmq.remoting.errors import (
    ConnectFailed,
    ConnectionLost,
    ProtocolError,
    RemotingError,
    RemotingTimeout,
)
from tests.rocketmq.remoting.fake_peer import Peer, free_port, read_cmd, reply


async def echo_forever(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while True:
        cmd = await read_cmd(reader)
        writer.write(reply(cmd, ext_fields={"echo": cmd.ext_fields.get("n", "")}, body=cmd.body))


async def test_responses_matched_by_opaque_even_out_of_order() -> None:
    async def reverse_three(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        cmds = [await read_cmd(reader) for _ in range(3)]
        for cmd in reversed(cmds):
            writer.write(reply(cmd, ext_fields={"echo": cmd.ext_fields["n"]}))
        await writer.drain()
        await reader.read()

    async with Peer(reverse_three) as addr, RemotingClient(addr) as client:
        results = await asyncio.gather(*(client.invoke(99, {"n": str(i)}) for i in range(3)))
        assert [r.ext_fields["echo"] for r in results] == ["0", "1", "2"]
        assert len({r.opaque for r in results}) == 3


async def test_timeout_keeps_the_connection_and_drops_the_late_answer() -> None:
    async def slow_first(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        first = await read_cmd(reader)
        second = await read_cmd(reader)
        writer.write(reply(first, ext_fields={"which": "late"}))  # after the client gave up
        writer.write(reply(second, ext_fields={"which": "second"}))
        await reader.read()

    peer = Peer(slow_first)
    async with peer as addr, RemotingClient(addr, timeout=0.2) as client:
        with pytest.raises(RemotingTimeout, match=rf"{addr}: code 1000 got no response within 0.2s"):
            await client.invoke(1000)
        response = await client.invoke(1001, timeout=5)
        assert response.ext_fields == {"which": "second"}
        assert client.connected and peer.connections == 1


@pytest.mark.parametrize(
    "garbage, kind, message",
    [
        (
            struct.pack(">i", 100) + b"0123456789",
            ProtocolError,
            "truncated frame: connection closed after 10 of 100 bytes",
        ),
        (
            struct.pack(">i", 32 * 1024 * 1024),
            ProtocolError,
            "frame length 33554432 exceeds the 16777216-byte frame limit",
        ),
        (struct.pack(">ii", 9, 5) + b"{bad}", ProtocolError, "malformed frame from peer: bad JSON header"),
        (b"\x00\x00", ProtocolError, "closed inside a frame length"),
        (b"", ConnectionLost, "connection closed by peer"),
    ],
)
async def test_malformed_input_fails_pending_requests_cleanly(
    garbage: bytes, kind: type[Exception], message: str
) -> None:
    async def misbehave(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for _ in range(3):  # read everything, so closing sends FIN rather than RST
            await read_cmd(reader)
        writer.write(garbage)
        await writer.drain()
        writer.close()

    peer = Peer(misbehave)
    async with peer as addr, RemotingClient(addr) as client:
        pending = [asyncio.create_task(client.invoke(7, timeout=5)) for _ in range(3)]
        results = await asyncio.gather(*pending, return_exceptions=True)
        for result in results:
            assert type(result) is kind
            assert str(result).startswith(f"{addr}: ") and message in str(result)
        assert not client.connected


async def test_reconnects_on_demand_after_a_lost_connection() -> None:
    calls = 0

    async def drop_first_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            await read_cmd(reader)
            return  # closes without answering
        await echo_forever(reader, writer)

    peer = Peer(drop_first_connection)
    async with peer as addr, RemotingClient(addr) as client:
        with pytest.raises(ConnectionLost, match="closed by peer"):
            await client.invoke(1)
        response = await client.invoke(1, {"n": "again"})
        assert response.ext_fields["echo"] == "again" and peer.connections == 2


async def test_unknown_response_code_is_a_remoting_error_with_code_and_remark() -> None:
    async def odd_code(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            cmd = await read_cmd(reader)
            writer.write(reply(cmd, code=4242, remark="what is this"))

    async with Peer(odd_code) as addr, RemotingClient(addr) as client:
        with pytest.raises(RemotingError) as info:
            await client.invoke(105)
        assert info.value.code == 4242 and info.value.remark == "what is this"
        assert str(info.value) == f"{addr}: GET_ROUTEINFO_BY_TOPIC answered code 4242 (4242): what is this"
        assert (await client.invoke(105, expect=None)).code == 4242
        assert client.connected


async def test_binary_serialized_responses_are_decoded() -> None:
    async def binary(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        cmd = await read_cmd(reader)
        writer.write(
            encode_frame(
                RemotingCommand(
                    code=0,
                    opaque=cmd.opaque,
                    flag=1,
                    ext_fields={"offset": "12"},
                    body=b"b",
                    serialize_type=SerializeType.ROCKETMQ,
                )
            )
        )
        await reader.read()

    async with Peer(binary) as addr, RemotingClient(addr) as client:
        response = await client.invoke(30)
        assert response.serialize_type == SerializeType.ROCKETMQ
        assert response.ext_fields == {"offset": "12"} and response.body == b"b"


async def test_binary_serialized_requests() -> None:
    seen: list[RemotingCommand] = []

    async def record(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        cmd = await read_cmd(reader)
        seen.append(cmd)
        writer.write(reply(cmd))
        await reader.read()

    async with Peer(record) as addr, RemotingClient(addr, serialize_type=SerializeType.ROCKETMQ) as client:
        await client.invoke(26, {"k": "v"})
    assert seen[0].serialize_type == SerializeType.ROCKETMQ and seen[0].ext_fields == {"k": "v"}
    assert seen[0].language == "PYTHON"


async def test_oneway_sets_the_flag_and_waits_for_nothing() -> None:
    got: asyncio.Queue[RemotingCommand] = asyncio.Queue()

    async def record(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            await got.put(await read_cmd(reader))

    async with Peer(record) as addr, RemotingClient(addr) as client:
        await client.invoke_oneway(15, {"commitOffset": "3"})
        cmd = await asyncio.wait_for(got.get(), 5)
        assert cmd.is_oneway and not cmd.is_response and cmd.ext_fields == {"commitOffset": "3"}


async def test_server_initiated_requests_are_refused_politely() -> None:
    answer: asyncio.Future[RemotingCommand] = asyncio.get_running_loop().create_future()

    async def ask_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        cmd = await read_cmd(reader)
        writer.write(encode_frame(RemotingCommand(code=39, opaque=777, language="JAVA")))
        answer.set_result(await read_cmd(reader))
        writer.write(reply(cmd))
        await reader.read()

    async with Peer(ask_client) as addr, RemotingClient(addr) as client:
        await client.invoke(34)
        refused = await asyncio.wait_for(answer, 5)
        assert refused.is_response and refused.opaque == 777 and refused.code == 3


async def test_close_fails_pending_requests_and_stops_the_reader() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()

    async with Peer(silent) as addr:
        client = RemotingClient(addr, timeout=30)
        pending = asyncio.create_task(client.invoke(1))
        while not client.connected:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        await client.close()
        with pytest.raises(ConnectionLost, match="closed by client"):
            await pending
        assert not client.connected
        await client.close()  # idempotent


async def test_connect_refused_names_the_address() -> None:
    addr = f"127.0.0.1:{free_port()}"
    async with RemotingClient(addr) as client:
        with pytest.raises(ConnectFailed, match=rf"^{addr}: cannot connect: Connection refused$"):
            await client.invoke(106)


async def test_connector_errors_and_timeouts_become_connect_failed() -> None:
    async def broken(host: str, port: int) -> tuple[Any, Any]:
        raise RuntimeError(f"tunnel to {host}:{port} refused by ssh server")

    async def hanging(host: str, port: int) -> tuple[Any, Any]:
        await asyncio.sleep(60)
        raise AssertionError("unreachable")

    with pytest.raises(ConnectFailed, match="h:1: cannot connect: tunnel to h:1 refused by ssh server"):
        await RemotingClient("h:1", connector=broken).invoke(1)
    with pytest.raises(ConnectFailed, match="h:1: connect timed out after 0.1s"):
        await RemotingClient("h:1", connector=hanging, connect_timeout=0.1).invoke(1)


class MinimalWriter:
    """Only the methods an asyncssh SSHWriter shares with asyncio (no wait_closed); answers
    every frame by feeding a reply into the paired reader."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self.reader = reader
        self.closed = False

    def write(self, data: bytes) -> None:
        cmd = decode_payload(data[4:])
        self.reader.feed_data(reply(cmd, ext_fields={"via": "memory"}))

    async def drain(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True
        self.reader.feed_eof()


async def test_injected_connector_with_the_minimal_stream_subset() -> None:
    used: list[tuple[str, int]] = []
    writers: list[MinimalWriter] = []

    async def memory(host: str, port: int) -> tuple[Any, Any]:
        used.append((host, port))
        reader = asyncio.StreamReader()
        writers.append(MinimalWriter(reader))
        return reader, writers[-1]

    client = RemotingClient("broker.example:10911", connector=memory)
    assert (await client.invoke(28)).ext_fields == {"via": "memory"}
    await client.close()
    assert used == [("broker.example", 10911)] and writers[0].closed


@pytest.mark.parametrize(
    "addr, expected",
    [
        ("127.0.0.1:9876", ("127.0.0.1", 9876)),
        ("[::1]:10911", ("::1", 10911)),
        (" h:1 ", ("h", 1)),
    ],
)
def test_split_addr(addr: str, expected: tuple[str, int]) -> None:
    assert split_addr(addr) == expected


@pytest.mark.parametrize("addr", ["host", ":9876", "h:x", "h:0", "h:70000", ""])
def test_split_addr_rejects(addr: str) -> None:
    with pytest.raises(ValueError, match="expected host:port"):
        split_addr(addr)


async def test_server_release_from_the_answer_and_go_away_drops_the_connection() -> None:
    """A 4.9.7 server answers with version 407 (seen from the real broker in the version smoke); a
    5.2+ server shutting down answers GO_AWAY (1500): the next request opens a new connection."""

    async def old_then_going(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        first = await read_cmd(reader)
        writer.write(reply(first, version=407))
        second = await read_cmd(reader)
        writer.write(reply(second, code=1500, version=513, remark="server is shutting down"))
        await writer.drain()
        await reader.read()

    peer = Peer(old_then_going)
    async with peer as addr, RemotingClient(addr) as client:
        assert client.server_release is None
        await client.invoke(28)
        assert (client.server_version, client.server_release) == (407, "4.9.7")
        with pytest.raises(RemotingError, match=r"GO_AWAY \(1500\): server is shutting down") as info:
            await client.invoke(28)
        assert info.value.code == 1500 and client.server_release == "5.5.0"
        assert not client.connected
