"""Messages: the properties string, message ids, and the store format a pull returns."""

from __future__ import annotations

import calendar
import ipaddress
import itertools
import os
import socket
import struct
import time
import zlib
from dataclasses import dataclass, field

PROPERTY_NAME_SEP = "\x01"
PROPERTY_SEP = "\x02"

# MessageConst property names rocketui reads or writes.
PROP_TAGS = "TAGS"
PROP_KEYS = "KEYS"
PROP_UNIQ_KEY = "UNIQ_KEY"
PROP_WAIT = "WAIT"

# MessageSysFlag bits.
SYSFLAG_COMPRESSED = 0x1
SYSFLAG_BORNHOST_V6 = 0x10
SYSFLAG_STOREHOST_V6 = 0x20
COMPRESSION_NAMES = {0: "zlib", 1: "lz4", 2: "zstd", 3: "zlib"}  # (sysFlag >> 8) & 0x7

MAGIC_V1 = -626843481  # 0xDAA320A7: 1-byte topic length
MAGIC_V2 = -626843477  # 0xDAA320AB: 2-byte topic length
MAGIC_BLANK = -875286124  # 0xCBD43194: end-of-file filler in a commitlog


class MessageFormatError(ValueError):
    """Bytes that are not a valid store-format message; says at which offset and why."""


def encode_properties(props: dict[str, str]) -> str:
    """name\\x01value\\x02 per entry (MessageDecoder's format); separators inside are refused."""
    text = "".join([f"{name}{PROPERTY_NAME_SEP}{value}{PROPERTY_SEP}" for name, value in props.items()])
    if text.count(PROPERTY_NAME_SEP) != len(props) or text.count(PROPERTY_SEP) != len(props) or "" in props:
        _refuse(props)  # checked on the joined text: one scan per message instead of four per entry
    return text


def _refuse(props: dict[str, str]) -> None:
    for name, value in props.items():
        for text, what in ((name, "name"), (value, "value")):
            if PROPERTY_NAME_SEP in text or PROPERTY_SEP in text:
                raise ValueError(f"message property {what} {text!r} contains a reserved \\x01/\\x02 separator")
        if not name:
            raise ValueError("message property name is empty")


def decode_properties(text: str) -> dict[str, str]:
    """Inverse of encode_properties; tolerates a missing final separator and empty entries."""
    props: dict[str, str] = {}
    for entry in text.split(PROPERTY_SEP):
        if not entry:
            continue
        name, sep, value = entry.partition(PROPERTY_NAME_SEP)
        if sep and name:
            props[name] = value
    return props


# --- message ids --------------------------------------------------------------------------------


def _host_bytes(host: str) -> bytes:
    try:
        return ipaddress.ip_address(host).packed
    except ValueError:
        raise ValueError(f"message id needs an IP address, got {host!r}") from None


def build_offset_msg_id(host: str, port: int, commit_log_offset: int) -> str:
    """The broker's "offset msg id": hex(storeHost ip + int32 port + int64 commitlog offset)."""
    return (_host_bytes(host) + struct.pack(">iq", port, commit_log_offset)).hex().upper()


def parse_offset_msg_id(msg_id: str) -> tuple[str, int, int]:
    """(store host, port, commitlog offset) from an offset msg id (32 hex chars IPv4, 56 IPv6)."""
    try:
        raw = bytes.fromhex(msg_id)
    except ValueError:
        raise ValueError(f"offset msg id {msg_id!r} is not hex") from None
    if len(raw) not in (16, 28):
        raise ValueError(f"offset msg id {msg_id!r} has {len(msg_id)} hex chars, expected 32 (IPv4) or 56 (IPv6)")
    ip_len = len(raw) - 12
    host = str(ipaddress.ip_address(raw[:ip_len]))
    port, offset = struct.unpack(">iq", raw[ip_len:])
    return host, port, offset


def _local_ipv4() -> bytes:
    try:
        return socket.inet_aton(socket.gethostbyname(socket.gethostname()))
    except OSError:
        return bytes([127, 0, 0, 1])


_UNIQ_PREFIX = _local_ipv4() + struct.pack(">H", os.getpid() & 0xFFFF) + os.urandom(4)
_UNIQ_COUNTER = itertools.count()


_UNIQ_TAIL = struct.Struct(">IH")
_month = (0.0, 0.0)  # (start, next start) of the current month, epoch seconds


def _month_start(now: float) -> float:
    global _month
    start, end = _month
    if not start <= now < end:  # once a month (per process), not per message
        t = time.gmtime(now)
        start = calendar.timegm((t.tm_year, t.tm_mon, 1, 0, 0, 0))
        year, month = (t.tm_year + 1, 1) if t.tm_mon == 12 else (t.tm_year, t.tm_mon + 1)
        _month = (start, calendar.timegm((year, month, 1, 0, 0, 0)))
    return start


def new_unique_msg_id() -> str:
    """A client-side message id (property UNIQ_KEY), 32 hex chars shaped like the Java client's:
    ip(4) + pid(2) + random(4) + ms since the start of this month (4) + counter(2)."""
    now = time.time()
    millis = int((now - _month_start(now)) * 1000) & 0xFFFFFFFF
    return (_UNIQ_PREFIX + _UNIQ_TAIL.pack(millis, next(_UNIQ_COUNTER) & 0xFFFF)).hex().upper()


# --- store-format messages ----------------------------------------------------------------------


@dataclass
class MessageExt:
    """One stored message as a pull returns it. `body` is decompressed when the codec is
    supported (zlib); otherwise it stays compressed and `compression` names the codec."""

    topic: str
    body: bytes
    queue_id: int
    queue_offset: int
    commit_log_offset: int
    sys_flag: int
    flag: int
    born_timestamp: int
    born_host: str
    store_timestamp: int
    store_host: str
    reconsume_times: int
    prepared_transaction_offset: int
    store_size: int
    body_crc: int
    properties: dict[str, str] = field(default_factory=dict)
    compression: str | None = None

    @property
    def tags(self) -> str | None:
        return self.properties.get(PROP_TAGS)

    @property
    def keys(self) -> list[str]:
        return self.properties.get(PROP_KEYS, "").split()

    @property
    def offset_msg_id(self) -> str:
        host, _, port = self.store_host.rpartition(":")
        return build_offset_msg_id(host.strip("[]"), int(port), self.commit_log_offset)

    @property
    def msg_id(self) -> str:
        """The client id (UNIQ_KEY) when the producer set one, else the offset msg id."""
        return self.properties.get(PROP_UNIQ_KEY) or self.offset_msg_id


class _Reader:
    def __init__(self, data: bytes | memoryview, start: int, end: int) -> None:
        self.data = memoryview(data)
        self.pos = start
        self.end = end

    def take(self, n: int, what: str) -> bytes:
        if n < 0 or self.pos + n > self.end:
            raise MessageFormatError(
                f"message truncated reading {what} ({n} bytes at offset {self.pos}, message ends at {self.end})"
            )
        chunk = bytes(self.data[self.pos : self.pos + n])
        self.pos += n
        return chunk

    def unpack(self, fmt: str, what: str) -> tuple[int, ...]:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt), what))

    def host(self, v6: bool, what: str) -> str:
        ip = ipaddress.ip_address(self.take(16 if v6 else 4, what))
        (port,) = self.unpack(">i", f"{what} port")
        return f"[{ip}]:{port}" if v6 else f"{ip}:{port}"


def decompress_body(body: bytes, sys_flag: int) -> tuple[bytes, str | None]:
    """(body, None) when decompressed or not compressed; (body, codec) when left compressed."""
    if not sys_flag & SYSFLAG_COMPRESSED:
        return body, None
    codec = COMPRESSION_NAMES.get((sys_flag >> 8) & 0x7, f"compression type {(sys_flag >> 8) & 0x7}")
    if codec != "zlib":
        return body, codec
    try:
        return zlib.decompress(body), None
    except zlib.error as exc:
        raise MessageFormatError(f"compressed body is not valid zlib: {exc}") from None


def decode_message(data: bytes | memoryview, offset: int = 0) -> tuple[MessageExt | None, int]:
    """Decode the message starting at `offset`; returns (message, next offset). A blank
    end-of-file record returns (None, len(data))."""
    if len(data) - offset < 8:
        raise MessageFormatError(f"{len(data) - offset} trailing bytes at offset {offset} are not a message")
    store_size, magic = struct.unpack_from(">ii", data, offset)
    if magic == MAGIC_BLANK:
        return None, len(data)
    if magic not in (MAGIC_V1, MAGIC_V2):
        raise MessageFormatError(f"bad magic 0x{magic & 0xFFFFFFFF:08X} at offset {offset}")
    if store_size < 8 or offset + store_size > len(data):
        raise MessageFormatError(f"store size {store_size} at offset {offset} overruns the {len(data)}-byte buffer")
    r = _Reader(data, offset + 8, offset + store_size)
    body_crc, queue_id, flag, queue_offset, physical, sys_flag, born_ts = r.unpack(">iiiqqiq", "fixed fields")
    born_host = r.host(bool(sys_flag & SYSFLAG_BORNHOST_V6), "born host")
    (store_ts,) = r.unpack(">q", "store timestamp")
    store_host = r.host(bool(sys_flag & SYSFLAG_STOREHOST_V6), "store host")
    reconsume, prepared = r.unpack(">iq", "reconsume times / prepared offset")
    (body_len,) = r.unpack(">i", "body length")
    body, compression = decompress_body(r.take(body_len, "body"), sys_flag) if body_len > 0 else (b"", None)
    (topic_len,) = r.unpack(">h" if magic == MAGIC_V2 else ">B", "topic length")
    topic = r.take(topic_len, "topic").decode("utf-8", "replace")
    (props_len,) = r.unpack(">h", "properties length")
    props = decode_properties(r.take(props_len, "properties").decode("utf-8", "replace")) if props_len > 0 else {}
    message = MessageExt(
        topic=topic,
        body=body,
        queue_id=queue_id,
        queue_offset=queue_offset,
        commit_log_offset=physical,
        sys_flag=sys_flag,
        flag=flag,
        born_timestamp=born_ts,
        born_host=born_host,
        store_timestamp=store_ts,
        store_host=store_host,
        reconsume_times=reconsume,
        prepared_transaction_offset=prepared,
        store_size=store_size,
        body_crc=body_crc,
        properties=props,
        compression=compression,
    )
    return message, offset + store_size


def decode_messages(data: bytes) -> list[MessageExt]:
    """Every message in a SUCCESS pull body (messages back to back)."""
    messages: list[MessageExt] = []
    offset = 0
    while offset < len(data):
        message, offset = decode_message(data, offset)
        if message is not None:
            messages.append(message)
    return messages
