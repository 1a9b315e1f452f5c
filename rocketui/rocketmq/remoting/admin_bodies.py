"""Typed views of the admin bodies brokers and namesrvs send (fastjson, parsed by lenient_json).

Every parser accepts what the broker leaves out (null fields are omitted by fastjson), 4.x bodies
(no `pullOffset`, `attributes`, `topicPutTps`) and MessageQueue objects used as map keys, and
raises `BodyFormatError` naming the field when a value has the wrong type.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

PERM_INHERIT = 0x1
PERM_WRITE = 0x2
PERM_READ = 0x4
RETRY_PREFIX = "%RETRY%"
DLQ_PREFIX = "%DLQ%"
# TopicValidator's static system set (5.x) plus what a broker registers at start; more come from
# GET_SYSTEM_TOPIC_LIST_FROM_BROKER (cluster and broker names, `<cluster>_REPLY_TOPIC`).
SYSTEM_TOPICS = frozenset(
    {
        "TBW102",
        "SCHEDULE_TOPIC_XXXX",
        "BenchmarkTest",
        "RMQ_SYS_TRANS_HALF_TOPIC",
        "RMQ_SYS_TRACE_TOPIC",
        "RMQ_SYS_TRANS_OP_HALF_TOPIC",
        "TRANS_CHECK_MAX_TIME_TOPIC",
        "SELF_TEST_TOPIC",
        "OFFSET_MOVED_EVENT",
        "CHECKPOINT_TOPIC",
    }
)
# MixAll.PREDEFINE_GROUP_SET and the CID_RMQ_SYS_ prefix: groups the broker keeps for itself.
SYSTEM_GROUPS = frozenset(
    {
        "TOOLS_CONSUMER",
        "FILTERSRV_CONSUMER",
        "__MONITOR_CONSUMER",
        "CLIENT_INNER_PRODUCER",
        "SELF_TEST_P_GROUP",
        "SELF_TEST_C_GROUP",
        "CID_ONS-HTTP-PROXY",
        "CID_ONSAPI_PERMISSION",
        "CID_ONSAPI_OWNER",
        "CID_ONSAPI_PULL",
        "DEFAULT_CONSUMER",
        "DEFAULT_PRODUCER",
    }
)


class BodyFormatError(ValueError):
    """A body that parsed as JSON but does not have the shape the request answers with."""


def is_system_topic(topic: str, extra: frozenset[str] | set[str] = frozenset()) -> bool:
    """TopicValidator.isSystemTopic, plus the broker's own list (305) when given."""
    return topic in SYSTEM_TOPICS or topic.startswith("rmq_sys_") or topic in extra


def topic_kind(topic: str, extra: frozenset[str] | set[str] = frozenset()) -> str:
    """'system', 'retry' (%RETRY%group), 'dlq' (%DLQ%group) or 'normal'."""
    if topic.startswith(RETRY_PREFIX):
        return "retry"
    if topic.startswith(DLQ_PREFIX):
        return "dlq"
    return "system" if is_system_topic(topic, extra) else "normal"


def is_system_group(group: str) -> bool:
    return group in SYSTEM_GROUPS or group.startswith("CID_RMQ_SYS_")


def perm_text(perm: int) -> str:
    """'RW', 'R-', '-W', '--' (+ 'i' for inherit), as an operator reads a perm number."""
    rw = ("R" if perm & PERM_READ else "-") + ("W" if perm & PERM_WRITE else "-")
    return rw + ("i" if perm & PERM_INHERIT else "")


# --- helpers ------------------------------------------------------------------------------------


def obj(value: Any, where: str) -> Mapping[Any, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise BodyFormatError(f"{where} is a {type(value).__name__}, expected an object")
    return value


def arr(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise BodyFormatError(f"{where} is a {type(value).__name__}, expected an array")
    return value


def integer(value: Any, where: str, default: int = 0) -> int:
    if value is None:
        return default
    if isinstance(value, bool):
        raise BodyFormatError(f"{where} is {value!r}, expected an integer")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise BodyFormatError(f"{where} is {value!r}, expected an integer") from None


def number(value: Any, where: str, default: float = 0.0) -> float:
    if value is None:
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        raise BodyFormatError(f"{where} is {value!r}, expected a number") from None


def flag(value: Any, where: str, default: bool = False) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    raise BodyFormatError(f"{where} is {value!r}, expected true/false")


# --- message queues ------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class MessageQueue:
    """Sorted as mqadmin sorts rows: topic, broker name, queue id."""

    topic: str
    broker_name: str
    queue_id: int

    def __str__(self) -> str:
        return f"{self.topic}@{self.broker_name}[{self.queue_id}]"

    @classmethod
    def from_json(cls, value: Any, where: str) -> MessageQueue:
        data = obj(value, where)
        return cls(str(data.get("topic") or ""), str(data.get("brokerName") or ""), integer(data.get("queueId"), where))


def _queue_table(value: Any, where: str) -> list[tuple[MessageQueue, Mapping[Any, Any]]]:
    out = []
    for key, entry in obj(value, where).items():
        if not isinstance(key, Mapping):
            raise BodyFormatError(f"{where} key {key!r} is not a MessageQueue object")
        out.append((MessageQueue.from_json(key, f"{where} key"), obj(entry, f"{where}[{key}]")))
    return sorted(out, key=lambda kv: kv[0])


# --- topics -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TopicConfig:
    name: str
    read_queue_nums: int
    write_queue_nums: int
    perm: int
    order: bool = False
    topic_sys_flag: int = 0
    attributes: dict[str, str] = field(default_factory=dict)


def topic_config_from_json(name: str, value: Any) -> TopicConfig:
    d = obj(value, f"topicConfigTable[{name}]")
    w = f"topic {name}"
    return TopicConfig(
        name=str(d.get("topicName") or name),
        read_queue_nums=integer(d.get("readQueueNums"), f"{w} readQueueNums"),
        write_queue_nums=integer(d.get("writeQueueNums"), f"{w} writeQueueNums"),
        perm=integer(d.get("perm"), f"{w} perm"),
        order=flag(d.get("order"), f"{w} order"),
        topic_sys_flag=integer(d.get("topicSysFlag"), f"{w} topicSysFlag"),
        attributes={str(k): str(v) for k, v in obj(d.get("attributes"), f"{w} attributes").items()},
    )


def topic_configs_from_json(data: Any) -> dict[str, TopicConfig]:
    """GET_ALL_TOPIC_CONFIG body: {"dataVersion":…, "topicConfigTable":{name: TopicConfig}, …}."""
    table = obj(obj(data, "topic config body").get("topicConfigTable"), "topicConfigTable")
    return {str(name): topic_config_from_json(str(name), value) for name, value in table.items()}


@dataclass(frozen=True)
class QueueOffsets:
    queue: MessageQueue
    min_offset: int
    max_offset: int
    last_update: int  # store time (ms) of the last message, 0 when empty

    @property
    def messages(self) -> int:
        return max(0, self.max_offset - self.min_offset)


@dataclass(frozen=True)
class TopicStats:
    queues: list[QueueOffsets]
    put_tps: float | None = None  # 5.x: topicPutTps (per-minute rate); absent on 4.x


def topic_stats_from_json(data: Any) -> TopicStats:
    """GET_TOPIC_STATS_INFO body (TopicStatsTable)."""
    d = obj(data, "topic stats body")
    queues = [
        QueueOffsets(
            mq,
            integer(e.get("minOffset"), f"{mq} minOffset"),
            integer(e.get("maxOffset"), f"{mq} maxOffset"),
            integer(e.get("lastUpdateTimestamp"), f"{mq} lastUpdateTimestamp"),
        )
        for mq, e in _queue_table(d.get("offsetTable"), "offsetTable")
    ]
    tps = d.get("topicPutTps")
    return TopicStats(queues, None if tps is None else number(tps, "topicPutTps"))


def topic_list_from_json(data: Any, what: str = "topic list") -> list[str]:
    """TopicList body: {"topicList":[…], "brokerAddr":…}."""
    return sorted(str(t) for t in arr(obj(data, what).get("topicList"), f"{what} topicList"))


# --- consumer groups ----------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueConsumeStats:
    queue: MessageQueue
    broker_offset: int
    consumer_offset: int
    last_timestamp: int  # store time (ms) of the last consumed message, 0 when none
    pull_offset: int | None = None  # 5.x

    @property
    def lag(self) -> int:
        """mqadmin's Diff: messages in the queue the group has not consumed."""
        return max(0, self.broker_offset - self.consumer_offset)

    @property
    def inflight(self) -> int:
        return 0 if self.pull_offset is None else max(0, self.pull_offset - self.consumer_offset)


@dataclass(frozen=True)
class ConsumeStats:
    queues: list[QueueConsumeStats]
    consume_tps: float = 0.0

    @property
    def lag(self) -> int:
        return sum(q.lag for q in self.queues)


def consume_stats_from_json(data: Any) -> ConsumeStats:
    """GET_CONSUME_STATS body."""
    d = obj(data, "consume stats body")
    queues = []
    for mq, e in _queue_table(d.get("offsetTable"), "offsetTable"):
        pull = e.get("pullOffset")
        queues.append(
            QueueConsumeStats(
                mq,
                integer(e.get("brokerOffset"), f"{mq} brokerOffset"),
                integer(e.get("consumerOffset"), f"{mq} consumerOffset"),
                integer(e.get("lastTimestamp"), f"{mq} lastTimestamp"),
                None if pull is None else integer(pull, f"{mq} pullOffset"),
            )
        )
    return ConsumeStats(queues, number(d.get("consumeTps"), "consumeTps"))


@dataclass(frozen=True)
class ClientConnection:
    client_id: str
    client_addr: str
    language: str
    version: int


@dataclass(frozen=True)
class ConsumerConnection:
    connections: list[ClientConnection]
    subscriptions: dict[str, str]  # topic -> expression
    consume_type: str = ""  # CONSUME_ACTIVELY (pull) / CONSUME_PASSIVELY (push)
    message_model: str = ""
    consume_from_where: str = ""


def consumer_connection_from_json(data: Any) -> ConsumerConnection:
    """GET_CONSUMER_CONNECTION_LIST body."""
    d = obj(data, "consumer connection body")
    conns = []
    for i, raw in enumerate(arr(d.get("connectionSet"), "connectionSet")):
        c = obj(raw, f"connectionSet[{i}]")
        conns.append(
            ClientConnection(
                str(c.get("clientId") or ""),
                str(c.get("clientAddr") or ""),
                str(c.get("language") or ""),
                integer(c.get("version"), f"connectionSet[{i}].version"),
            )
        )
    subs = {
        str(topic): str(obj(sub, f"subscriptionTable[{topic}]").get("subString") or "*")
        for topic, sub in obj(d.get("subscriptionTable"), "subscriptionTable").items()
    }
    return ConsumerConnection(
        sorted(conns, key=lambda c: c.client_id),
        subs,
        str(d.get("consumeType") or ""),
        str(d.get("messageModel") or ""),
        str(d.get("consumeFromWhere") or ""),
    )


@dataclass(frozen=True)
class SubscriptionGroup:
    name: str
    consume_enable: bool = True
    consume_broadcast_enable: bool = True
    retry_queue_nums: int = 1
    retry_max_times: int = 16
    broker_id: int = 0
    which_broker_when_consume_slowly: int = 1
    consume_message_orderly: bool = False

    def to_json(self) -> dict[str, Any]:
        """The SubscriptionGroupConfig body UPDATE_AND_CREATE_SUBSCRIPTIONGROUP takes."""
        return {
            "groupName": self.name,
            "consumeEnable": self.consume_enable,
            "consumeFromMinEnable": True,
            "consumeBroadcastEnable": self.consume_broadcast_enable,
            "consumeMessageOrderly": self.consume_message_orderly,
            "retryQueueNums": self.retry_queue_nums,
            "retryMaxTimes": self.retry_max_times,
            "brokerId": self.broker_id,
            "whichBrokerWhenConsumeSlowly": self.which_broker_when_consume_slowly,
            "notifyConsumerIdsChangedEnable": True,
        }


def subscription_groups_from_json(data: Any) -> dict[str, SubscriptionGroup]:
    """GET_ALL_SUBSCRIPTIONGROUP_CONFIG body: {"subscriptionGroupTable":{name: config}, …}."""
    table = obj(obj(data, "subscription group body").get("subscriptionGroupTable"), "subscriptionGroupTable")
    out = {}
    for name, raw in table.items():
        g = obj(raw, f"subscriptionGroupTable[{name}]")
        w = f"group {name}"
        out[str(name)] = SubscriptionGroup(
            name=str(g.get("groupName") or name),
            consume_enable=flag(g.get("consumeEnable"), f"{w} consumeEnable", True),
            consume_broadcast_enable=flag(g.get("consumeBroadcastEnable"), f"{w} consumeBroadcastEnable", True),
            retry_queue_nums=integer(g.get("retryQueueNums"), f"{w} retryQueueNums", 1),
            retry_max_times=integer(g.get("retryMaxTimes"), f"{w} retryMaxTimes", 16),
            broker_id=integer(g.get("brokerId"), f"{w} brokerId"),
            which_broker_when_consume_slowly=integer(
                g.get("whichBrokerWhenConsumeSlowly"), f"{w} whichBrokerWhenConsumeSlowly", 1
            ),
            consume_message_orderly=flag(g.get("consumeMessageOrderly"), f"{w} consumeMessageOrderly"),
        )
    return out


def group_list_from_json(data: Any) -> list[str]:
    """QUERY_TOPIC_CONSUME_BY_WHO body: {"groupList":[…]}."""
    return sorted(str(g) for g in arr(obj(data, "group list body").get("groupList"), "groupList"))


def reset_offsets_from_json(data: Any) -> dict[MessageQueue, int]:
    """INVOKE_BROKER_TO_RESET_OFFSET body (ResetOffsetBody): {"offsetTable":{MessageQueue: offset}}."""
    out = {}
    for key, value in obj(obj(data, "reset offset body").get("offsetTable"), "offsetTable").items():
        if not isinstance(key, Mapping):
            raise BodyFormatError(f"offsetTable key {key!r} is not a MessageQueue object")
        mq = MessageQueue.from_json(key, "offsetTable key")
        out[mq] = integer(value, f"offsetTable[{mq}]")
    return dict(sorted(out.items()))


# --- runtime info --------------------------------------------------------------------------------


def tps_triple(text: str | None) -> tuple[float | None, float | None, float | None]:
    """A runtime TPS value: rates over the last 10 s, 60 s and 600 s, space-separated; a window
    the broker has not run long enough for is an empty string (→ None)."""
    parts = (text or "").split(" ")
    values: list[float | None] = []
    for i in range(3):
        part = parts[i].strip() if i < len(parts) else ""
        try:
            values.append(float(part) if part else None)
        except ValueError:
            values.append(None)
    return values[0], values[1], values[2]
