"""BrokerClient: sending, pulling, offsets, topics and configuration on one broker."""

from __future__ import annotations

import asyncio
import time
import zlib
from typing import TypedDict, Unpack

import javaproperties

from rocketui.rocketmq.remoting.admin import BrokerAdmin, header_int
from rocketui.rocketmq.remoting.client import DEFAULT_TIMEOUT, Connector, RemotingClient
from rocketui.rocketmq.remoting.codec import RemotingCommand, ext_fields
from rocketui.rocketmq.remoting.codes import RequestCode, ResponseCode
from rocketui.rocketmq.remoting.errors import RemotingError
from rocketui.rocketmq.remoting.message import (
    PROP_KEYS,
    PROP_TAGS,
    PROP_UNIQ_KEY,
    PROP_WAIT,
    SYSFLAG_COMPRESSED,
    MessageFormatError,
    decode_messages,
    encode_properties,
    new_unique_msg_id,
)
from rocketui.rocketmq.remoting.namesrv import parse_json_body
from rocketui.rocketmq.remoting.peer import Peer
from rocketui.rocketmq.remoting.results import (
    HaStatus,
    PullResult,
    PullStatus,
    RuntimeInfo,
    SendResult,
    SendStatus,
    parse_ha_status,
)

DEFAULT_TOPIC = "TBW102"
V5_0_0 = 413  # MQVersion ordinal (rocketui.rocketmq.versions.remoting_ordinal)
_STATS_WARMUP_TRIES = 6
DEFAULT_PRODUCER_GROUP = "rocketui_producer"
PERM_READ_WRITE = 6
PULL_FLAG_SUSPEND = 0x2
PULL_FLAG_SUBSCRIPTION = 0x4
# A held pull is re-checked by the broker's PullRequestHoldService only every 5 s, so its answer
# can come up to suspend + 5 s after the request (plus pull-pool queueing): wait that long.
HOLD_CHECK_SECONDS = 5.0

_SEND_STATUS = {
    ResponseCode.SUCCESS: SendStatus.SEND_OK,
    ResponseCode.FLUSH_DISK_TIMEOUT: SendStatus.FLUSH_DISK_TIMEOUT,
    ResponseCode.FLUSH_SLAVE_TIMEOUT: SendStatus.FLUSH_SLAVE_TIMEOUT,
    ResponseCode.SLAVE_NOT_AVAILABLE: SendStatus.SLAVE_NOT_AVAILABLE,
}
SEND_CODES = tuple(_SEND_STATUS)  # the answers of a stored message
_PULL_STATUS = {
    ResponseCode.SUCCESS: PullStatus.FOUND,
    ResponseCode.PULL_NOT_FOUND: PullStatus.NO_NEW_MSG,
    ResponseCode.PULL_RETRY_IMMEDIATELY: PullStatus.NO_MATCHED_MSG,
    ResponseCode.PULL_OFFSET_MOVED: PullStatus.OFFSET_ILLEGAL,
}


def parse_config_body(text: str) -> dict[str, str]:
    """GET_BROKER_CONFIG body: one unescaped `key=value` per line (MixAll.properties2String)."""
    config: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip():
            config[key.strip()] = value
    return config


def encode_config_body(updates: dict[str, str]) -> bytes:
    """UPDATE_BROKER_CONFIG body, read by the broker with java.util.Properties (so escaped)."""
    if not updates:
        raise ValueError("no broker config keys to update")
    return "".join(javaproperties.join_key_value(k, str(v)) + "\n" for k, v in updates.items()).encode()


class MessageFields(TypedDict, total=False):
    """What a message carries besides its topic and body (send_v2_request's keywords)."""

    tags: str | None
    keys: str | list[str] | None
    properties: dict[str, str] | None
    queue_id: int
    producer_group: str
    flag: int
    compress: bool
    wait_store: bool
    default_topic: str
    default_topic_queue_nums: int


def send_v2_request(
    topic: str,
    body: bytes,
    *,
    tags: str | None = None,
    keys: str | list[str] | None = None,
    properties: dict[str, str] | None = None,
    queue_id: int = 0,
    producer_group: str = DEFAULT_PRODUCER_GROUP,
    flag: int = 0,
    compress: bool = False,
    wait_store: bool = True,
    default_topic: str = DEFAULT_TOPIC,
    default_topic_queue_nums: int = 4,
) -> tuple[dict[str, str], bytes, str]:
    """(SendMessageRequestHeaderV2 fields, body, message id) of one message (pure)."""
    if not body:
        raise ValueError(f"message body for topic {topic!r} is empty (the broker rejects empty bodies)")
    props = dict(properties or {})
    if tags:
        props[PROP_TAGS] = tags
    if keys:
        props[PROP_KEYS] = keys if isinstance(keys, str) else " ".join(keys)
    props.setdefault(PROP_UNIQ_KEY, new_unique_msg_id())
    props.setdefault(PROP_WAIT, "true" if wait_store else "false")
    sys_flag = 0
    if compress:
        body, sys_flag = zlib.compress(body), SYSFLAG_COMPRESSED
    header = {  # built as wire strings directly (the hot path)
        "a": producer_group,
        "b": topic,
        "c": default_topic,
        "d": str(default_topic_queue_nums),
        "e": str(queue_id),
        "f": str(sys_flag),
        "g": str(int(time.time() * 1000)),
        "h": str(flag),
        "i": encode_properties(props),
        "j": "0",
        "k": "false",
        "m": "false",
    }
    return header, body, props[PROP_UNIQ_KEY]


def send_v2_result(addr: str, response: RemotingCommand, topic: str, msg_id: str) -> SendResult:
    """The SendResult of a SEND_MESSAGE_V2 answer whose code is in SEND_CODES."""
    ext = response.ext_fields

    return SendResult(
        status=_SEND_STATUS[ResponseCode(response.code)],
        msg_id=msg_id,
        offset_msg_id=ext.get("msgId", ""),
        topic=topic,
        queue_id=header_int(addr, response, "queueId", "SEND_MESSAGE_V2"),
        queue_offset=header_int(addr, response, "queueOffset", "SEND_MESSAGE_V2"),
        transaction_id=ext.get("transactionId"),
        region_id=ext.get("MSG_REGION"),
    )


class BrokerClient(BrokerAdmin, Peer):
    def __init__(
        self,
        addr: str,
        *,
        connector: Connector | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        client: RemotingClient | None = None,
        broker_name: str | None = None,
    ) -> None:
        Peer.__init__(self, addr, connector=connector, timeout=timeout, client=client)
        # Set when `addr` is a proxy's remoting port: the proxy relays each request to the master
        # of the broker it names (ext field `bname`; `n` in SEND_MESSAGE_V2), and refuses requests
        # that name none (VERSION_NOT_SUPPORTED "Request doesn't have field bname").
        self.broker_name = broker_name

    def _via(self, fields: dict[str, str], key: str = "bname") -> dict[str, str]:
        if self.broker_name is not None:
            fields[key] = self.broker_name
        return fields

    def _int(self, response: RemotingCommand, name: str, what: str) -> int:
        return header_int(self.addr, response, name, what)

    async def send_v2(
        self, topic: str, body: bytes, *, timeout: float | None = None, **message: Unpack[MessageFields]
    ) -> SendResult:
        """SEND_MESSAGE_V2 of one message to `queue_id`. `compress` zlib-compresses the body
        (sysFlag 0x1) as the Java client does above 4 KiB. Raises RemotingError on refusal."""
        header, body, msg_id = send_v2_request(topic, body, **message)
        response = await self.remoting.invoke(
            RequestCode.SEND_MESSAGE_V2, self._via(header, "n"), body, timeout=timeout, expect=SEND_CODES
        )
        return send_v2_result(self.addr, response, topic, msg_id)

    async def send_oneway(
        self,
        topic: str,
        body: bytes,
        *,
        properties: dict[str, str] | None = None,
        queue_id: int = 0,
        producer_group: str = DEFAULT_PRODUCER_GROUP,
    ) -> None:
        """SEND_MESSAGE_V2 of one message to `queue_id` with the oneway flag: the broker answers
        nothing, so this returns once the frame is written (the produce test's oneway mode).  The
        header is send_v2's with its defaults (no compression, WAIT true)."""
        props = dict(properties or {})
        props.setdefault(PROP_UNIQ_KEY, new_unique_msg_id())
        props.setdefault(PROP_WAIT, "true")
        header = {  # SendMessageRequestHeaderV2, as in send_v2
            "a": producer_group,
            "b": topic,
            "c": DEFAULT_TOPIC,
            "d": "4",
            "e": str(queue_id),
            "f": "0",
            "g": str(int(time.time() * 1000)),
            "h": "0",
            "i": encode_properties(props),
            "j": "0",
            "k": "false",
            "m": "false",
        }
        await self.remoting.invoke_oneway(RequestCode.SEND_MESSAGE_V2, self._via(header, "n"), body)

    async def pull(
        self,
        group: str,
        topic: str,
        queue_id: int,
        offset: int,
        max_nums: int = 32,
        *,
        subscription: str = "*",
        suspend_ms: int = 0,
        timeout: float | None = None,
    ) -> PullResult:
        """PULL_MESSAGE with the subscription in the request (no heartbeat needed). With
        `suspend_ms` > 0 the broker long-polls up to that long; the timeout is widened by the
        suspension and the broker's 5 s hold-check period, so an idle queue never times out."""
        sys_flag = PULL_FLAG_SUBSCRIPTION | (PULL_FLAG_SUSPEND if suspend_ms > 0 else 0)
        header = ext_fields(
            {
                "consumerGroup": group,
                "topic": topic,
                "queueId": queue_id,
                "queueOffset": offset,
                "maxMsgNums": max_nums,
                "sysFlag": sys_flag,
                "commitOffset": 0,
                "suspendTimeoutMillis": suspend_ms,
                "subscription": subscription,
                "subVersion": 0,
                "expressionType": "TAG",
            }
        )
        limit = (self.remoting.timeout if timeout is None else timeout) + (
            suspend_ms / 1000 + HOLD_CHECK_SECONDS if suspend_ms > 0 else 0.0
        )
        response = await self.remoting.invoke(
            RequestCode.PULL_MESSAGE, self._via(header), timeout=limit, expect=tuple(_PULL_STATUS)
        )
        status = _PULL_STATUS[ResponseCode(response.code)]
        messages = []
        if status is PullStatus.FOUND and response.body:
            try:
                messages = decode_messages(response.body)
            except MessageFormatError as exc:
                raise RemotingError(self.addr, f"PULL_MESSAGE {topic}[{queue_id}]@{offset}: {exc}") from None
        what = "PULL_MESSAGE"
        return PullResult(
            status=status,
            messages=messages,
            next_begin_offset=self._int(response, "nextBeginOffset", what),
            min_offset=self._int(response, "minOffset", what),
            max_offset=self._int(response, "maxOffset", what),
            suggest_which_broker_id=int(response.ext_fields.get("suggestWhichBrokerId", "0") or 0),
        )

    async def query_consumer_offset(self, group: str, topic: str, queue_id: int) -> int | None:
        """The group's committed offset of one queue, None when the broker has none.

        A 4.x broker knows no setZeroIfNotFound (5.0+): for a group without an offset it answers
        0 as long as the queue's first messages are still in memory.  So from a 4.x broker a 0 is
        read as "none committed" (what 5.x says for a new group), never as a real offset 0."""
        response = await self.remoting.invoke(
            RequestCode.QUERY_CONSUMER_OFFSET,
            self._via(
                ext_fields({"consumerGroup": group, "topic": topic, "queueId": queue_id, "setZeroIfNotFound": False})
            ),
            expect=(ResponseCode.SUCCESS, ResponseCode.QUERY_NOT_FOUND),
        )
        if response.code == ResponseCode.QUERY_NOT_FOUND:
            return None
        offset = self._int(response, "offset", "QUERY_CONSUMER_OFFSET")
        if offset == 0 and 0 < response.version < V5_0_0:
            return None
        return offset

    @property
    def server_release(self) -> str | None:
        """The broker's release as its last answer said ('4.9.7', '5.5.0' …)."""
        return self.remoting.server_release

    async def update_consumer_offset(self, group: str, topic: str, queue_id: int, offset: int) -> None:
        await self.remoting.invoke(
            RequestCode.UPDATE_CONSUMER_OFFSET,
            self._via(
                ext_fields({"consumerGroup": group, "topic": topic, "queueId": queue_id, "commitOffset": offset})
            ),
        )

    async def get_max_offset(self, topic: str, queue_id: int) -> int:
        """Logical offset one past the last message of the queue."""
        response = await self.remoting.invoke(
            RequestCode.GET_MAX_OFFSET, self._via(ext_fields({"topic": topic, "queueId": queue_id, "committed": True}))
        )
        return self._int(response, "offset", "GET_MAX_OFFSET")

    async def get_min_offset(self, topic: str, queue_id: int) -> int:
        response = await self.remoting.invoke(
            RequestCode.GET_MIN_OFFSET, self._via(ext_fields({"topic": topic, "queueId": queue_id}))
        )
        return self._int(response, "offset", "GET_MIN_OFFSET")

    async def create_topic(
        self,
        topic: str,
        *,
        read_queue_nums: int = 8,
        write_queue_nums: int = 8,
        perm: int = PERM_READ_WRITE,
        order: bool = False,
        topic_sys_flag: int = 0,
    ) -> None:
        """UPDATE_AND_CREATE_TOPIC; the broker registers the topic at its namesrvs at once."""
        await self.remoting.invoke(
            RequestCode.UPDATE_AND_CREATE_TOPIC,
            ext_fields(
                {
                    "topic": topic,
                    "defaultTopic": DEFAULT_TOPIC,
                    "readQueueNums": read_queue_nums,
                    "writeQueueNums": write_queue_nums,
                    "perm": perm,
                    "topicFilterType": "SINGLE_TAG",
                    "topicSysFlag": topic_sys_flag,
                    "order": order,
                }
            ),
        )

    async def get_runtime_info(self) -> RuntimeInfo:
        # A 4.x broker answers SYSTEM_ERROR "java.util.NoSuchElementException … LinkedList.getLast"
        # until its store stats took their first sample, up to a second after it started (seen on
        # 4.9.7): asked again a few times before it counts as an error.
        for attempt in range(_STATS_WARMUP_TRIES):
            try:
                response = await self.remoting.invoke(RequestCode.GET_BROKER_RUNTIME_INFO)
                break
            except RemotingError as exc:
                empty_stats = exc.code == ResponseCode.SYSTEM_ERROR and "NoSuchElementException" in (exc.remark or "")
                if not empty_stats or attempt == _STATS_WARMUP_TRIES - 1:
                    raise
                await asyncio.sleep(0.5)
        data = parse_json_body(self.addr, "GET_BROKER_RUNTIME_INFO", response.body)
        table = data.get("table") if isinstance(data, dict) else None
        if not isinstance(table, dict):
            raise RemotingError(self.addr, "GET_BROKER_RUNTIME_INFO body has no 'table' object")
        return RuntimeInfo({str(k): "" if v is None else str(v) for k, v in table.items()})

    async def ha_status(self) -> HaStatus:
        """How many slaves this master replicates to, and how many are in sync (5.x)."""
        response = await self.remoting.invoke(RequestCode.GET_BROKER_HA_STATUS)
        try:
            return parse_ha_status(parse_json_body(self.addr, "GET_BROKER_HA_STATUS", response.body))
        except ValueError as exc:
            raise RemotingError(self.addr, str(exc)) from None

    async def get_broker_config(self) -> dict[str, str]:
        """Every broker (and store/netty) config item as the broker currently has it."""
        response = await self.remoting.invoke(RequestCode.GET_BROKER_CONFIG)
        return parse_config_body(response.body.decode("utf-8", "replace"))

    async def update_broker_config(self, updates: dict[str, str]) -> None:
        """UPDATE_BROKER_CONFIG: applied at once and persisted by the broker over its -c file.
        Keys in the broker's configBlackList are refused (RemotingError code 16)."""
        await self.remoting.invoke(RequestCode.UPDATE_BROKER_CONFIG, body=encode_config_body(updates))
