"""A compact cluster layout (`topology:` in the cluster file) and what it expands into (pure).

The official samples (conf/2m-2s-sync/broker-a.properties …) set only names, ids and roles, so
two of them on one host collide on ports and stores.  A Topology says "2 masters, 1 slave
each, sync replication, spread over these hosts" and expands into:
- Node objects: namesrv-1…N, broker-a, broker-b… (masters) and broker-a-s… (slaves), placed
  round-robin over the hosts (a slave never on its master's host when there is another host),
  listen ports `port_step` apart per host;
- one broker properties file per generated broker: the sample keys plus what the samples lack
  (namesrvAddr with every namesrv, listenPort, brokerIP1/2 and bindAddress = the host address,
  a per-node storePathRootDir), under a header whose hash reveals later hand edits.
"""

from __future__ import annotations

import hashlib
import re
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum, StrEnum

from rocketui.model.cluster import BrokerRole, Cluster, Host, JvmMemory, Node, NodeKind, Pos, ProxyMode


class Replication(StrEnum):
    SYNC = "sync"
    ASYNC = "async"


class Flush(StrEnum):
    SYNC = "sync"
    ASYNC = "async"


class ControllerPlacement(StrEnum):
    NONE = "none"  # classic master/slave: a dead master needs a person
    EMBEDDED = "embedded"  # in the first `controllers` namesrvs (enableControllerInNamesrv)
    STANDALONE = "standalone"  # controller-1 … nodes of their own (bin/mqcontroller)


class ProxyPlacement(StrEnum):
    NONE = "none"
    LOCAL = "local"  # every broker runs inside a proxy JVM (mqbroker --enable-proxy)
    CLUSTER = "cluster"  # proxy-1 … nodes of their own (bin/mqproxy)


MAX_MASTERS = 26  # broker-a … broker-z
MAX_SLAVES = 9
MIN_PORT_STEP = 3  # a broker listens on port-2, port and port+1

# Keys rocketui derives from the cluster file; setting them under `properties` would make the
# file disagree with the cluster file (use the named cluster-file setting instead).
CONTROLLED_KEYS: dict[str, str] = {
    "brokerClusterName": "cluster",
    "brokerName": "the topology (broker names are generated)",
    "brokerId": "the topology (ids are generated)",
    "brokerRole": "topology.replication or a node's role",
    "listenPort": "topology.broker_port or a node's port",
    "namesrvAddr": "the namesrv nodes",
    "brokerIP1": "a node's listen_address (or the host's address)",
    "flushDiskType": "topology.flush",
    "enableControllerMode": "topology.controller",
    "controllerAddr": "the controller nodes",
}
PROPERTY_KEY_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class NamesrvSpec:
    host: str
    port: int | None = None  # None: the next free namesrv port of that host


@dataclass(frozen=True)
class Topology:
    pos: Pos
    masters: int
    slaves_per_master: int = 0
    replication: Replication = Replication.ASYNC
    flush: Flush = Flush.ASYNC
    hosts: tuple[str, ...] = ()
    namesrvs: tuple[NamesrvSpec, ...] = ()
    namesrv_port: int = 9876
    broker_port: int = 10911
    port_step: int = 10
    config_dir: str | None = None
    namesrv_jvm: JvmMemory = field(default_factory=JvmMemory)
    broker_jvm: JvmMemory = field(default_factory=JvmMemory)
    properties: tuple[tuple[str, str], ...] = ()
    generated: tuple[str, ...] = ()  # names of the nodes it expanded into (set by the loader)
    controller: ControllerPlacement = ControllerPlacement.NONE
    controllers: int = 0  # controller peers (embedded: the first N namesrvs; standalone: nodes)
    controller_port: int = 9878
    proxy: ProxyPlacement = ProxyPlacement.NONE
    proxies: int = 0  # Cluster-mode proxy nodes
    proxy_port: int = 8080  # remoting port of each proxy (first of each host)
    grpc_port: int = 8081
    proxy_jvm: JvmMemory = field(default_factory=JvmMemory)
    controller_jvm: JvmMemory = field(default_factory=JvmMemory)

    @property
    def controller_mode(self) -> bool:
        return self.controller is not ControllerPlacement.NONE

    @property
    def label(self) -> str:
        """Like the official sample directories: 2m-noslave, 2m-2s-sync, 3m-3s-async; 2m-2s-controller
        when the controllers switch masters; -local-proxy / -cluster-proxy when proxies serve."""
        if self.slaves_per_master == 0:
            base = f"{self.masters}m-noslave"
        else:
            mode = "controller" if self.controller_mode else self.replication.value
            base = f"{self.masters}m-{self.masters * self.slaves_per_master}s-{mode}"
        return base if self.proxy is ProxyPlacement.NONE else f"{base}-{self.proxy.value}-proxy"

    def describe(self) -> str:
        slaves = (
            "no slaves"
            if not self.slaves_per_master
            else f"{self.slaves_per_master} slave{'s' if self.slaves_per_master > 1 else ''} each, "
            f"{self.replication.value} replication"
        )
        text = f"{self.masters} master{'s' if self.masters > 1 else ''}, {slaves}, {self.flush.value} flush"
        if self.controller is ControllerPlacement.EMBEDDED:
            text += f", failover by {self.controllers} controller(s) in the namesrvs"
        elif self.controller is ControllerPlacement.STANDALONE:
            text += f", failover by {self.controllers} standalone controller(s)"
        if self.proxy is ProxyPlacement.LOCAL:
            text += ", a Local-mode proxy in every broker"
        elif self.proxy is ProxyPlacement.CLUSTER:
            text += f", {self.proxies} Cluster-mode prox{'ies' if self.proxies > 1 else 'y'}"
        return text


# --------------------------------------------------------------------------- layouts by name

LAYOUT_RE = re.compile(r"^(?P<m>[0-9]+)m-(?:noslave|(?P<s>[0-9]+)s-(?P<mode>sync|async))$")


@dataclass(frozen=True)
class Layout:
    """What a layout name stands for (the rest of a topology keeps its defaults)."""

    masters: int
    slaves_per_master: int = 0
    replication: Replication = Replication.ASYNC
    controller: ControllerPlacement = ControllerPlacement.NONE
    proxy: ProxyPlacement = ProxyPlacement.NONE
    namesrvs: int | None = None  # None: the caller's choice


# Named layouts beyond Nm-noslave / Nm-Ks-sync|async (the 5.x deployment guide's shapes).
NAMED_LAYOUTS: dict[str, Layout] = {
    "local-proxy": Layout(1, proxy=ProxyPlacement.LOCAL),
    "cluster-proxy": Layout(2, proxy=ProxyPlacement.CLUSTER),
}
CONTROLLER_LAYOUT_RE = re.compile(r"^(?P<m>[0-9]+)m-(?P<s>[0-9]+)s-controller$")
LAYOUT_NAMES = "Nm-noslave, Nm-Ks-sync|async, Nm-Ks-controller, local-proxy or cluster-proxy"


def layout_of(text: str) -> Layout:
    """Any layout name: 2m-2s-sync, 2m-2s-controller (3 namesrvs with embedded controllers),
    local-proxy, cluster-proxy.  ValueError says what is expected."""
    if text in NAMED_LAYOUTS:
        return NAMED_LAYOUTS[text]
    m = CONTROLLER_LAYOUT_RE.match(text)
    if m:
        masters, slaves, _ = parse_layout(f"{m['m']}m-{m['s']}s-sync")
        # the deployment guide's fault-tolerant form: three namesrvs, each with a controller
        return Layout(masters, slaves, Replication.SYNC, ControllerPlacement.EMBEDDED, namesrvs=3)
    if not LAYOUT_RE.match(text):
        raise ValueError(f"topology {text!r} is not a layout name; expected {LAYOUT_NAMES}")
    masters, slaves, replication = parse_layout(text)  # says what is wrong with the numbers
    return Layout(masters, slaves, replication)


def parse_layout(text: str) -> tuple[int, int, Replication]:
    """'2m-2s-sync' → (masters 2, slaves per master 1, sync); ValueError says what is expected."""
    m = LAYOUT_RE.match(text)
    if not m:
        raise ValueError(f"topology {text!r} is not a layout name; expected like 2m-noslave, 2m-2s-async or 2m-2s-sync")
    masters = int(m["m"])
    if not 1 <= masters <= MAX_MASTERS:
        raise ValueError(f"topology {text!r}: {masters} masters; expected 1 to {MAX_MASTERS}")
    if m["s"] is None:
        return masters, 0, Replication.ASYNC
    slaves = int(m["s"])
    if slaves == 0 or slaves % masters:
        raise ValueError(
            f"topology {text!r}: {slaves} slaves cannot be shared evenly by {masters} masters; "
            f"expected a multiple of {masters}"
        )
    if slaves // masters > MAX_SLAVES:
        raise ValueError(f"topology {text!r}: at most {MAX_SLAVES} slaves per master")
    return masters, slaves // masters, Replication(m["mode"])


# --------------------------------------------------------------------------- expansion


def master_name(index: int) -> str:
    return f"broker-{string.ascii_lowercase[index]}"


def slave_name(master: str, replica: int, slaves_per_master: int) -> str:
    return f"{master}-s" if slaves_per_master == 1 else f"{master}-s{replica}"


@dataclass(frozen=True)
class Placement:
    """One generated node before it becomes a Node (name, where, and broker identity)."""

    name: str
    kind: NodeKind
    host: str
    port: int
    broker_name: str | None = None
    broker_id: int = 0
    controller_port: int | None = None  # a namesrv's embedded controller
    proxy_port: int | None = None  # a local-proxy broker's remoting port
    grpc_port: int | None = None  # proxies and local-proxy brokers


def placements(topology: Topology) -> list[Placement]:
    """Where each generated node goes.  Brokers are dealt round-robin over topology.hosts in
    the order masters, then first slaves, then second slaves …; a slave that would land on a
    host already holding a replica of its broker name moves on to the next host (when there is
    one), so losing one host never loses both copies.  Standalone controllers and Cluster-mode
    proxies are dealt round-robin too; each kind of port counts up per host from its base."""
    hosts = list(topology.hosts)
    next_port: dict[tuple[str, str], int] = {}
    bases = {
        "namesrv": topology.namesrv_port,
        "broker": topology.broker_port,
        "controller": topology.controller_port,
        "proxy": topology.proxy_port,
        "grpc": topology.grpc_port,
    }

    def port_for(host: str, what: str) -> int:
        port = next_port.get((host, what), bases[what])
        next_port[(host, what)] = port + topology.port_step
        return port

    out: list[Placement] = []
    explicit_ns_ports = {(ns.host, ns.port) for ns in topology.namesrvs if ns.port is not None}
    embedded = topology.controllers if topology.controller is ControllerPlacement.EMBEDDED else 0
    for i, ns in enumerate(topology.namesrvs, 1):
        port = ns.port
        while port is None:  # skip ports given explicitly to other namesrvs of the host
            candidate = port_for(ns.host, "namesrv")
            if (ns.host, candidate) not in explicit_ns_ports:
                port = candidate
        controller = port_for(ns.host, "controller") if i <= embedded else None
        out.append(Placement(f"namesrv-{i}", NodeKind.NAMESRV, ns.host, port, controller_port=controller))
    if topology.controller is ControllerPlacement.STANDALONE:
        for i in range(topology.controllers):
            host = hosts[i % len(hosts)]
            out.append(Placement(f"controller-{i + 1}", NodeKind.CONTROLLER, host, port_for(host, "controller")))

    where: dict[str, set[str]] = {}  # broker name → hosts holding a replica
    turn = 0
    order = [(m, 0) for m in range(topology.masters)]
    order += [(m, r) for r in range(1, topology.slaves_per_master + 1) for m in range(topology.masters)]
    local_proxy = topology.proxy is ProxyPlacement.LOCAL
    for m, replica in order:
        bname = master_name(m)
        host = hosts[turn % len(hosts)]
        if replica:
            for _ in range(len(hosts)):
                if host not in where.get(bname, set()):
                    break
                turn += 1
                host = hosts[turn % len(hosts)]
        turn += 1
        where.setdefault(bname, set()).add(host)
        name = bname if replica == 0 else slave_name(bname, replica, topology.slaves_per_master)
        out.append(
            Placement(
                name,
                NodeKind.BROKER,
                host,
                port_for(host, "broker"),
                bname,
                replica,
                proxy_port=port_for(host, "proxy") if local_proxy else None,
                grpc_port=port_for(host, "grpc") if local_proxy else None,
            )
        )
    if topology.proxy is ProxyPlacement.CLUSTER:
        for i in range(topology.proxies):
            host = hosts[i % len(hosts)]
            out.append(
                Placement(
                    f"proxy-{i + 1}", NodeKind.PROXY, host, port_for(host, "proxy"), grpc_port=port_for(host, "grpc")
                )
            )
    return out


def expand(topology: Topology, hosts: dict[str, Host], work_dir: str) -> list[Node]:
    """The nodes of a topology (config paths as written: relative ones are resolved by the loader)."""
    master_role = BrokerRole.SYNC_MASTER if topology.replication is Replication.SYNC else BrokerRole.ASYNC_MASTER
    jvm = {
        NodeKind.NAMESRV: topology.namesrv_jvm,
        NodeKind.CONTROLLER: topology.controller_jvm,
        NodeKind.PROXY: topology.proxy_jvm,
    }
    nodes: list[Node] = []
    for p in placements(topology):
        host = hosts[p.host]
        if p.kind is not NodeKind.BROKER:
            nodes.append(
                Node(
                    name=p.name,
                    kind=p.kind,
                    host=p.host,
                    port=p.port,
                    pos=topology.pos,
                    jvm=jvm[p.kind],
                    listen_address=host.address,
                    controller_port=p.controller_port,
                    grpc_port=p.grpc_port,
                )
            )
            continue
        if topology.config_dir:
            config = f"{topology.config_dir.rstrip('/')}/{p.name}.properties"
        else:
            config = f"{(host.work_dir or work_dir).rstrip('/')}/{p.name}/broker.properties"
        nodes.append(
            Node(
                name=p.name,
                kind=p.kind,
                host=p.host,
                port=p.port,
                pos=topology.pos,
                jvm=topology.broker_jvm,
                config=config,
                broker_name=p.broker_name,
                broker_id=p.broker_id,
                role=master_role if p.broker_id == 0 else BrokerRole.SLAVE,
                controller_mode=topology.controller_mode,
                proxy=ProxyMode.LOCAL if p.proxy_port is not None else None,
                proxy_port=p.proxy_port,
                grpc_port=p.grpc_port,
            )
        )
    return nodes


# --------------------------------------------------------------------------- broker properties

HASH_PREFIX = "# rocketui-sha256: "


def property_problem(key: str, value: str) -> str | None:
    """Why `key=value` cannot go into a generated properties file (None when it can)."""
    if not PROPERTY_KEY_RE.match(key):
        return f"{key!r} is not a RocketMQ property name; expected letters, digits, '.', '_' or '-'"
    if key in CONTROLLED_KEYS:
        return f"{key} is generated by rocketui; set it through {CONTROLLED_KEYS[key]}"
    if value != value.strip() or not value:
        return (
            f"{key} value {value!r} is empty or has leading/trailing whitespace, which RocketMQ silently "
            "ignores for numbers and booleans"
        )
    if "\\" in value or "\n" in value or "\r" in value:
        return f"{key} value {value!r} contains a backslash or line break; expected a plain value"
    return None


def _major_minor(version: str) -> tuple[int, int]:
    """(5, 5) for "5.5.0"; an unreadable version counts as the newest line."""
    parts = version.split(".")
    try:
        return int(parts[0]), int(parts[1])
    except (IndexError, ValueError):
        return (99, 0)


def broker_body(
    cluster: Cluster, node: Node, topology: Topology, expand_path: Callable[[str], str] = lambda p: p
) -> str:
    """The key=value lines of a generated broker (paths passed through `expand_path`, which
    turns a host path with `~` into the absolute path on that host)."""
    host_address = cluster.host(node.host).address
    store = expand_path(f"{cluster.user_home(node).rstrip('/')}/store")
    role = node.role or BrokerRole.ASYNC_MASTER
    # Only keys the release has: 4.x has no bindAddress (it binds 0.0.0.0) and no replica counts (a
    # SYNC_MASTER waits for its slave by itself); readUnCommitted came with 5.3.0.
    release = _major_minor(cluster.rocketmq.version)
    is_5x = release >= (5, 0)
    pairs: list[tuple[str, str]] = [
        ("brokerClusterName", cluster.name),
        ("brokerName", node.broker_name or ""),
        ("brokerId", str(node.broker_id)),
        ("brokerRole", role.value),
        ("flushDiskType", "SYNC_FLUSH" if topology.flush is Flush.SYNC else "ASYNC_FLUSH"),
        ("namesrvAddr", cluster.namesrv_addr()),
        ("listenPort", str(node.port)),
        ("brokerIP1", cluster.advertised_address(node)),
        ("brokerIP2", cluster.advertised_address(node)),
        *([("bindAddress", node.listen_address or host_address)] if is_5x else []),
        ("storePathRootDir", store),
        ("storePathCommitLog", f"{store}/commitlog"),
        ("deleteWhen", "04"),
        ("fileReservedTime", "48"),
    ]
    if node.controller_mode:
        pairs = _controller_mode(cluster, node, topology, pairs)
    if topology.slaves_per_master:
        # 5.x slaves refuse every pull (SYSTEM_BUSY "[REJECTREQUEST]") unless slaveReadEnable is
        # true, so without it nothing can be read while a master is down.
        pairs.append(("slaveReadEnable", "true"))
    if (
        is_5x
        and not node.controller_mode
        and node.is_master
        and topology.slaves_per_master
        and topology.replication is Replication.SYNC
    ):
        # 5.x acknowledges a SYNC_MASTER send without waiting for any slave while inSyncReplicas
        # is 1 (the default: CommitLog.handleHA returns PUT_OK for needAckNums <= 1), so the
        # official samples' brokerRole=SYNC_MASTER alone replicates asynchronously.
        replicas = str(1 + topology.slaves_per_master)
        pairs += [("totalReplicas", replicas), ("inSyncReplicas", replicas)]
    if release >= (5, 3) and node.is_slave:
        # A 5.x slave builds its consume queues only up to the master's confirm offset, which it
        # learns one replication round later; when the master dies, the last acknowledged
        # messages sit in the slave's commitlog unreadable.  readUnCommitted dispatches all the
        # slave has (what 4.x did), so SYNC_MASTER's promise holds: SEND_OK = readable from the slave.
        pairs.append(("readUnCommitted", "true"))
    # Extra keys: the topology's for every broker, then the node's own; a later value of a key
    # replaces an earlier one in place, new keys go at the end.
    index = {k: i for i, (k, _) in enumerate(pairs)}
    for key, value in (*topology.properties, *node.properties):
        if key in index:
            pairs[index[key]] = (key, value)
        else:
            index[key] = len(pairs)
            pairs.append((key, value))
    return "".join(f"{k}={v}\n" for k, v in pairs)


def _controller_mode(
    cluster: Cluster, node: Node, topology: Topology, pairs: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    """A broker whose role the controllers decide: as the official controller samples write it
    (brokerId=-1, brokerRole=SLAVE: the broker takes id and role from the controllers; the file's
    values only describe it before the first election), plus the controllers' addresses."""
    out = [(k, v) for k, v in pairs if k not in ("brokerId", "brokerRole")]
    at = next(i for i, (k, _) in enumerate(out) if k == "brokerName") + 1
    out[at:at] = [("brokerId", "-1"), ("brokerRole", "SLAVE")]
    out.append(("enableControllerMode", "true"))
    out.append(("controllerAddr", cluster.controller_addr()))
    if topology.slaves_per_master and topology.replication is Replication.SYNC:
        # SEND_OK only once every replica of the sync-state set has the message, so the replica the
        # controllers elect after a master dies holds every acknowledged message.
        out.append(("allAckInSyncStateSet", "true"))
    return out


def body_hash(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def broker_properties(
    cluster: Cluster, node: Node, topology: Topology, expand_path: Callable[[str], str] = lambda p: p
) -> str:
    """The whole generated file: a header naming its source and the hash of the body."""
    import posixpath

    body = broker_body(cluster, node, topology, expand_path)
    source = posixpath.basename(cluster.source)
    header = (
        f"# {node.name} of {source}: generated by rocketui from its topology ({topology.describe()}).\n"
        f"# Edit the cluster file and run `rocketui {source} generate` instead of this file:\n"
        "# generate refuses to overwrite a file whose body no longer matches this hash.\n"
        f"{HASH_PREFIX}{body_hash(body)}\n"
    )
    return header + body


class FileState(Enum):
    MISSING = "missing"  # no file yet
    SAME = "up to date"  # exactly what would be generated
    GENERATED = "generated earlier"  # untouched since rocketui wrote it: safe to replace
    EDITED = "edited by hand"  # has our header, but the body changed since
    FOREIGN = "not generated by rocketui"  # no header (hand-written, or rewritten by the broker)


def file_state(existing: str | None, generated: str) -> FileState:
    if existing is None:
        return FileState.MISSING
    if existing == generated:
        return FileState.SAME
    lines = existing.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.startswith(HASH_PREFIX):
            recorded = line[len(HASH_PREFIX) :].strip()
            return FileState.GENERATED if body_hash("".join(lines[i + 1 :])) == recorded else FileState.EDITED
    return FileState.FOREIGN
