"""Pure-Python asyncio client of RocketMQ's remoting protocol (namesrv and broker)."""

from rocketui.rocketmq.remoting.broker import BrokerClient
from rocketui.rocketmq.remoting.client import Connector, RemotingClient
from rocketui.rocketmq.remoting.errors import (
    ConnectFailed,
    ConnectionLost,
    ProtocolError,
    RemotingError,
    RemotingTimeout,
)
from rocketui.rocketmq.remoting.message import MessageExt
from rocketui.rocketmq.remoting.namesrv import NamesrvClient, cluster_info_from_any, cluster_info_per_namesrv
from rocketui.rocketmq.remoting.results import PullResult, PullStatus, RuntimeInfo, SendResult, SendStatus
from rocketui.rocketmq.remoting.route import BrokerData, ClusterInfo, QueueData, TopicRoute

__all__ = [
    "BrokerClient",
    "BrokerData",
    "ClusterInfo",
    "ConnectFailed",
    "ConnectionLost",
    "Connector",
    "MessageExt",
    "NamesrvClient",
    "ProtocolError",
    "PullResult",
    "PullStatus",
    "QueueData",
    "RemotingClient",
    "RemotingError",
    "RemotingTimeout",
    "RuntimeInfo",
    "SendResult",
    "SendStatus",
    "TopicRoute",
    "cluster_info_from_any",
    "cluster_info_per_namesrv",
]
