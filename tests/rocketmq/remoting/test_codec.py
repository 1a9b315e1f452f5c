"""Frame/header codec against byte layouts built by hand from the protocol description."""

from __future__ import annotations

import json
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rocketui.rocketmq.remoting.codec import (
    MAX_FRAME_BYTES,
    CodecError,
    RemotingCommand,
    SerializeType,
    check_frame_length,
    decode_payload,
    encode_frame,
    ext_fields,
)


def binary_header(
    code: int, lang: int, version: int, opaque: int, flag: int, remark: bytes, ext: list[tuple[bytes, bytes]]
) -> bytes:
    fields = b"".join(struct.pack(">h", len(k)) + k + struct.pack(">i", len(v)) + v for k, v in ext)
    return (
        struct.pack(">hbhii", code, lang, version, opaque, flag)
        + struct.pack(">i", len(remark))
        + remark
        + struct.pack(">i", len(fields))
        + fields
    )


def frame(type_byte: int, header: bytes, body: bytes = b"") -> bytes:
    return (
        struct.pack(">i", 4 + len(header) + len(body))
        + struct.pack(">i", (type_byte << 24) | len(header))
        + header
        + body
    )


def test_json_frame_layout() -> None:
    cmd = RemotingCommand(code=105, opaque=7, ext_fields={"topic": "T"}, body=b"xyz")
    data = encode_frame(cmd)
    length, mark = struct.unpack_from(">ii", data)
    assert length == len(data) - 4
    assert mark >> 24 == 0
    header = json.loads(data[8 : 8 + (mark & 0xFFFFFF)])
    assert header["code"] == 105 and header["opaque"] == 7 and header["language"] == "PYTHON"
    assert header["extFields"] == {"topic": "T"} and header["flag"] == 0
    assert data.endswith(b"xyz")


def test_json_round_trip() -> None:
    cmd = RemotingCommand(code=310, opaque=42, flag=2, remark="é ok", ext_fields={"a": "g", "b": "1"}, body=b"\x00\x01")
    back = decode_payload(encode_frame(cmd)[4:])
    assert back == cmd


def test_decode_hand_built_json_response_with_numbers_and_missing_fields() -> None:
    header = (
        b'{"code":17,"flag":1,"opaque":3,"language":"JAVA","version":513,'
        b'"remark":"No topic route","extFields":{"offset":"5","flagged":true}}'
    )
    cmd = decode_payload(frame(0, header, b"B")[4:])
    assert (cmd.code, cmd.flag, cmd.opaque, cmd.language, cmd.version) == (17, 1, 3, "JAVA", 513)
    assert cmd.is_response and not cmd.is_oneway
    assert cmd.remark == "No topic route"
    assert cmd.ext_fields == {"offset": "5", "flagged": "true"}
    assert cmd.body == b"B"


def test_decode_hand_built_binary_header() -> None:
    header = binary_header(0, 0, 513, 9, 1, b"fine", [(b"queueId", b"3"), (b"msgId", b"AB")])
    cmd = decode_payload(frame(1, header, b"body")[4:])
    assert cmd.serialize_type == SerializeType.ROCKETMQ
    assert (cmd.code, cmd.language, cmd.version, cmd.opaque, cmd.flag) == (0, "JAVA", 513, 9, 1)
    assert cmd.remark == "fine"
    assert cmd.ext_fields == {"queueId": "3", "msgId": "AB"}
    assert cmd.body == b"body"


def test_binary_round_trip_matches_hand_layout() -> None:
    cmd = RemotingCommand(code=26, opaque=5, remark=None, ext_fields={"k": "v"}, serialize_type=SerializeType.ROCKETMQ)
    data = encode_frame(cmd)
    assert data == frame(1, binary_header(26, 3, cmd.version, 5, 0, b"", [(b"k", b"v")]))
    assert decode_payload(data[4:]) == cmd


@given(
    code=st.integers(-32768, 32767),
    opaque=st.integers(0, 2**31 - 1),
    flag=st.integers(0, 3),
    remark=st.none() | st.text(min_size=1),
    fields=st.dictionaries(st.text(), st.text()),
    body=st.binary(),
    binary=st.booleans(),
)
def test_round_trip_property(
    code: int, opaque: int, flag: int, remark: str | None, fields: dict[str, str], body: bytes, binary: bool
) -> None:
    kind = SerializeType.ROCKETMQ if binary else SerializeType.JSON
    cmd = RemotingCommand(
        code=code, opaque=opaque, flag=flag, remark=remark, ext_fields=fields, body=body, serialize_type=kind
    )
    assert decode_payload(encode_frame(cmd)[4:]) == cmd


def test_binary_header_refuses_codes_beyond_int16() -> None:
    with pytest.raises(CodecError, match="code=200050"):
        encode_frame(RemotingCommand(code=200050, serialize_type=SerializeType.ROCKETMQ))


def test_ext_fields_conversion() -> None:
    assert ext_fields({"a": True, "b": False, "c": 3, "d": None, "e": "x"}) == {
        "a": "true",
        "b": "false",
        "c": "3",
        "e": "x",
    }


@pytest.mark.parametrize(
    "length, message",
    [
        (3, "too small"),
        (MAX_FRAME_BYTES, "exceeds"),
        (-1, "too small"),
    ],
)
def test_frame_length_limits(length: int, message: str) -> None:
    with pytest.raises(CodecError, match=message):
        check_frame_length(length)
    check_frame_length(MAX_FRAME_BYTES - 4)


@pytest.mark.parametrize(
    "payload, message",
    [
        (b"\x00\x00", "no header-length field"),
        (struct.pack(">i", 50) + b"{}", "header length 50 exceeds"),
        (struct.pack(">i", (7 << 24) | 2) + b"{}", "unknown serialize type 7"),
        (struct.pack(">i", 5) + b"{nope", "bad JSON header"),
        (struct.pack(">i", 2) + b"[]", "not an object"),
        (struct.pack(">i", 12) + b'{"code":"x"}', "'code' is 'x'"),
        (struct.pack(">i", 2) + b"{}", "'code' is None"),
        (struct.pack(">i", (1 << 24) | 5) + b"\x00\x01\x02\x03\x04", "truncated reading fixed fields"),
    ],
)
def test_malformed_payloads(payload: bytes, message: str) -> None:
    with pytest.raises(CodecError, match=message):
        decode_payload(payload)


def test_binary_header_with_overlong_ext_entry() -> None:
    good = binary_header(0, 0, 1, 1, 1, b"", [(b"key", b"value")])
    bad = good[:-5] + b"val"  # ext length still claims 5 value bytes
    bad = bad[:17] + struct.pack(">i", len(bad) - 21) + bad[21:]
    with pytest.raises(CodecError, match="truncated reading ext value"):
        decode_payload(frame(1, bad)[4:])
