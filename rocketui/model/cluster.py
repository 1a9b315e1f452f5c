"""The cluster definition: typed, immutable model objects (no I/O here).

`rocketui.model.loader` builds these from YAML and validates them; everything
else in rocketui reads them.  Paths are strings as written for the node's host
(a leading `~` is expanded on that host by its backend), except that relative
paths of `local` hosts are resolved against the cluster file's directory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rocketui.model.topology import Topology


DEFAULT_VERSION = "5.5.0"
NAMESRV_DEFAULT_PORT = 9876
BROKER_DEFAULT_PORT = 10911
PROXY_DEFAULT_PORT = 8080  # a proxy's remoting port (remotingListenPort)
GRPC_DEFAULT_PORT = 8081  # a proxy's gRPC port (grpcServerPort)
CONTROLLER_DEFAULT_PORT = 9878  # a controller's DLedger peer port, its only listener


class NodeKind(StrEnum):
    NAMESRV = "namesrv"
    BROKER = "broker"
    PROXY = "proxy"  # a Cluster-mode proxy (`bin/mqproxy`)
    CONTROLLER = "controller"  # a standalone controller (`bin/mqcontroller`)


class ProxyMode(StrEnum):
    LOCAL = "local"  # the broker runs inside a proxy JVM (`bin/mqbroker --enable-proxy`)


class BrokerRole(StrEnum):
    ASYNC_MASTER = "ASYNC_MASTER"
    SYNC_MASTER = "SYNC_MASTER"
    SLAVE = "SLAVE"


class BackendKind(StrEnum):
    LOCAL = "local"
    SSH = "ssh"


@dataclass(frozen=True)
class Pos:
    """Where something was written: file and 1-based line."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True)
class JvmMemory:
    """Per-node JVM options, passed through JAVA_OPT_EXT (the last occurrence of a flag wins,
    and the scripts append JAVA_OPT_EXT after their own defaults)."""

    xms: str | None = None
    xmx: str | None = None
    xmn: str | None = None
    max_direct: str | None = None
    extra: tuple[str, ...] = ()

    def java_opt_ext(self) -> str:
        opts: list[str] = []
        if self.xms:
            opts.append(f"-Xms{self.xms}")
        if self.xmx:
            opts.append(f"-Xmx{self.xmx}")
        if self.xmn:
            opts.append(f"-Xmn{self.xmn}")
        if self.max_direct:
            opts.append(f"-XX:MaxDirectMemorySize={self.max_direct}")
        opts.extend(self.extra)
        return " ".join(opts)


@dataclass(frozen=True)
class Host:
    name: str
    backend: BackendKind
    address: str
    pos: Pos
    port: int = 22
    user: str | None = None
    identity_file: str | None = None
    known_hosts: str | None = None
    trust_on_first_use: bool = False
    jump_host: str | None = None
    password_env: str | None = None
    connect_timeout: float = 5.0
    rocketmq_home: str | None = None  # overrides the cluster's rocketmq.home on this host
    work_dir: str | None = None  # overrides the cluster's work_dir on this host
    java_home: str | None = None


@dataclass(frozen=True)
class RocketMQ:
    home: str
    version: str
    java_home: str | None = None


@dataclass(frozen=True)
class Node:
    name: str
    kind: NodeKind
    host: str
    port: int
    pos: Pos
    jvm: JvmMemory = field(default_factory=JvmMemory)
    # namesrv: extra keys for the generated namesrv properties file
    properties: tuple[tuple[str, str], ...] = ()
    listen_address: str | None = None
    # broker only
    config: str | None = None
    broker_name: str | None = None
    broker_id: int = 0
    role: BrokerRole | None = None
    # broker: master/slave switched by the controllers (enableControllerMode); broker_id 0 is the
    # master the file intends (started first, so the first election picks it)
    controller_mode: bool = False
    # broker: `proxy: local` runs it inside a proxy JVM with these ports (remoting, gRPC)
    proxy: ProxyMode | None = None
    proxy_port: int | None = None
    # proxy nodes and local-proxy brokers: the gRPC port
    grpc_port: int | None = None
    # namesrv: the DLedger peer port of the controller embedded in it (enableControllerInNamesrv)
    controller_port: int | None = None
    # where the JVM's user.home points (logs under <user_home>/logs/rocketmqlogs,
    # default store under <user_home>/store); None = <work_dir>/<node name>
    user_home: str | None = None

    @property
    def is_master(self) -> bool:
        return self.kind is NodeKind.BROKER and self.broker_id == 0

    @property
    def is_slave(self) -> bool:
        return self.kind is NodeKind.BROKER and self.broker_id > 0

    @property
    def has_controller(self) -> bool:
        """A standalone controller, or a namesrv with one embedded."""
        return self.kind is NodeKind.CONTROLLER or self.controller_port is not None

    @property
    def controller_listen_port(self) -> int | None:
        if self.kind is NodeKind.CONTROLLER:
            return self.port
        return self.controller_port

    @property
    def serves_proxy(self) -> bool:
        """A proxy node, or a broker with a Local-mode proxy."""
        return self.kind is NodeKind.PROXY or self.proxy is ProxyMode.LOCAL

    @property
    def proxy_remoting_port(self) -> int | None:
        if self.kind is NodeKind.PROXY:
            return self.port
        return self.proxy_port if self.proxy is ProxyMode.LOCAL else None

    def named_ports(self) -> tuple[tuple[int, str], ...]:
        """Every TCP port this node listens on, with what it is for."""
        out: list[tuple[int, str]] = []
        if self.kind is NodeKind.BROKER:
            out += [(self.port - 2, "fast port (port-2)"), (self.port, "port"), (self.port + 1, "HA port (port+1)")]
        elif self.kind is NodeKind.PROXY:
            out.append((self.port, "remoting port"))
        elif self.kind is NodeKind.CONTROLLER:
            out.append((self.port, "controller port"))
        else:
            out.append((self.port, "port"))
        if self.controller_port is not None:
            out.append((self.controller_port, "controller port"))
        if self.proxy is ProxyMode.LOCAL and self.proxy_port is not None:
            out.append((self.proxy_port, "proxy remoting port"))
        if self.grpc_port is not None:
            out.append((self.grpc_port, "gRPC port"))
        return tuple(out)

    def ports(self) -> tuple[int, ...]:
        """Every TCP port this node listens on (broker: fast port -2, HA port +1; a local proxy's
        remoting and gRPC ports; an embedded controller's port)."""
        return tuple(p for p, _ in self.named_ports())


@dataclass(frozen=True)
class Cluster:
    name: str
    source: str  # path of the cluster file
    rocketmq: RocketMQ
    work_dir: str
    hosts: tuple[Host, ...]
    nodes: tuple[Node, ...]
    read_only: bool = False
    warnings: tuple[str, ...] = ()
    topology: Topology | None = None  # the `topology:` section the generated nodes came from
    # a sample file: rocketui works on the operator's own copy at this path (see usecases/personal_copy)
    copy_to: str | None = None

    def host(self, name: str) -> Host:
        for h in self.hosts:
            if h.name == name:
                return h
        raise KeyError(name)

    def node(self, name: str) -> Node:
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(name)

    @cached_property  # asked per node per poll; the nodes never change
    def namesrvs(self) -> tuple[Node, ...]:
        return tuple(n for n in self.nodes if n.kind is NodeKind.NAMESRV)

    @cached_property
    def brokers(self) -> tuple[Node, ...]:
        return tuple(n for n in self.nodes if n.kind is NodeKind.BROKER)

    @property
    def proxies(self) -> tuple[Node, ...]:
        """Every node that serves a proxy: Cluster-mode proxies and brokers with a local one."""
        return tuple(n for n in self.nodes if n.serves_proxy)

    @property
    def controllers(self) -> tuple[Node, ...]:
        """Every node hosting a controller (standalone, or embedded in a namesrv), in file order:
        the DLedger peers n0, n1, …"""
        return tuple(n for n in self.nodes if n.has_controller)

    def controller_id(self, node: Node) -> str:
        """The node's DLedger peer id (controllerDLegerSelfId)."""
        return f"n{self.controllers.index(node)}"

    def controller_endpoint(self, node: Node) -> str:
        return f"{self.advertised_address(node)}:{node.controller_listen_port}"

    def controller_addr(self) -> str:
        """`host:port;…` of every controller, as brokers want it (controllerAddr)."""
        return ";".join(self.controller_endpoint(n) for n in self.controllers)

    def controller_peers(self) -> str:
        """controllerDLegerPeers: `n0-host:port;n1-host:port;…`."""
        return ";".join(f"{self.controller_id(n)}-{self.controller_endpoint(n)}" for n in self.controllers)

    @property
    def controller_group(self) -> str:
        """controllerDLegerGroup: the same on every peer."""
        return f"{self.name}-controller"

    def proxy_endpoint(self, node: Node) -> str:
        """host:port of a proxy's remoting port."""
        return f"{self.advertised_address(node)}:{node.proxy_remoting_port}"

    def grpc_endpoint(self, node: Node) -> str:
        return f"{self.advertised_address(node)}:{node.grpc_port}"

    def namesrv_addr(self) -> str:
        """`host:port;host:port` of every namesrv, as brokers and clients want it."""
        return ";".join(self.endpoint(n) for n in self.namesrvs)

    def advertised_address(self, node: Node) -> str:
        """The address others use to reach the node."""
        if node.listen_address and node.listen_address not in ("0.0.0.0", "::"):
            return node.listen_address
        return self.host(node.host).address

    def endpoint(self, node: Node) -> str:
        """host:port others use to reach the node (what namesrvs register and clients dial)."""
        return f"{self.advertised_address(node)}:{node.port}"

    def rocketmq_home(self, host: Host) -> str:
        return host.rocketmq_home or self.rocketmq.home

    def java_home(self, host: Host) -> str | None:
        return host.java_home or self.rocketmq.java_home

    def host_work_dir(self, host: Host) -> str:
        return host.work_dir or self.work_dir

    def run_dir(self, node: Node) -> str:
        """Directory rocketui owns for a node: captured stdout, pid file, generated config."""
        return f"{self.host_work_dir(self.host(node.host)).rstrip('/')}/{node.name}"

    def user_home(self, node: Node) -> str:
        return node.user_home or self.run_dir(node)

    def log_dir(self, node: Node) -> str:
        return f"{self.user_home(node).rstrip('/')}/logs/rocketmqlogs"
