"""What rocketui's client sends and how it reads answers, per server release: every request header
field it sends is one the 4.9.7 header classes have (tests/data/remoting/request_headers_4.9.7.txt,
from javap of the real jar) or one a 4.9.7 broker ignores harmlessly; and a 4.x answer that means
something else than in 5.x is read the 4.x way."""

from __future__ import annotations

import asyncio
from pathlib import Path

from rocketui.rocketmq.remoting.broker import BrokerClient
from rocketui.rocketmq.remoting.codec import RemotingCommand
from rocketui.rocketmq.remoting.codes import RequestCode
from rocketui.rocketmq.remoting.namesrv import NamesrvClient
from tests.rocketmq.remoting.fake_peer import Peer, read_cmd, reply

HEADERS = Path(__file__).parent.parent.parent / "data" / "remoting" / "request_headers_4.9.7.txt"
CLASS_OF = {
    RequestCode.SEND_MESSAGE_V2: "SendMessageRequestHeaderV2",
    RequestCode.PULL_MESSAGE: "PullMessageRequestHeader",
    RequestCode.GET_MAX_OFFSET: "GetMaxOffsetRequestHeader",
    RequestCode.GET_MIN_OFFSET: "GetMinOffsetRequestHeader",
    RequestCode.QUERY_CONSUMER_OFFSET: "QueryConsumerOffsetRequestHeader",
    RequestCode.UPDATE_CONSUMER_OFFSET: "UpdateConsumerOffsetRequestHeader",
    RequestCode.UPDATE_AND_CREATE_TOPIC: "CreateTopicRequestHeader",
    RequestCode.GET_ROUTEINFO_BY_TOPIC: "GetRouteInfoRequestHeader",
}
# 5.x fields a 4.9.7 broker ignores (decoding only fills the fields its class has), and why that is fine
IGNORED_BY_4X = {
    "committed": "GET_MAX_OFFSET: 4.9.7 always answers the dispatched (committed) max offset",
    "setZeroIfNotFound": "QUERY_CONSUMER_OFFSET: 4.9.7 may answer 0 instead; read as none (see below)",
}


def fields_4x() -> dict[str, set[str]]:
    out = {}
    for line in HEADERS.read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, fields = line.partition(": ")
            out[name] = set(fields.split())
    return out


async def test_every_header_field_sent_is_known_to_4_9_7() -> None:
    seen: list[RemotingCommand] = []

    async def record(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            cmd = await read_cmd(reader)
            seen.append(cmd)
            answer = {"offset": "5", "queueId": "0", "queueOffset": "1", "msgId": "X", "nextBeginOffset": "0"}
            answer |= {"minOffset": "0", "maxOffset": "0"}
            writer.write(reply(cmd, code=0 if cmd.code != RequestCode.PULL_MESSAGE else 19, ext_fields=answer))

    async with Peer(record) as addr:
        async with BrokerClient(addr) as client:
            await client.send_v2("T", b"x", tags="a", keys="k")
            await client.pull("g", "T", 0, 0)
            await client.get_max_offset("T", 0)
            await client.get_min_offset("T", 0)
            await client.query_consumer_offset("g", "T", 0)
            await client.update_consumer_offset("g", "T", 0, 3)
            await client.create_topic("T")
        async with NamesrvClient(addr) as ns:
            try:
                await ns.topic_route("T")
            except Exception:  # the fake answers no route body; only the request matters here
                pass
    known = fields_4x()
    checked = set()
    for cmd in seen:
        cls = CLASS_OF.get(RequestCode(cmd.code))
        if cls is None:
            continue
        unknown = set(cmd.ext_fields) - known[cls] - set(IGNORED_BY_4X)
        assert not unknown, (cls, unknown)
        checked.add(cls)
    assert checked == set(CLASS_OF.values())


async def test_zero_offset_from_a_4x_broker_means_none_committed() -> None:
    async def answer_zero(version: int):  # type: ignore[no-untyped-def]
        async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            while True:
                cmd = await read_cmd(reader)
                writer.write(reply(cmd, ext_fields={"offset": "0"}, version=version))

        return handler

    async with Peer(await answer_zero(407)) as addr, BrokerClient(addr) as client:
        assert await client.query_consumer_offset("g", "T", 0) is None
        assert client.server_release == "4.9.7"
    async with Peer(await answer_zero(513)) as addr, BrokerClient(addr) as client:
        assert await client.query_consumer_offset("g", "T", 0) == 0


async def test_runtime_info_of_a_4x_broker_that_just_started() -> None:
    """4.9.7 answers SYSTEM_ERROR NoSuchElementException until its first stats sample (seen in the
    version smoke right after start): asked again, then the table is read."""
    calls = []

    async def warming(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            cmd = await read_cmd(reader)
            calls.append(cmd.code)
            if len(calls) < 3:
                remark = "java.util.NoSuchElementException, java.base/java.util.LinkedList.getLast(LinkedList.java:261)"
                writer.write(reply(cmd, code=1, remark=remark, version=407))
            else:
                writer.write(reply(cmd, body=b'{"table":{"brokerVersionDesc":"V4_9_7"}}', version=407))

    async with Peer(warming) as addr, BrokerClient(addr) as client:
        info = await client.get_runtime_info()
        assert info.table["brokerVersionDesc"] == "V4_9_7" and calls == [28, 28, 28]
