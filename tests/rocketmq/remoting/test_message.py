"""Properties, message ids and the store format, against messages built byte by byte."""

from __future__ import annotations

import calendar
import ipaddress
import re
import struct
import time
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rocketui.rocketmq.remoting.message import (
    MessageFormatError,
    build_offset_msg_id,
    decode_message,
    decode_messages,
    decode_properties,
    encode_properties,
    new_unique_msg_id,
    parse_offset_msg_id,
)

MAGIC_V1 = 0xDAA320A7
MAGIC_V2 = 0xDAA320AB


def store_message(
    *,
    topic: str = "TopicTest",
    body: bytes = b"Hello",
    props: bytes = b"",
    queue_id: int = 2,
    queue_offset: int = 17,
    physical: int = 4096,
    sys_flag: int = 0,
    born: tuple[str, int] = ("10.0.0.5", 51000),
    store: tuple[str, int] = ("127.0.0.1", 10911),
    magic: int = MAGIC_V2,
    flag: int = 0,
    reconsume: int = 1,
) -> bytes:
    """One message in the commitlog layout, written field by field."""

    def host(h: tuple[str, int]) -> bytes:
        return ipaddress.ip_address(h[0]).packed + struct.pack(">i", h[1])

    t = topic.encode()
    rest = b"".join(
        [
            struct.pack(">I", magic),
            struct.pack(">i", zlib.crc32(body) & 0x7FFFFFFF),
            struct.pack(">i", queue_id),
            struct.pack(">i", flag),
            struct.pack(">q", queue_offset),
            struct.pack(">q", physical),
            struct.pack(">i", sys_flag),
            struct.pack(">q", 1_700_000_000_000),
            host(born),
            struct.pack(">q", 1_700_000_000_123),
            host(store),
            struct.pack(">i", reconsume),
            struct.pack(">q", 0),
            struct.pack(">i", len(body)),
            body,
            (struct.pack(">h", len(t)) if magic == MAGIC_V2 else struct.pack(">b", len(t))),
            t,
            struct.pack(">h", len(props)),
            props,
        ]
    )
    return struct.pack(">i", 4 + len(rest)) + rest


def test_properties_format() -> None:
    assert encode_properties({"TAGS": "A", "KEYS": "k1 k2"}) == "TAGS\x01A\x02KEYS\x01k1 k2\x02"
    assert decode_properties("TAGS\x01A\x02KEYS\x01k1 k2\x02") == {"TAGS": "A", "KEYS": "k1 k2"}
    assert decode_properties("A\x01x\x02B\x01y") == {"A": "x", "B": "y"}  # no final separator
    assert decode_properties("") == {}


@pytest.mark.parametrize("props", [{"a\x01": "x"}, {"a": "x\x02y"}, {"": "x"}])
def test_properties_refuse_separators(props: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="message property"):
        encode_properties(props)


safe_text = st.text(st.characters(exclude_characters="\x01\x02", exclude_categories=["Cs"]))


@given(st.dictionaries(safe_text.filter(bool), safe_text))
def test_properties_round_trip(props: dict[str, str]) -> None:
    assert decode_properties(encode_properties(props)) == props


def test_decode_v2_message_with_properties() -> None:
    props = encode_properties({"TAGS": "TagA", "KEYS": "k1 k2", "UNIQ_KEY": "ABC", "é": "ü"}).encode()
    data = store_message(props=props, body=b"Hello RocketMQ 0")
    message, end = decode_message(data)
    assert end == len(data) and message is not None
    assert message.topic == "TopicTest" and message.body == b"Hello RocketMQ 0"
    assert (message.queue_id, message.queue_offset, message.commit_log_offset) == (2, 17, 4096)
    assert message.born_host == "10.0.0.5:51000" and message.store_host == "127.0.0.1:10911"
    assert message.born_timestamp == 1_700_000_000_000 and message.store_timestamp == 1_700_000_000_123
    assert message.reconsume_times == 1 and message.store_size == len(data)
    assert message.body_crc == zlib.crc32(b"Hello RocketMQ 0") & 0x7FFFFFFF
    assert message.tags == "TagA" and message.keys == ["k1", "k2"] and message.properties["é"] == "ü"
    assert message.msg_id == "ABC"
    assert message.offset_msg_id == build_offset_msg_id("127.0.0.1", 10911, 4096)


def test_decode_v1_topic_length_and_ipv6_hosts() -> None:
    data = store_message(magic=MAGIC_V1, sys_flag=0x10 | 0x20, born=("::1", 5), store=("fe80::2", 10911))
    message, _ = decode_message(data)
    assert message is not None
    assert message.born_host == "[::1]:5" and message.store_host == "[fe80::2]:10911"
    assert message.msg_id == message.offset_msg_id  # no UNIQ_KEY
    assert parse_offset_msg_id(message.offset_msg_id) == ("fe80::2", 10911, 4096)


def test_zlib_body_is_decompressed_and_unknown_codec_is_left_alone() -> None:
    original = b"payload " * 1000
    message, _ = decode_message(store_message(body=zlib.compress(original), sys_flag=0x1))
    assert message is not None and message.body == original and message.compression is None
    lz4 = store_message(body=b"\x04\x22\x4d\x18raw", sys_flag=0x1 | (1 << 8))
    message, _ = decode_message(lz4)
    assert message is not None and message.compression == "lz4" and message.body == b"\x04\x22\x4d\x18raw"


def test_bad_zlib_body() -> None:
    with pytest.raises(MessageFormatError, match="not valid zlib"):
        decode_message(store_message(body=b"not zlib", sys_flag=0x1))


def test_several_messages_back_to_back_and_blank_filler() -> None:
    data = b"".join(store_message(queue_offset=i, body=str(i).encode()) for i in range(3))
    assert [m.body for m in decode_messages(data)] == [b"0", b"1", b"2"]
    filler = struct.pack(">iI", 64, 0xCBD43194) + bytes(56)
    assert [m.queue_offset for m in decode_messages(data + filler)] == [0, 1, 2]


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d[:-3], "overruns"),
        (lambda d: d[:4] + b"\x00\x00\x00\x00" + d[8:], "bad magic 0x00000000 at offset 0"),
        (lambda d: d + b"\x01\x02", "trailing bytes at offset"),
        (lambda d: struct.pack(">i", 40) + d[4:], "message truncated reading"),
    ],
)
def test_malformed_messages(mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MessageFormatError, match=message):
        decode_messages(mutate(store_message()))


def test_offset_msg_id_known_value() -> None:
    # As returned by the real 5.5.0 broker on 127.0.0.1:30911 for commitlog offset 235.
    assert parse_offset_msg_id("7F000001000078BF00000000000000EB") == ("127.0.0.1", 30911, 235)
    assert build_offset_msg_id("127.0.0.1", 30911, 235) == "7F000001000078BF00000000000000EB"


@given(st.ip_addresses(), st.integers(0, 65535), st.integers(0, 2**63 - 1))
def test_offset_msg_id_round_trip(ip, port: int, offset: int) -> None:  # type: ignore[no-untyped-def]
    assert parse_offset_msg_id(build_offset_msg_id(str(ip), port, offset)) == (str(ip), port, offset)


@pytest.mark.parametrize("bad, message", [("XYZ", "not hex"), ("00" * 10, "expected 32")])
def test_bad_offset_msg_ids(bad: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_offset_msg_id(bad)


def test_unique_id_time_counts_from_the_start_of_the_month_across_a_year_end() -> None:
    from rocketui.rocketmq.remoting import message

    dec_31 = calendar.timegm((2026, 12, 31, 23, 59, 59)) + 0.5
    jan_1 = calendar.timegm((2027, 1, 1, 0, 0, 1))
    assert message._month_start(dec_31) == calendar.timegm((2026, 12, 1, 0, 0, 0))
    assert message._month_start(jan_1) == calendar.timegm((2027, 1, 1, 0, 0, 0))  # the cache moved on
    assert message._month_start(dec_31) == calendar.timegm((2026, 12, 1, 0, 0, 0))  # and back
    before = time.time()
    millis = int(new_unique_msg_id()[20:28], 16)  # ip(4) pid(2) random(4), then the 4-byte time
    assert abs(millis - (before - message._month_start(before)) * 1000) < 1000


def test_unique_ids_are_distinct_32_hex() -> None:
    ids = [new_unique_msg_id() for _ in range(1000)]
    assert len(set(ids)) == 1000
    assert all(re.fullmatch(r"[0-9A-F]{32}", i) for i in ids)
