"""Admin body parsers on bodies real 5.5.0 JVMs sent (tests/data/remoting/README.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rocketui.rocketmq.remoting import lenient_json
from rocketui.rocketmq.remoting.admin_bodies import (
    BodyFormatError,
    MessageQueue,
    consume_stats_from_json,
    consumer_connection_from_json,
    group_list_from_json,
    is_system_group,
    is_system_topic,
    perm_text,
    reset_offsets_from_json,
    subscription_groups_from_json,
    topic_configs_from_json,
    topic_kind,
    topic_list_from_json,
    topic_stats_from_json,
    tps_triple,
)
from rocketui.rocketmq.remoting.message import decode_messages
from rocketui.rocketmq.remoting.results import RuntimeInfo

DATA = Path(__file__).resolve().parents[2] / "data" / "remoting"


def body(name: str) -> object:
    return lenient_json.loads((DATA / name).read_bytes())


def test_topic_configs() -> None:
    configs = topic_configs_from_json(body("topic_configs.json"))
    cap = configs["CapTopic"]
    assert (cap.read_queue_nums, cap.write_queue_nums, cap.perm, cap.order) == (4, 4, 6, False)
    assert configs["AdminCluster"].perm == 7  # the cluster-name topic inherits
    assert perm_text(configs["AdminCluster"].perm) == "RWi" and perm_text(cap.perm) == "RW"


def test_topic_stats_object_keys_sorted_per_queue() -> None:
    stats = topic_stats_from_json(body("topic_stats.json"))
    assert [q.queue for q in stats.queues] == [MessageQueue("CapTopic", "broker-a", i) for i in range(4)]
    assert [q.messages for q in stats.queues] == [10, 10, 10, 10]
    assert all(q.last_update > 0 for q in stats.queues)
    assert stats.put_tps == 4.0


def test_consume_stats_lag_and_inflight() -> None:
    stats = consume_stats_from_json(body("consume_stats.json"))
    by_qid = {q.queue.queue_id: q for q in stats.queues}
    assert by_qid[0].consumer_offset == 2 and by_qid[0].lag == 8 and by_qid[0].inflight == 8
    assert by_qid[1].last_timestamp == 0  # nothing committed on that queue yet
    assert stats.lag == 8 + 10 + 1 + 10
    assert stats.consume_tps == 4.0


def test_consumer_connection_of_a_java_push_consumer() -> None:
    conn = consumer_connection_from_json(body("consumer_connection.json"))
    (client,) = conn.connections
    assert client.language == "JAVA" and client.version > 400 and client.client_addr.startswith("127.0.0.1:")
    assert conn.subscriptions == {"CapTopic": "*", "%RETRY%CapGroup": "*"}
    assert (conn.consume_type, conn.message_model) == ("CONSUME_PASSIVELY", "CLUSTERING")


def test_subscription_groups_and_system_groups() -> None:
    groups = subscription_groups_from_json(body("subscription_groups.json"))
    assert "CapGroup" in groups and groups["CapGroup"].retry_queue_nums == 1
    user = [g for g in groups if not is_system_group(g)]
    assert user == ["CapGroup"]


def test_system_topics_and_topic_lists() -> None:
    system = set(topic_list_from_json(body("system_topics.json")))
    assert {"TBW102", "AdminCluster", "broker-a", "AdminCluster_REPLY_TOPIC"} <= system
    every = topic_list_from_json(body("namesrv_topic_list.json"))
    user = [t for t in every if not is_system_topic(t, system | {"broker-b"})]
    assert user == ["%RETRY%CapGroup", "CapTopic"]  # retry topics are not system topics (a kind of their own)
    assert [topic_kind(t, system) for t in user] == ["retry", "normal"]
    assert topic_kind("%DLQ%G") == "dlq" and topic_kind("rmq_sys_x") == "system"
    assert group_list_from_json(body("consume_by_who.json")) == ["CapGroup"]


def test_reset_offsets() -> None:
    table = reset_offsets_from_json(body("reset_offset.json"))
    assert table == {MessageQueue("CapTopic", "broker-a", i): 0 for i in range(4)}


def test_runtime_info_tps_and_4x_spelling() -> None:
    data = body("runtime_info.json")
    assert isinstance(data, dict)
    info = RuntimeInfo({str(k): str(v) for k, v in data["table"].items()})
    put = info.tps("putTps")
    assert put[0] is not None and put[0] >= 0
    assert info.number("commitLogDiskRatio") is not None
    assert RuntimeInfo({"getTransferedTps": "1.5 2.0 "}).tps("getTransferredTps") == (1.5, 2.0, None)
    assert tps_triple("  ") == (None, None, None)
    assert tps_triple(None) == (None, None, None)


def test_query_and_view_message_bodies() -> None:
    (found,) = decode_messages((DATA / "query_message_key-7.bin").read_bytes())
    assert found.keys == ["key-7"] and found.body == b"body-7" and found.topic == "CapTopic"
    (viewed,) = decode_messages((DATA / "view_message.bin").read_bytes())
    assert viewed.commit_log_offset == found.commit_log_offset and viewed.body == b"body-7"


def test_wrong_shapes_name_the_field() -> None:
    with pytest.raises(BodyFormatError, match="maxOffset"):
        topic_stats_from_json(
            {"offsetTable": {lenient_json.ObjectKey({"topic": "T", "queueId": 0}): {"maxOffset": "x"}}}
        )
    with pytest.raises(BodyFormatError, match="not a MessageQueue"):
        consume_stats_from_json({"offsetTable": {"0": {}}})
    with pytest.raises(BodyFormatError, match="connectionSet"):
        consumer_connection_from_json({"connectionSet": {}})
