"""BrokerClient requests as they go on the wire, against a scripted peer (the server side only)."""

from __future__ import annotations

import asyncio

from rocketui.rocketmq.remoting.broker import BrokerClient
from rocketui.rocketmq.remoting.codec import RemotingCommand
from rocketui.rocketmq.remoting.codes import RequestCode
from rocketui.rocketmq.remoting.message import PROP_UNIQ_KEY, PROP_WAIT, decode_properties
from tests.rocketmq.remoting.fake_peer import Peer, read_cmd, reply
from tests.rocketmq.remoting.test_versions_wire import fields_4x


async def test_send_oneway_is_send_v2s_request_with_the_oneway_flag() -> None:
    """Same SendMessageRequestHeaderV2 fields and values as send_v2 (bar the timestamp and the
    generated UNIQ_KEY), flagged oneway, and nothing is awaited: the peer never answers it."""
    got: asyncio.Queue[RemotingCommand] = asyncio.Queue()

    async def record(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            cmd = await read_cmd(reader)
            await got.put(cmd)
            if not cmd.is_oneway:  # send_v2 waits for its answer
                writer.write(reply(cmd, ext_fields={"msgId": "X", "queueId": "3", "queueOffset": "0"}))

    props = {"RUN": "r1", "SEQ": "7"}
    body = b"run r1 seq 7"
    async with Peer(record) as addr, BrokerClient(addr) as client:
        await client.send_v2("T", body, properties=props, queue_id=3, producer_group="g")
        synced = await asyncio.wait_for(got.get(), 5)
        await client.send_oneway("T", body, properties=props, queue_id=3, producer_group="g")
        oneway = await asyncio.wait_for(got.get(), 5)
    assert oneway.code == synced.code == RequestCode.SEND_MESSAGE_V2
    assert oneway.is_oneway and not oneway.is_response and not synced.is_oneway
    assert oneway.body == synced.body == body
    assert props == {"RUN": "r1", "SEQ": "7"}  # the caller's properties are not changed

    def comparable(cmd: RemotingCommand) -> dict[str, str]:
        return {k: v for k, v in cmd.ext_fields.items() if k not in ("g", "i")}

    assert comparable(oneway) == comparable(synced)
    assert comparable(oneway) == {
        "a": "g",
        "b": "T",
        "c": "TBW102",
        "d": "4",
        "e": "3",
        "f": "0",
        "h": "0",
        "j": "0",
        "k": "false",
        "m": "false",
    }
    assert oneway.ext_fields["g"].isdigit()
    sent_props, synced_props = decode_properties(oneway.ext_fields["i"]), decode_properties(synced.ext_fields["i"])
    assert sent_props.pop(PROP_UNIQ_KEY) != synced_props.pop(PROP_UNIQ_KEY)  # one id per message
    assert sent_props == synced_props == {**props, PROP_WAIT: "true"}
    # every field is one the real 4.9.7 SendMessageRequestHeaderV2 has (javap of the jar)
    assert set(oneway.ext_fields) <= fields_4x()["SendMessageRequestHeaderV2"]


async def test_send_oneway_keeps_a_given_uniq_key() -> None:
    got: asyncio.Queue[RemotingCommand] = asyncio.Queue()

    async def record(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            await got.put(await read_cmd(reader))

    async with Peer(record) as addr, BrokerClient(addr) as client:
        await client.send_oneway("T", b"x", properties={PROP_UNIQ_KEY: "ABC", PROP_WAIT: "false"})
        cmd = await asyncio.wait_for(got.get(), 5)
    assert decode_properties(cmd.ext_fields["i"]) == {PROP_UNIQ_KEY: "ABC", PROP_WAIT: "false"}
    assert cmd.ext_fields["a"] == "rocketui_producer" and cmd.ext_fields["e"] == "0"
