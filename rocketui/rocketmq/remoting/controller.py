"""ControllerClient: what the 5.x controllers know about master/slave switching.

A controller (standalone, or embedded in a namesrv) listens on its DLedger peer port.  Any peer
answers CONTROLLER_GET_METADATA_INFO (1005) with the Raft group's leader; every other request is
served by the leader only (a follower answers CONTROLLER_NOT_LEADER 2007), which is why
`ask_leader` asks 1005 first, as mqadmin and the brokers do.

Bodies (fastjson, 5.5.0; see tests/data/controller):
  1005  ext {group, controllerLeaderId, controllerLeaderAddress, isLeader, peers "n0:ip:port;n1:…;"}
  1006  request body ["broker-a", …] → {"replicasInfoTable": {"broker-a": {"masterBrokerId": 1,
        "masterAddress": …, "masterEpoch": 1, "syncStateSetEpoch": 2, "inSyncReplicas":
        [{"brokerName", "brokerId", "brokerAddress", "alive"}], "notInSyncReplicas": […]}}}
  1002  ext {clusterName, brokerName, brokerId (the replica's controller id), designateElect,
        invokeTime} → ext {masterBrokerId, masterAddress, masterEpoch, syncStateSetEpoch}
Controller ids ("brokerId" here) are the ids the controllers hand out (1, 2, …), not the ids in
the brokers' files; a namesrv lists the elected master as id 0 and each slave under its
controller id.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from rocketui.rocketmq.remoting.codec import RemotingCommand
from rocketui.rocketmq.remoting.codes import RequestCode
from rocketui.rocketmq.remoting.errors import RemotingError
from rocketui.rocketmq.remoting.namesrv import parse_json_body
from rocketui.rocketmq.remoting.peer import Peer


@dataclass(frozen=True)
class ControllerMetadata:
    """What one controller says about its Raft group."""

    addr: str  # the controller asked
    group: str
    leader_id: str | None
    leader_address: str | None
    is_leader: bool
    peers: tuple[tuple[str, str], ...]  # (id, address)

    def to_json(self) -> dict[str, object]:
        return {
            "addr": self.addr,
            "group": self.group,
            "leader_id": self.leader_id,
            "leader_address": self.leader_address,
            "is_leader": self.is_leader,
            "peers": dict(self.peers),
        }


@dataclass(frozen=True)
class Replica:
    broker_name: str
    broker_id: int  # controller id
    address: str
    alive: bool

    def to_json(self) -> dict[str, object]:
        return {"broker_id": self.broker_id, "address": self.address, "alive": self.alive}


@dataclass(frozen=True)
class ReplicaSet:
    """One broker name as the controllers see it: its elected master and sync-state set."""

    broker_name: str
    master_id: int | None  # None (or -1 on the wire): no master elected
    master_address: str | None
    master_epoch: int
    sync_state_set_epoch: int
    in_sync: tuple[Replica, ...]
    not_in_sync: tuple[Replica, ...]

    @property
    def has_master(self) -> bool:
        return self.master_id is not None and bool(self.master_address)

    def replica(self, address: str) -> Replica | None:
        return next((r for r in (*self.in_sync, *self.not_in_sync) if r.address == address), None)

    def to_json(self) -> dict[str, object]:
        return {
            "master_id": self.master_id,
            "master_address": self.master_address,
            "master_epoch": self.master_epoch,
            "sync_state_set_epoch": self.sync_state_set_epoch,
            "in_sync": [r.to_json() for r in self.in_sync],
            "not_in_sync": [r.to_json() for r in self.not_in_sync],
        }


@dataclass(frozen=True)
class ElectResult:
    broker_name: str
    master_id: int
    master_address: str
    master_epoch: int
    sync_state_set_epoch: int


class ControllerFormatError(ValueError):
    pass


def _int(value: object, what: str) -> int:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise ControllerFormatError(f"{what} is {value!r}, expected an integer") from None


def parse_peers(text: str) -> tuple[tuple[str, str], ...]:
    """'n0:127.0.0.1:9878;n1:127.0.0.1:9868;' → (('n0', '127.0.0.1:9878'), …)."""
    out = []
    for part in text.split(";"):
        ident, sep, addr = part.strip().partition(":")
        if sep and ident and addr:
            out.append((ident, addr))
    return tuple(out)


def metadata_from_ext(addr: str, ext: dict[str, str]) -> ControllerMetadata:
    return ControllerMetadata(
        addr=addr,
        group=ext.get("group", ""),
        leader_id=ext.get("controllerLeaderId") or None,
        leader_address=ext.get("controllerLeaderAddress") or None,
        is_leader=ext.get("isLeader", "false") == "true",
        peers=parse_peers(ext.get("peers", "")),
    )


def _replicas(items: object, broker_name: str, what: str) -> tuple[Replica, ...]:
    if items is None:
        return ()
    if not isinstance(items, list):
        raise ControllerFormatError(f"{what} is not a list")
    out = []
    for item in items:
        if not isinstance(item, dict):
            raise ControllerFormatError(f"{what} item is not an object")
        out.append(
            Replica(
                broker_name=str(item.get("brokerName") or broker_name),
                broker_id=_int(item.get("brokerId"), f"{what}.brokerId"),
                address=str(item.get("brokerAddress") or ""),
                alive=bool(item.get("alive")),
            )
        )
    return tuple(out)


def replica_sets_from_json(data: Any) -> dict[str, ReplicaSet]:
    """CONTROLLER_GET_SYNC_STATE_DATA's BrokerReplicasInfo body → broker name → ReplicaSet."""
    table = data.get("replicasInfoTable") if isinstance(data, dict) else None
    if table is None:
        return {}
    if not isinstance(table, dict):
        raise ControllerFormatError("replicasInfoTable is not an object")
    out: dict[str, ReplicaSet] = {}
    for name, info in table.items():
        if not isinstance(info, dict):
            raise ControllerFormatError(f"replicasInfoTable.{name} is not an object")
        master_id = _int(info.get("masterBrokerId", -1), f"{name}.masterBrokerId")
        out[str(name)] = ReplicaSet(
            broker_name=str(name),
            master_id=master_id if master_id >= 0 else None,
            master_address=str(info.get("masterAddress") or "") or None,
            master_epoch=_int(info.get("masterEpoch", 0), f"{name}.masterEpoch"),
            sync_state_set_epoch=_int(info.get("syncStateSetEpoch", 0), f"{name}.syncStateSetEpoch"),
            in_sync=_replicas(info.get("inSyncReplicas"), str(name), f"{name}.inSyncReplicas"),
            not_in_sync=_replicas(info.get("notInSyncReplicas"), str(name), f"{name}.notInSyncReplicas"),
        )
    return out


class ControllerClient(Peer):
    async def metadata(self) -> ControllerMetadata:
        """The Raft group as this controller sees it (any peer answers)."""
        response = await self.remoting.invoke(RequestCode.CONTROLLER_GET_METADATA_INFO)
        return metadata_from_ext(self.addr, response.ext_fields)

    async def sync_state_data(self, broker_names: list[str]) -> dict[str, ReplicaSet]:
        """Master, epochs and sync-state set of each broker name (leader only).  Broker names the
        controllers never heard of are absent from the answer."""
        if not broker_names:
            return {}
        body = json.dumps(broker_names).encode()
        response = await self.remoting.invoke(RequestCode.CONTROLLER_GET_SYNC_STATE_DATA, body=body)
        if not response.body:
            return {}
        try:
            return replica_sets_from_json(parse_json_body(self.addr, "CONTROLLER_GET_SYNC_STATE_DATA", response.body))
        except ControllerFormatError as exc:
            raise RemotingError(self.addr, f"CONTROLLER_GET_SYNC_STATE_DATA body: {exc}") from None

    async def elect_master(self, cluster: str, broker_name: str, broker_id: int) -> ElectResult:
        """Make the replica with controller id `broker_id` the master of `broker_name` (leader only;
        the controllers tell both brokers, the old master becomes a slave in place).  RemotingError
        codes: 2011 it already is master, 2012 not alive or not in the sync-state set."""
        response = await self.remoting.invoke(
            RequestCode.CONTROLLER_ELECT_MASTER,
            {
                "clusterName": cluster,
                "brokerName": broker_name,
                "brokerId": str(broker_id),
                "designateElect": "true",
                "invokeTime": str(int(time.time() * 1000)),
            },
        )
        return _elect_result(self.addr, broker_name, response)


def _elect_result(addr: str, broker_name: str, response: RemotingCommand) -> ElectResult:
    ext = response.ext_fields
    try:
        return ElectResult(
            broker_name=broker_name,
            master_id=_int(ext.get("masterBrokerId"), "masterBrokerId"),
            master_address=ext.get("masterAddress", ""),
            master_epoch=_int(ext.get("masterEpoch"), "masterEpoch"),
            sync_state_set_epoch=_int(ext.get("syncStateSetEpoch", 0), "syncStateSetEpoch"),
        )
    except ControllerFormatError as exc:
        raise RemotingError(addr, f"CONTROLLER_ELECT_MASTER response: {exc}") from None
