"""Typed results of broker calls."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum

from rocketui.rocketmq.remoting.admin_bodies import tps_triple
from rocketui.rocketmq.remoting.message import MessageExt


class SendStatus(Enum):
    SEND_OK = "SEND_OK"
    FLUSH_DISK_TIMEOUT = "FLUSH_DISK_TIMEOUT"
    FLUSH_SLAVE_TIMEOUT = "FLUSH_SLAVE_TIMEOUT"
    SLAVE_NOT_AVAILABLE = "SLAVE_NOT_AVAILABLE"


@dataclass(frozen=True)
class SendResult:
    status: SendStatus
    msg_id: str  # client id (UNIQ_KEY)
    offset_msg_id: str  # broker id: store host + commitlog offset
    topic: str
    queue_id: int
    queue_offset: int
    transaction_id: str | None = None
    region_id: str | None = None


class PullStatus(Enum):
    FOUND = "FOUND"
    NO_NEW_MSG = "NO_NEW_MSG"
    NO_MATCHED_MSG = "NO_MATCHED_MSG"
    OFFSET_ILLEGAL = "OFFSET_ILLEGAL"


@dataclass(frozen=True)
class PullResult:
    status: PullStatus
    next_begin_offset: int
    min_offset: int
    max_offset: int
    messages: list[MessageExt] = field(default_factory=list)
    suggest_which_broker_id: int = 0


@dataclass(frozen=True)
class RuntimeInfo(Mapping[str, str]):
    """GET_BROKER_RUNTIME_INFO table (all values are strings), readable as a mapping."""

    table: dict[str, str]

    def __getitem__(self, key: str) -> str:
        return self.table[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.table)

    def __len__(self) -> int:
        return len(self.table)

    @property
    def version(self) -> str | None:
        return self.table.get("brokerVersionDesc")

    def tps(self, key: str) -> tuple[float | None, float | None, float | None]:
        """A TPS entry's rates over 10 s, 60 s, 600 s (None for a window not yet filled).
        `getTransferredTps` is spelt `getTransferedTps` by 4.x brokers."""
        value = self.table.get(key)
        if value is None and key == "getTransferredTps":
            value = self.table.get("getTransferedTps")
        return tps_triple(value)

    def number(self, key: str) -> float | None:
        try:
            return float(self.table[key])
        except (KeyError, ValueError):
            return None

    def integer(self, key: str) -> int | None:
        """A numeric entry as int, None when absent or not a number."""
        try:
            return int(self.table[key])
        except (KeyError, ValueError):
            return None


@dataclass(frozen=True)
class HaStatus:
    connections: int  # slaves connected to this master
    in_sync: int  # of those, caught up


def parse_ha_status(data: object) -> HaStatus:
    """The JSON body (HARuntimeInfo): {"inSyncSlaveNums": n, "haConnectionInfo": [...], ...}."""
    if not isinstance(data, dict):
        raise ValueError(f"HA status body is a {type(data).__name__}, expected an object")
    conns = data.get("haConnectionInfo")
    conns = [] if conns is None else conns
    if not isinstance(conns, list):
        raise ValueError("HA status haConnectionInfo is not an array")
    try:
        in_sync = int(data.get("inSyncSlaveNums", 0))
    except (TypeError, ValueError):
        raise ValueError(f"HA status inSyncSlaveNums is {data.get('inSyncSlaveNums')!r}") from None
    return HaStatus(len(conns), in_sync)
