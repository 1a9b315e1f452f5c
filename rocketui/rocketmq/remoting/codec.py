"""Frame and header codec of the RocketMQ remoting protocol (pure functions, no I/O).

Frame (big-endian): int32 length (= 4 + headerLen + bodyLen, excludes itself) | int32
(serializeType << 24 | headerLen) | header | body. The header is JSON or the binary
"ROCKETMQ" layout; a peer answers in its own configured type, so both are decoded.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum

from rocketui.rocketmq.remoting import lenient_json
from rocketui.rocketmq.remoting.codes import CLIENT_VERSION, FLAG_ONEWAY, FLAG_RESPONSE, LANGUAGES

# Netty's LengthFieldBasedFrameDecoder limit on the broker/namesrv (frame incl. length field).
MAX_FRAME_BYTES = 16 * 1024 * 1024

_INT = struct.Struct(">i")
_BIN_FIXED = struct.Struct(">hbhii")  # code, language, version, opaque, flag


class SerializeType(IntEnum):
    JSON = 0
    ROCKETMQ = 1


class CodecError(ValueError):
    """Bytes that do not form a valid remoting frame/header; the message says which part."""


ExtValue = str | int | bool


@dataclass
class RemotingCommand:
    """One request or response. `ext_fields` is the custom header as a string->string map."""

    code: int
    opaque: int = 0
    flag: int = 0
    ext_fields: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    remark: str | None = None
    language: str = "PYTHON"
    version: int = CLIENT_VERSION
    serialize_type: SerializeType = SerializeType.JSON

    @property
    def is_response(self) -> bool:
        return bool(self.flag & FLAG_RESPONSE)

    @property
    def is_oneway(self) -> bool:
        return bool(self.flag & FLAG_ONEWAY)


_esc = json.encoder.encode_basestring_ascii  # C: a JSON string literal, ASCII


def ext_fields(values: Mapping[str, ExtValue | None]) -> dict[str, str]:
    """A custom header as the wire wants it: None dropped, booleans 'true'/'false', ints decimal."""
    for key, value in values.items():  # the common case (a decoded header): all strings already
        if type(key) is not str or type(value) is not str:
            break
    else:
        return dict(values)  # type: ignore[arg-type]
    out: dict[str, str] = {}
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[str(key)] = "true" if value else "false"
        else:
            out[str(key)] = str(value)
    return out


def encode_frame(cmd: RemotingCommand) -> bytes:
    """The complete frame (with its length prefix) in `cmd.serialize_type`."""
    header = _encode_binary_header(cmd) if cmd.serialize_type == SerializeType.ROCKETMQ else _encode_json_header(cmd)
    length = 4 + len(header) + len(cmd.body)
    if length + 4 > MAX_FRAME_BYTES:
        raise CodecError(f"frame of {length + 4} bytes exceeds the {MAX_FRAME_BYTES}-byte limit")
    mark = (int(cmd.serialize_type) << 24) | len(header)
    return b"".join((_INT.pack(length), _INT.pack(mark), header, cmd.body))


def check_frame_length(length: int, max_frame: int = MAX_FRAME_BYTES) -> None:
    """Validate the int32 length prefix before reading that many bytes."""
    if length < 4:
        raise CodecError(f"frame length {length} is too small (needs at least 4 bytes)")
    if length + 4 > max_frame:
        raise CodecError(f"frame length {length} exceeds the {max_frame}-byte frame limit")


def decode_payload(payload: bytes) -> RemotingCommand:
    """Decode the bytes that follow the length prefix of one frame."""
    if len(payload) < 4:
        raise CodecError(f"frame of {len(payload)} bytes has no header-length field")
    (mark,) = _INT.unpack_from(payload, 0)
    type_byte = (mark >> 24) & 0xFF
    header_len = mark & 0xFFFFFF
    if header_len > len(payload) - 4:
        raise CodecError(f"header length {header_len} exceeds the frame ({len(payload) - 4} bytes left)")
    header = payload[4 : 4 + header_len]
    body = payload[4 + header_len :]
    if type_byte == SerializeType.JSON:
        cmd = _decode_json_header(header)
    elif type_byte == SerializeType.ROCKETMQ:
        cmd = _decode_binary_header(header)
    else:
        raise CodecError(f"unknown serialize type {type_byte} in frame header")
    cmd.body = bytes(body)
    return cmd


def _encode_json_header(cmd: RemotingCommand) -> bytes:
    # Written out rather than through a dict and JSONEncoder: this runs once per message sent, and
    # the stdlib's C string escaper is all the generic encoder adds for these flat string maps.
    parts = [
        f'{{"code":{int(cmd.code)},"language":{_esc(cmd.language)},"version":{int(cmd.version)},'
        f'"opaque":{int(cmd.opaque)},"flag":{int(cmd.flag)},"serializeTypeCurrentRPC":"JSON"'
    ]
    if cmd.remark is not None:
        parts.append(f',"remark":{_esc(cmd.remark)}')
    if cmd.ext_fields:
        parts.append(',"extFields":{' + ",".join([f"{_esc(k)}:{_esc(v)}" for k, v in cmd.ext_fields.items()]) + "}")
    parts.append("}")
    return "".join(parts).encode()


def _int_field(data: dict[str, object], name: str, default: int | None = None) -> int:
    value = data.get(name, default)
    if type(value) is not int:  # bool is not accepted (it is an int subclass)
        raise CodecError(f"JSON header field {name!r} is {value!r}, not an integer")
    return value


def _decode_json_header(header: bytes) -> RemotingCommand:
    try:
        data = lenient_json.loads(header)
    except lenient_json.JSONParseError as exc:
        raise CodecError(f"bad JSON header: {exc}") from None
    if not isinstance(data, dict):
        raise CodecError(f"JSON header is a {type(data).__name__}, not an object")
    ext = data.get("extFields") or {}
    if not isinstance(ext, dict):
        raise CodecError(f"JSON header field 'extFields' is a {type(ext).__name__}, not an object")
    remark = data.get("remark")
    return RemotingCommand(
        code=_int_field(data, "code"),
        opaque=_int_field(data, "opaque", 0),
        flag=_int_field(data, "flag", 0),
        version=_int_field(data, "version", 0),
        language=str(data.get("language", "")),
        remark=None if remark is None else str(remark),
        ext_fields=ext_fields(ext),
        serialize_type=SerializeType.JSON,
    )


def _encode_binary_header(cmd: RemotingCommand) -> bytes:
    try:
        language = LANGUAGES.index(cmd.language)
    except ValueError:
        raise CodecError(f"language {cmd.language!r} has no binary code") from None
    try:
        parts = [_BIN_FIXED.pack(cmd.code, language, cmd.version, cmd.opaque, cmd.flag)]
    except struct.error as exc:
        raise CodecError(f"binary header cannot hold code={cmd.code} version={cmd.version}: {exc}") from None
    remark = (cmd.remark or "").encode()
    parts += [_INT.pack(len(remark)), remark]
    ext = bytearray()
    for key, value in cmd.ext_fields.items():
        k, v = key.encode(), value.encode()
        ext += struct.pack(">h", len(k)) + k + _INT.pack(len(v)) + v
    parts += [_INT.pack(len(ext)), bytes(ext)]
    return b"".join(parts)


class _Cursor:
    """Bounds-checked reads from a header; a short buffer raises CodecError naming the field."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int, what: str) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise CodecError(
                f"binary header truncated reading {what} ({n} bytes at offset {self.pos} of {len(self.data)})"
            )
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def int32(self, what: str) -> int:
        return int(_INT.unpack(self.take(4, what))[0])

    def int16(self, what: str) -> int:
        return int(struct.unpack(">h", self.take(2, what))[0])


def _decode_binary_header(header: bytes) -> RemotingCommand:
    cur = _Cursor(header)
    code, language, version, opaque, flag = _BIN_FIXED.unpack(cur.take(_BIN_FIXED.size, "fixed fields"))
    remark_len = cur.int32("remark length")
    remark = cur.take(remark_len, "remark").decode("utf-8", "replace") if remark_len > 0 else None
    ext_len = cur.int32("ext fields length")
    ext = _Cursor(cur.take(ext_len, "ext fields") if ext_len > 0 else b"")
    if cur.pos != len(header):
        raise CodecError(f"binary header has {len(header) - cur.pos} unexpected trailing bytes")
    fields: dict[str, str] = {}
    while ext.pos < len(ext.data):
        key = ext.take(ext.int16("ext key length"), "ext key").decode("utf-8", "replace")
        fields[key] = ext.take(ext.int32("ext value length"), "ext value").decode("utf-8", "replace")
    lang = LANGUAGES[language] if 0 <= language < len(LANGUAGES) else f"LANGUAGE_{language}"
    return RemotingCommand(
        code=code,
        opaque=opaque,
        flag=flag,
        version=version,
        language=lang,
        remark=remark,
        ext_fields=fields,
        serialize_type=SerializeType.ROCKETMQ,
    )
