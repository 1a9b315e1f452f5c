"""Admin requests of a broker and a namesrv (topics, groups, stats, offsets, lookup, permissions).

Mixed into BrokerClient / NamesrvClient.  Every header field the server decodes as required
(`@CFNotNull`) is always sent as a well-formed string: a missing one is only logged by the
server, which then runs with null/0 and fails with an unrelated exception text.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from rocketui.rocketmq.remoting import lenient_json
from rocketui.rocketmq.remoting.admin_bodies import (
    BodyFormatError,
    ConsumerConnection,
    ConsumeStats,
    MessageQueue,
    SubscriptionGroup,
    TopicConfig,
    TopicStats,
    consume_stats_from_json,
    consumer_connection_from_json,
    group_list_from_json,
    reset_offsets_from_json,
    subscription_groups_from_json,
    topic_configs_from_json,
    topic_list_from_json,
    topic_stats_from_json,
)
from rocketui.rocketmq.remoting.client import RemotingClient
from rocketui.rocketmq.remoting.codec import RemotingCommand, ext_fields
from rocketui.rocketmq.remoting.codes import RequestCode, ResponseCode
from rocketui.rocketmq.remoting.errors import RemotingError
from rocketui.rocketmq.remoting.message import MessageExt, MessageFormatError, decode_messages

UNIQUE_QUERY_FLAG = "_UNIQUE_KEY_QUERY"  # MixAll.UNIQUE_MSG_QUERY_FLAG
QUERY_MAX_NUM = 64  # the broker caps maxNum at maxMsgsNumBatch (64)


def _body(addr: str, what: str, body: bytes) -> Any:
    if not body:
        raise RemotingError(addr, f"{what} answered with an empty body")
    try:
        return lenient_json.loads(body)
    except lenient_json.JSONParseError as exc:
        raise RemotingError(addr, f"{what} body is not valid JSON: {exc}") from None


def header_int(addr: str, response: RemotingCommand, name: str, what: str) -> int:
    """An integer field of a response header; a RemotingError naming it otherwise."""
    value = response.ext_fields.get(name)
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise RemotingError(addr, f"{what} response header {name!r} is {value!r}, expected an integer") from None


class BrokerAdmin:
    """Admin calls of one broker; needs `remoting` and `addr` (BrokerClient provides them)."""

    remoting: RemotingClient
    addr: str

    async def _parsed(self, code: RequestCode, header: dict[str, str] | None = None, **kw: Any) -> Any:
        response = await self.remoting.invoke(code, header, **kw)
        return _body(self.addr, code.name, response.body)

    def _shape(self, what: str, exc: BodyFormatError) -> RemotingError:
        return RemotingError(self.addr, f"{what} body: {exc}")

    async def all_topic_configs(self) -> dict[str, TopicConfig]:
        """GET_ALL_TOPIC_CONFIG: every topic of this broker (a slave answers with its synced copy)."""
        data = await self._parsed(RequestCode.GET_ALL_TOPIC_CONFIG)
        try:
            return topic_configs_from_json(data)
        except BodyFormatError as exc:
            raise self._shape("GET_ALL_TOPIC_CONFIG", exc) from None

    async def topic_stats(self, topic: str) -> TopicStats:
        """Per-queue min/max offsets of `topic` here; RemotingError 17 when the broker lacks it."""
        data = await self._parsed(RequestCode.GET_TOPIC_STATS_INFO, {"topic": topic})
        try:
            return topic_stats_from_json(data)
        except BodyFormatError as exc:
            raise self._shape(f"GET_TOPIC_STATS_INFO {topic}", exc) from None

    async def consume_stats(self, group: str, topic: str | None = None) -> ConsumeStats:
        """The group's offsets and lag on this broker (every topic it has offsets for, or one)."""
        data = await self._parsed(RequestCode.GET_CONSUME_STATS, ext_fields({"consumerGroup": group, "topic": topic}))
        try:
            return consume_stats_from_json(data)
        except BodyFormatError as exc:
            raise self._shape(f"GET_CONSUME_STATS {group}", exc) from None

    async def consumer_connection(self, group: str) -> ConsumerConnection | None:
        """Online clients of the group (registered by heartbeat); None when none is online."""
        response = await self.remoting.invoke(
            RequestCode.GET_CONSUMER_CONNECTION_LIST,
            {"consumerGroup": group},
            expect=(ResponseCode.SUCCESS, ResponseCode.CONSUMER_NOT_ONLINE),
        )
        if response.code == ResponseCode.CONSUMER_NOT_ONLINE:
            return None
        try:
            return consumer_connection_from_json(_body(self.addr, "GET_CONSUMER_CONNECTION_LIST", response.body))
        except BodyFormatError as exc:
            raise self._shape(f"GET_CONSUMER_CONNECTION_LIST {group}", exc) from None

    async def subscription_groups(self) -> dict[str, SubscriptionGroup]:
        data = await self._parsed(RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG)
        try:
            return subscription_groups_from_json(data)
        except BodyFormatError as exc:
            raise self._shape("GET_ALL_SUBSCRIPTIONGROUP_CONFIG", exc) from None

    async def create_subscription_group(self, group: SubscriptionGroup) -> None:
        """UPDATE_AND_CREATE_SUBSCRIPTIONGROUP (the config is the body; no header fields)."""
        await self.remoting.invoke(
            RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, body=json.dumps(group.to_json()).encode()
        )

    async def delete_subscription_group(self, group: str, *, clean_offset: bool = False) -> None:
        await self.remoting.invoke(
            RequestCode.DELETE_SUBSCRIPTIONGROUP, ext_fields({"groupName": group, "cleanOffset": clean_offset})
        )

    async def delete_topic(self, topic: str) -> None:
        """DELETE_TOPIC_IN_BROKER: config, offsets and queue files; the namesrv is not told."""
        await self.remoting.invoke(RequestCode.DELETE_TOPIC_IN_BROKER, {"topic": topic})

    async def system_topics(self) -> list[str]:
        """GET_SYSTEM_TOPIC_LIST_FROM_BROKER: the topics this broker JVM treats as system."""
        data = await self._parsed(RequestCode.GET_SYSTEM_TOPIC_LIST_FROM_BROKER)
        try:
            return topic_list_from_json(data)
        except BodyFormatError as exc:
            raise self._shape("GET_SYSTEM_TOPIC_LIST_FROM_BROKER", exc) from None

    async def groups_consuming(self, topic: str) -> list[str]:
        """QUERY_TOPIC_CONSUME_BY_WHO: groups online for `topic` or with offsets of it here."""
        data = await self._parsed(RequestCode.QUERY_TOPIC_CONSUME_BY_WHO, {"topic": topic})
        try:
            return group_list_from_json(data)
        except BodyFormatError as exc:
            raise self._shape(f"QUERY_TOPIC_CONSUME_BY_WHO {topic}", exc) from None

    async def search_offset(self, topic: str, queue_id: int, timestamp_ms: int, *, upper: bool = False) -> int:
        """SEARCH_OFFSET_BY_TIMESTAMP: 5.x LOWER = first offset stored at or after the time."""
        response = await self.remoting.invoke(
            RequestCode.SEARCH_OFFSET_BY_TIMESTAMP,
            ext_fields(
                {
                    "topic": topic,
                    "queueId": queue_id,
                    "timestamp": timestamp_ms,
                    "boundaryType": "UPPER" if upper else "LOWER",
                }
            ),
        )
        return header_int(self.addr, response, "offset", "SEARCH_OFFSET_BY_TIMESTAMP")

    async def earliest_store_time(self, topic: str, queue_id: int) -> int:
        """Store time (ms) of the first message still in the queue, -1 when empty."""
        response = await self.remoting.invoke(
            RequestCode.GET_EARLIEST_MSG_STORETIME, ext_fields({"topic": topic, "queueId": queue_id})
        )
        return header_int(self.addr, response, "timestamp", "GET_EARLIEST_MSG_STORETIME")

    async def reset_offset(
        self, group: str, topic: str, timestamp_ms: int, *, force: bool = True
    ) -> dict[MessageQueue, int]:
        """INVOKE_BROKER_TO_RESET_OFFSET on a master (5.x: done by the broker, online consumers
        learn it at their next pull); timestamp -1 means the max offset of every queue."""
        data = await self._parsed(
            RequestCode.INVOKE_BROKER_TO_RESET_OFFSET,
            ext_fields(
                {
                    "group": group,
                    "topic": topic,
                    "timestamp": timestamp_ms,
                    "isForce": force,
                    "queueId": -1,
                    "offset": -1,
                }
            ),
        )
        try:
            return reset_offsets_from_json(data)
        except BodyFormatError as exc:
            raise self._shape(f"INVOKE_BROKER_TO_RESET_OFFSET {group} {topic}", exc) from None

    async def query_message(
        self,
        topic: str,
        key: str,
        *,
        begin_ms: int,
        end_ms: int,
        max_num: int = QUERY_MAX_NUM,
        unique: bool = False,
    ) -> list[MessageExt]:
        """QUERY_MESSAGE by index key (or UNIQ_KEY with `unique`); the index matches hashes only, so
        callers filter the result by key and topic.  [] when nothing is indexed in the range."""
        response = await self.remoting.invoke(
            RequestCode.QUERY_MESSAGE,
            ext_fields(
                {
                    "topic": topic,
                    "key": key,
                    "maxNum": max_num,
                    "beginTimestamp": begin_ms,
                    "endTimestamp": end_ms,
                    UNIQUE_QUERY_FLAG: unique,
                }
            ),
            expect=(ResponseCode.SUCCESS, ResponseCode.QUERY_NOT_FOUND),
        )
        if response.code == ResponseCode.QUERY_NOT_FOUND or not response.body:
            return []
        try:
            return decode_messages(response.body)
        except MessageFormatError as exc:
            raise RemotingError(self.addr, f"QUERY_MESSAGE {topic} {key}: {exc}") from None

    async def view_message(self, commit_log_offset: int) -> MessageExt:
        """VIEW_MESSAGE_BY_ID: the message at a commitlog offset of this broker."""
        response = await self.remoting.invoke(RequestCode.VIEW_MESSAGE_BY_ID, {"offset": str(commit_log_offset)})
        try:
            messages = decode_messages(response.body)
        except MessageFormatError as exc:
            raise RemotingError(self.addr, f"VIEW_MESSAGE_BY_ID {commit_log_offset}: {exc}") from None
        if not messages:
            raise RemotingError(self.addr, f"VIEW_MESSAGE_BY_ID {commit_log_offset} answered no message")
        return messages[0]

    async def heartbeat_consumer(
        self,
        client_id: str,
        group: str,
        topics: Sequence[str],
        *,
        consume_from_where: str = "CONSUME_FROM_LAST_OFFSET",
    ) -> None:
        """HEART_BEAT as a Java push consumer of `group` in clustering mode sends it (subscribed to
        `topics` and `%RETRY%group`): the broker creates the group and `%RETRY%group` if missing.
        It also registers this client as an online consumer of the group until it unregisters."""
        subs = [*topics, f"%RETRY%{group}"]
        body = {
            "clientID": client_id,
            "consumerDataSet": [
                {
                    "consumeFromWhere": consume_from_where,
                    "consumeType": "CONSUME_PASSIVELY",
                    "groupName": group,
                    "messageModel": "CLUSTERING",
                    "subscriptionDataSet": [
                        {
                            "classFilterMode": False,
                            "codeSet": [],
                            "expressionType": "TAG",
                            "subString": "*",
                            "subVersion": 0,
                            "tagsSet": [],
                            "topic": t,
                        }
                        for t in subs
                    ],
                    "unitMode": False,
                }
            ],
            "heartbeatFingerprint": 0,
            "producerDataSet": [],
            "withoutSub": False,
        }
        await self.remoting.invoke(RequestCode.HEART_BEAT, {}, json.dumps(body).encode())

    async def unregister_client(self, client_id: str, *, consumer_group: str) -> None:
        await self.remoting.invoke(
            RequestCode.UNREGISTER_CLIENT, {"clientID": client_id, "consumerGroup": consumer_group}
        )


class NamesrvAdmin:
    """Admin calls of one namesrv; needs `remoting` and `addr` (NamesrvClient provides them)."""

    remoting: RemotingClient
    addr: str

    async def wipe_write_perm(self, broker_name: str) -> int:
        """WIPE_WRITE_PERM_OF_BROKER in this namesrv's memory only; returns the topics touched."""
        response = await self.remoting.invoke(RequestCode.WIPE_WRITE_PERM_OF_BROKER, {"brokerName": broker_name})
        return header_int(self.addr, response, "wipeTopicCount", "WIPE_WRITE_PERM_OF_BROKER")

    async def add_write_perm(self, broker_name: str) -> int:
        response = await self.remoting.invoke(RequestCode.ADD_WRITE_PERM_OF_BROKER, {"brokerName": broker_name})
        return header_int(self.addr, response, "addTopicCount", "ADD_WRITE_PERM_OF_BROKER")

    async def delete_topic(self, topic: str, cluster: str | None = None) -> None:
        """DELETE_TOPIC_IN_NAMESRV (only that cluster's queue data when `cluster` is given)."""
        await self.remoting.invoke(
            RequestCode.DELETE_TOPIC_IN_NAMESRV, ext_fields({"topic": topic, "clusterName": cluster})
        )
