"""Route bodies and the namesrv client against a scripted namesrv (bodies as 5.5.0 sends them)."""

from __future__ import annotations

import asyncio

import pytest

from rocketui.rocketmq.remoting import lenient_json
from rocketui.rocketmq.remoting.broker import encode_config_body, parse_config_body
from rocketui.rocketmq.remoting.codec import RemotingCommand, encode_frame
from rocketui.rocketmq.remoting.errors import RemotingError
from rocketui.rocketmq.remoting.namesrv import NamesrvClient, cluster_info_from_any, cluster_info_per_namesrv
from rocketui.rocketmq.remoting.route import (
    BrokerData,
    ClusterInfo,
    RouteFormatError,
    cluster_info_from_json,
    topic_route_from_json,
)
from tests.rocketmq.remoting.fake_peer import Peer, free_port, read_cmd

# Captured from 5.5.0: cluster info keeps fastjson's unquoted Long keys, routes are standard JSON.
CLUSTER_BODY = (
    b'{"brokerAddrTable":{"broker-x":{"brokerAddrs":{0:"127.0.0.1:30911",1:"127.0.0.1:30921"},'
    b'"brokerName":"broker-x","cluster":"DevCluster","enableActingMaster":false}},'
    b'"clusterAddrTable":{"DevCluster":["broker-x"]}}'
)
ROUTE_BODY = (
    b'{"brokerDatas":[{"brokerAddrs":{"0":"127.0.0.1:30911"},"brokerName":"broker-x",'
    b'"cluster":"DevCluster","enableActingMaster":false}],"filterServerTable":{},'
    b'"queueDatas":[{"brokerName":"broker-x","perm":7,"readQueueNums":8,"topicSysFlag":0,'
    b'"writeQueueNums":8}]}'
)


def test_cluster_info_with_unquoted_and_quoted_keys() -> None:
    for body in (CLUSTER_BODY, CLUSTER_BODY.replace(b"{0:", b'{"0":').replace(b",1:", b',"1":')):
        info = cluster_info_from_json(lenient_json.loads(body))
        assert info.clusters == {"DevCluster": ["broker-x"]}
        broker = info.brokers["broker-x"]
        assert broker == BrokerData("DevCluster", "broker-x", {0: "127.0.0.1:30911", 1: "127.0.0.1:30921"})
        assert broker.master_addr == "127.0.0.1:30911"
        assert info.broker_addrs() == {"127.0.0.1:30911", "127.0.0.1:30921"}


def test_topic_route() -> None:
    route = topic_route_from_json("TBW102", lenient_json.loads(ROUTE_BODY))
    assert route.topic == "TBW102"
    assert [(q.broker_name, q.read_queue_nums, q.write_queue_nums, q.perm) for q in route.queues] == [
        ("broker-x", 8, 8, 7)
    ]
    assert route.brokers[0].addrs == {0: "127.0.0.1:30911"}


@pytest.mark.parametrize(
    "data, message",
    [
        ([], "cluster info is a list"),
        ({"brokerAddrTable": {"b": {"brokerAddrs": {"x": "a"}}}}, r"brokerAddrTable\[b\].brokerAddrs key is 'x'"),
        ({"clusterAddrTable": {"c": "b"}}, r"clusterAddrTable\[c\] is a str"),
    ],
)
def test_bad_cluster_bodies(data: object, message: str) -> None:
    with pytest.raises(RouteFormatError, match=message):
        cluster_info_from_json(data)


def test_bad_route_body() -> None:
    with pytest.raises(RouteFormatError, match=r"queueDatas\[0\].perm is 'rw'"):
        topic_route_from_json("t", {"queueDatas": [{"perm": "rw"}]})


def test_merge_views() -> None:
    a = ClusterInfo({"C": ["b1"]}, {"b1": BrokerData("C", "b1", {0: "m:1"})})
    b = ClusterInfo(
        {"C": ["b1", "b2"]}, {"b1": BrokerData("C", "b1", {1: "s:1"}), "b2": BrokerData("C", "b2", {0: "m:2"})}
    )
    merged = a.merged(b)
    assert merged.clusters == {"C": ["b1", "b2"]}
    assert merged.brokers["b1"].addrs == {0: "m:1", 1: "s:1"}
    assert merged.broker_addrs() == {"m:1", "s:1", "m:2"}


def namesrv_answering(body: bytes, code: int = 0):  # type: ignore[no-untyped-def]
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            cmd = await read_cmd(reader)
            writer.write(
                encode_frame(
                    RemotingCommand(
                        code=code, opaque=cmd.opaque, flag=1, body=body, remark=None if code == 0 else "not ready"
                    )
                )
            )

    return serve


async def test_namesrv_client_parses_real_shaped_bodies() -> None:
    async with Peer(namesrv_answering(CLUSTER_BODY)) as addr, NamesrvClient(addr) as ns:
        info = await ns.cluster_info()
        assert info.brokers["broker-x"].addrs[1] == "127.0.0.1:30921"
    async with Peer(namesrv_answering(b'{"topicList":["b","a"],"brokerAddr":null}')) as addr:
        async with NamesrvClient(addr) as ns:
            assert await ns.all_topics() == ["a", "b"]


@pytest.mark.parametrize(
    "body, message",
    [
        (b"", "GET_BROKER_CLUSTER_INFO answered with an empty body"),
        (b"{0:", "GET_BROKER_CLUSTER_INFO body is not valid JSON: unexpected end"),
        (b'{"brokerAddrTable":[]}', "GET_BROKER_CLUSTER_INFO body: brokerAddrTable is a list"),
    ],
)
async def test_namesrv_client_bad_bodies(body: bytes, message: str) -> None:
    async with Peer(namesrv_answering(body)) as addr, NamesrvClient(addr) as ns:
        with pytest.raises(RemotingError, match=f"^{addr}: {message}"):
            await ns.cluster_info()


async def test_cluster_info_from_any_reports_each_namesrv() -> None:
    dead = f"127.0.0.1:{free_port()}"
    async with Peer(namesrv_answering(CLUSTER_BODY)) as good, Peer(namesrv_answering(b"", code=1)) as failing:
        info, errors = await cluster_info_from_any([good, dead, failing, "nonsense"])
        views = await cluster_info_per_namesrv([good, failing])
    assert set(info.brokers) == {"broker-x"}
    assert errors[good] is None
    assert errors[dead] == f"{dead}: cannot connect: Connection refused"
    assert errors[failing] == f"{failing}: GET_BROKER_CLUSTER_INFO answered SYSTEM_ERROR (1): not ready"
    assert errors["nonsense"] == "nonsense: bad address 'nonsense': expected host:port"
    assert isinstance(views[good], ClusterInfo) and isinstance(views[failing], RemotingError)


def test_broker_config_bodies() -> None:
    text = "brokerName=broker-x\nmsgTraceTopicName=RMQ_SYS_TRACE_TOPIC\nempty=\nweird=a=b\n\n"
    assert parse_config_body(text) == {
        "brokerName": "broker-x",
        "msgTraceTopicName": "RMQ_SYS_TRACE_TOPIC",
        "empty": "",
        "weird": "a=b",
    }
    assert (
        encode_config_body({"fileReservedTime": "48", "brokerIP1": " x\\y"})
        == b"fileReservedTime=48\nbrokerIP1=\\ x\\\\y\n"
    )
    with pytest.raises(ValueError, match="no broker config keys"):
        encode_config_body({})
