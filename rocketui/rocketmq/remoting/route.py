"""Typed views of the namesrv's route bodies (cluster info, topic route), parsed from the
lenient JSON the namesrv sends (numeric map keys may be quoted or not)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MASTER_ID = 0


class RouteFormatError(ValueError):
    """A route body that parsed as JSON but does not have the expected shape."""


@dataclass(frozen=True)
class BrokerData:
    cluster: str
    broker_name: str
    addrs: dict[int, str]  # brokerId -> "ip:port"; 0 is the master

    @property
    def master_addr(self) -> str | None:
        return self.addrs.get(MASTER_ID)


@dataclass(frozen=True)
class ClusterInfo:
    clusters: dict[str, list[str]] = field(default_factory=dict)  # cluster -> broker names
    brokers: dict[str, BrokerData] = field(default_factory=dict)  # broker name -> data

    def broker_addrs(self) -> set[str]:
        """Every registered broker address (masters and slaves)."""
        return {addr for data in self.brokers.values() for addr in data.addrs.values()}

    def merged(self, other: ClusterInfo) -> ClusterInfo:
        """Union of two namesrvs' views (addresses of the same broker name are combined)."""
        clusters = {name: list(names) for name, names in self.clusters.items()}
        for name, names in other.clusters.items():
            known = clusters.setdefault(name, [])
            known.extend(n for n in names if n not in known)
        brokers = dict(self.brokers)
        for name, data in other.brokers.items():
            mine = brokers.get(name)
            brokers[name] = data if mine is None else BrokerData(mine.cluster, name, {**data.addrs, **mine.addrs})
        return ClusterInfo(clusters, brokers)


@dataclass(frozen=True)
class QueueData:
    broker_name: str
    read_queue_nums: int
    write_queue_nums: int
    perm: int
    topic_sys_flag: int = 0


@dataclass(frozen=True)
class TopicRoute:
    topic: str
    queues: list[QueueData]
    brokers: list[BrokerData]
    order_topic_conf: str | None = None


def _obj(value: Any, where: str) -> dict[Any, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise RouteFormatError(f"{where} is a {type(value).__name__}, expected an object")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise RouteFormatError(f"{where} is a {type(value).__name__}, expected an array")
    return value


def _int(value: Any, where: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise RouteFormatError(f"{where} is {value!r}, expected an integer") from None


def broker_data_from_json(data: Any, where: str = "brokerData") -> BrokerData:
    data = _obj(data, where)
    addrs = {
        _int(k, f"{where}.brokerAddrs key"): str(v)
        for k, v in _obj(data.get("brokerAddrs"), f"{where}.brokerAddrs").items()
    }
    return BrokerData(
        cluster=str(data.get("cluster") or ""), broker_name=str(data.get("brokerName") or ""), addrs=addrs
    )


def cluster_info_from_json(data: Any) -> ClusterInfo:
    """GET_BROKER_CLUSTER_INFO body: {"brokerAddrTable":{name:BrokerData},"clusterAddrTable":{...}}."""
    data = _obj(data, "cluster info")
    brokers = {}
    for name, raw in _obj(data.get("brokerAddrTable"), "brokerAddrTable").items():
        broker = broker_data_from_json(raw, f"brokerAddrTable[{name}]")
        brokers[str(name)] = broker if broker.broker_name else BrokerData(broker.cluster, str(name), broker.addrs)
    clusters = {
        str(name): sorted(str(n) for n in _list(names, f"clusterAddrTable[{name}]"))
        for name, names in _obj(data.get("clusterAddrTable"), "clusterAddrTable").items()
    }
    return ClusterInfo(clusters=clusters, brokers=brokers)


def topic_route_from_json(topic: str, data: Any) -> TopicRoute:
    """GET_ROUTEINFO_BY_TOPIC body (TopicRouteData)."""
    data = _obj(data, "topic route")
    queues = []
    for i, raw in enumerate(_list(data.get("queueDatas"), "queueDatas")):
        q = _obj(raw, f"queueDatas[{i}]")
        queues.append(
            QueueData(
                broker_name=str(q.get("brokerName") or ""),
                read_queue_nums=_int(q.get("readQueueNums", 0), f"queueDatas[{i}].readQueueNums"),
                write_queue_nums=_int(q.get("writeQueueNums", 0), f"queueDatas[{i}].writeQueueNums"),
                perm=_int(q.get("perm", 0), f"queueDatas[{i}].perm"),
                topic_sys_flag=_int(q.get("topicSysFlag", 0), f"queueDatas[{i}].topicSysFlag"),
            )
        )
    brokers = [
        broker_data_from_json(raw, f"brokerDatas[{i}]")
        for i, raw in enumerate(_list(data.get("brokerDatas"), "brokerDatas"))
    ]
    conf = data.get("orderTopicConf")
    return TopicRoute(topic=topic, queues=queues, brokers=brokers, order_topic_conf=None if conf is None else str(conf))
