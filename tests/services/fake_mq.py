"""A scripted in-process namesrv + broker on one loopback port, for the produce test's unit
tests: routes, max offsets, cluster info and sends whose answers a test chooses per message."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from rocketui.rocketmq.remoting.codes import RequestCode, ResponseCode
from tests.rocketmq.remoting.fake_peer import Peer, read_cmd, reply

# (seq → (response code, remark)) or None for success; seq comes from the rui_seq property.
SendScript = Callable[[int], tuple[int, str] | None]


@dataclass
class FakeMq:
    topics: dict[str, int] = field(default_factory=lambda: {"T": 2})  # topic → queues
    cluster: str = "FakeCluster"
    broker_name: str = "broker-f"
    send_script: SendScript = lambda seq: None
    stall: Callable[[int], bool] = lambda seq: False
    # stores the message, then the connection breaks before the answer (a broker killed mid-send)
    cut: Callable[[int], bool] = lambda seq: False
    sent: list[dict[str, str]] = field(default_factory=list)
    attempts: list[dict[str, str]] = field(default_factory=list)  # every send asked, answered or not
    created: list[str] = field(default_factory=list)
    offsets: dict[tuple[str, int], int] = field(default_factory=dict)
    perms: dict[str, int] = field(default_factory=lambda: {"TBW102": 7})  # default 6 (read+write)
    addr: str = ""

    def peer(self) -> Peer:
        return Peer(self._serve)

    def _route(self, topic: str) -> bytes:
        return json.dumps(
            {
                "queueDatas": [
                    {
                        "brokerName": self.broker_name,
                        "readQueueNums": self.topics[topic],
                        "writeQueueNums": self.topics[topic],
                        "perm": self.perms.get(topic, 6),
                        "topicSysFlag": 0,
                    }
                ],
                "brokerDatas": [
                    {"cluster": self.cluster, "brokerName": self.broker_name, "brokerAddrs": {"0": self.addr}}
                ],
            }
        ).encode()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            cmd = await read_cmd(reader)
            ext = cmd.ext_fields
            if cmd.code == RequestCode.GET_ROUTEINFO_BY_TOPIC:
                topic = ext["topic"]
                if topic in self.topics:
                    writer.write(reply(cmd, body=self._route(topic)))
                else:
                    writer.write(
                        reply(
                            cmd,
                            ResponseCode.TOPIC_NOT_EXIST,
                            remark=f"No topic route info in name server for the topic: {topic}",
                        )
                    )
            elif cmd.code == RequestCode.GET_BROKER_CLUSTER_INFO:
                body = {
                    "brokerAddrTable": {
                        self.broker_name: {
                            "cluster": self.cluster,
                            "brokerName": self.broker_name,
                            "brokerAddrs": {"0": self.addr},
                        }
                    },
                    "clusterAddrTable": {self.cluster: [self.broker_name]},
                }
                writer.write(reply(cmd, body=json.dumps(body).encode()))
            elif cmd.code == RequestCode.UPDATE_AND_CREATE_TOPIC:
                self.topics[ext["topic"]] = int(ext["writeQueueNums"])
                self.created.append(ext["topic"])
                writer.write(reply(cmd))
            elif cmd.code == RequestCode.GET_MAX_OFFSET:
                offset = self.offsets.get((ext["topic"], int(ext["queueId"])), 0)
                writer.write(reply(cmd, ext_fields={"offset": str(offset)}))
            elif cmd.code == RequestCode.PULL_MESSAGE:  # stores nothing: every pull finds nothing new
                offset = ext["queueOffset"]
                writer.write(
                    reply(
                        cmd,
                        ResponseCode.PULL_NOT_FOUND,
                        ext_fields={
                            "nextBeginOffset": offset,
                            "minOffset": "0",
                            "maxOffset": offset,
                            "suggestWhichBrokerId": "0",
                        },
                    )
                )
            elif cmd.code == RequestCode.SEND_MESSAGE_V2:
                if self._send(cmd, writer):
                    writer.close()
                    return
            else:
                writer.write(reply(cmd, ResponseCode.REQUEST_CODE_NOT_SUPPORTED))
            await writer.drain()

    def _send(self, cmd: object, writer: asyncio.StreamWriter) -> bool:
        """Answer one send; True when the connection is to break instead."""
        from rocketui.rocketmq.remoting.message import decode_properties

        ext = cmd.ext_fields  # type: ignore[attr-defined]
        props = decode_properties(ext["i"])
        seq = int(props.get("rui_seq", "-1"))
        self.attempts.append({**ext, **props})
        if self.stall(seq):
            return False
        scripted = self.send_script(seq)
        if scripted is not None:
            code, remark = scripted
            writer.write(reply(cmd, code, remark=remark))  # type: ignore[arg-type]
            return False
        if ext["b"] not in self.topics:
            writer.write(
                reply(
                    cmd,
                    ResponseCode.TOPIC_NOT_EXIST,  # type: ignore[arg-type]
                    remark=f"topic[{ext['b']}] not exist, apply first please!",
                )
            )
            return False
        key = (ext["b"], int(ext["e"]))
        offset = self.offsets.get(key, 0)
        self.offsets[key] = offset + 1
        self.sent.append({**ext, **props})
        if self.cut(seq):
            return True
        writer.write(
            reply(
                cmd,
                ext_fields={
                    "msgId": f"{len(self.sent):032X}",
                    "queueId": ext["e"],  # type: ignore[arg-type]
                    "queueOffset": str(offset),
                },
            )
        )
        return False


async def start(fake: FakeMq) -> tuple[Peer, str]:
    peer = fake.peer()
    fake.addr = await peer.__aenter__()
    return peer, fake.addr
