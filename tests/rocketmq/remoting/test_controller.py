"""Controller answers (real 5.5.0 bytes, tests/data/controller) read into ReplicaSet /
ControllerMetadata, and the requests the client sends, checked against a fake peer."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from rocketui.rocketmq.remoting.codec import RemotingCommand, decode_payload, encode_frame
from rocketui.rocketmq.remoting.codes import FLAG_RESPONSE, RequestCode, ResponseCode
from rocketui.rocketmq.remoting.controller import (
    ControllerClient,
    ControllerFormatError,
    metadata_from_ext,
    parse_peers,
    replica_sets_from_json,
)
from rocketui.rocketmq.remoting.errors import RemotingError

DATA = Path(__file__).resolve().parents[2] / "data" / "controller"


def test_sync_state_before_and_after_a_master_was_killed() -> None:
    before = replica_sets_from_json(json.loads((DATA / "before_sync_state_1006.json").read_text()))["broker-a"]
    assert (before.master_id, before.master_address, before.master_epoch) == (1, "127.0.0.1:20911", 1)
    assert [(r.broker_id, r.address, r.alive) for r in before.in_sync] == [
        (1, "127.0.0.1:20911", True),
        (2, "127.0.0.1:20921", True),
    ]
    assert before.not_in_sync == () and before.sync_state_set_epoch == 2
    after = replica_sets_from_json(json.loads((DATA / "after_sync_state_1006.json").read_text()))["broker-a"]
    assert (after.master_id, after.master_address, after.master_epoch) == (2, "127.0.0.1:20921", 2)
    assert [r.broker_id for r in after.in_sync] == [2]
    assert [(r.broker_id, r.alive) for r in after.not_in_sync] == [(1, False)]
    assert after.replica("127.0.0.1:20911") is not None and after.replica("127.0.0.1:1") is None


def test_metadata_ext_fields() -> None:
    meta = metadata_from_ext("127.0.0.1:19878", json.loads((DATA / "before_metadata_1005_ext.json").read_text()))
    assert meta.is_leader and meta.group == "g1" and meta.leader_id == "n0"
    assert meta.leader_address == "127.0.0.1:19878" and meta.peers == (("n0", "127.0.0.1:19878"),)
    assert parse_peers("n0:127.0.0.1:9878;n1:127.0.0.1:9868;") == (("n0", "127.0.0.1:9878"), ("n1", "127.0.0.1:9868"))


def test_no_master_and_malformed_bodies() -> None:
    none = replica_sets_from_json({"replicasInfoTable": {"b": {"masterBrokerId": -1, "masterEpoch": 3}}})["b"]
    assert not none.has_master and none.master_id is None and none.in_sync == ()
    assert replica_sets_from_json({}) == {}
    with pytest.raises(ControllerFormatError):
        replica_sets_from_json({"replicasInfoTable": {"b": {"masterBrokerId": "x"}}})
    with pytest.raises(ControllerFormatError):
        replica_sets_from_json({"replicasInfoTable": {"b": {"inSyncReplicas": {}}}})


async def test_requests_on_the_wire() -> None:
    """1005 without header, 1006 with the names as a JSON array body, 1002 with the elect header;
    a follower's CONTROLLER_NOT_LEADER surfaces as a RemotingError with that code."""
    seen: list[RemotingCommand] = []
    after = (DATA / "after_sync_state_1006.json").read_bytes()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                head = await reader.readexactly(4)
            except asyncio.IncompleteReadError:
                return
            cmd = decode_payload(await reader.readexactly(int.from_bytes(head, "big")))
            seen.append(cmd)
            code, ext, body = ResponseCode.SUCCESS, {}, b""
            if cmd.code == RequestCode.CONTROLLER_GET_METADATA_INFO:
                ext = json.loads((DATA / "after_metadata_1005_ext.json").read_text())
            elif cmd.code == RequestCode.CONTROLLER_GET_SYNC_STATE_DATA:
                body = after
            elif cmd.code == RequestCode.CONTROLLER_ELECT_MASTER:
                code = ResponseCode.CONTROLLER_NOT_LEADER
            writer.write(
                encode_frame(
                    RemotingCommand(code=code, opaque=cmd.opaque, flag=FLAG_RESPONSE, ext_fields=ext, body=body)
                )
            )
            await writer.drain()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with ControllerClient(f"127.0.0.1:{port}") as client:
            assert (await client.metadata()).is_leader
            sets = await client.sync_state_data(["broker-a"])
            assert sets["broker-a"].master_address == "127.0.0.1:20921"
            with pytest.raises(RemotingError) as caught:
                await client.elect_master("PC", "broker-a", 1)
            assert caught.value.code == ResponseCode.CONTROLLER_NOT_LEADER
    finally:
        server.close()
        await server.wait_closed()
    assert [c.code for c in seen] == [1005, 1006, 1002]
    assert json.loads(seen[1].body) == ["broker-a"]
    assert {k: seen[2].ext_fields[k] for k in ("clusterName", "brokerName", "brokerId", "designateElect")} == {
        "clusterName": "PC",
        "brokerName": "broker-a",
        "brokerId": "1",
        "designateElect": "true",
    }
