"""Load and validate a cluster definition YAML into `rocketui.model.cluster` objects.

Every problem of a file is reported together as `file:line: what is wrong; what is expected`
(see `yaml_reader`).  Host and node keys are read from tables (`HOST_FIELDS`, `NODE_FIELDS`):
a key's type, which node kinds it applies to and whether it is a path are data, and the code
walks the table.  Cross-node rules live in `checks`, the `topology:` section in
`topology_loader`.  No host is contacted here.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from yaml.nodes import MappingNode, ScalarNode, SequenceNode
from yaml.nodes import Node as YNode

from rocketui.model.checks import check_cluster
from rocketui.model.cluster import (
    BROKER_DEFAULT_PORT,
    CONTROLLER_DEFAULT_PORT,
    DEFAULT_VERSION,
    GRPC_DEFAULT_PORT,
    NAMESRV_DEFAULT_PORT,
    PROXY_DEFAULT_PORT,
    BackendKind,
    BrokerRole,
    Cluster,
    Host,
    JvmMemory,
    Node,
    NodeKind,
    ProxyMode,
    RocketMQ,
)
from rocketui.model.paths import home_user_problem, path_problem
from rocketui.model.topology_loader import topology_items
from rocketui.model.yaml_reader import (
    ClusterFileError,
    Mapping,
    Problem,
    YamlReader,
    compose,
    describe,
    fail,
)

__all__ = ["ClusterFileError", "Problem", "SIZE_RE", "jvm_size_bytes", "load_cluster", "parse_cluster"]

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
SIZE_RE = re.compile(r"^[1-9][0-9]*[kKmMgGtT]?$")
VERSION_RE = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+$")

TOP_KEYS = ("cluster", "rocketmq", "work_dir", "read_only", "hosts", "nodes", "defaults", "topology", "copy_to")
ROCKETMQ_KEYS = ("home", "version", "java_home")
JVM_KEYS = ("xms", "xmx", "xmn", "max_direct", "extra")
DEFAULTS_KEYS = ("jvm",)
SSH_ONLY = ("user", "identity_file", "known_hosts", "jump_host", "password_env", "trust_on_first_use")


@dataclass(frozen=True)
class Field:
    """One optional key of a host or node: its YAML type, and whether it is a path (checked for
    characters the launchers would split, and relative to the cluster file on local hosts)."""

    key: str
    kind: str  # a YamlReader scalar kind
    path: bool = False


HOST_FIELDS = (
    Field("port", "int"),
    Field("user", "optstr"),
    Field("identity_file", "optstr"),
    Field("known_hosts", "optstr"),
    Field("trust_on_first_use", "bool"),
    Field("jump_host", "optstr"),
    Field("password_env", "optstr"),
    Field("connect_timeout", "float"),
    Field("rocketmq_home", "optstr", path=True),
    Field("work_dir", "optstr", path=True),
    Field("java_home", "optstr", path=True),
)
HOST_KEYS = ("backend", "address", *(f.key for f in HOST_FIELDS))

# Node keys and the kinds they apply to (None: every kind).
_BROKER = frozenset({NodeKind.BROKER})
NODE_KINDS: dict[str, frozenset[NodeKind] | None] = {
    "name": None,
    "kind": None,
    "host": None,
    "port": None,
    "jvm": None,
    "properties": None,
    "listen_address": None,
    "config": _BROKER,
    "broker_name": _BROKER,
    "broker_id": _BROKER,
    "role": _BROKER,
    "controller_mode": _BROKER,
    "proxy": _BROKER,
    "proxy_port": _BROKER,
    "grpc_port": frozenset({NodeKind.BROKER, NodeKind.PROXY}),
    "controller_port": frozenset({NodeKind.NAMESRV}),
    "user_home": None,
}
NODE_KEYS = tuple(NODE_KINDS)
DEFAULT_PORT = {
    NodeKind.NAMESRV: NAMESRV_DEFAULT_PORT,
    NodeKind.BROKER: BROKER_DEFAULT_PORT,
    NodeKind.PROXY: PROXY_DEFAULT_PORT,
    NodeKind.CONTROLLER: CONTROLLER_DEFAULT_PORT,
}


def _plural(kinds: frozenset[NodeKind]) -> str:
    names = [f"{k.value}s" if k is not NodeKind.PROXY else "proxies" for k in NodeKind if k in kinds]
    return " and ".join(names)


def load_cluster(path: str) -> Cluster:
    """Read, parse and validate a cluster file; raise ClusterFileError listing every problem."""
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_READ + 1)
    except FileNotFoundError:
        raise fail(path, 0, "cluster file not found") from None
    except IsADirectoryError:
        raise fail(path, 0, "is a directory; expected a cluster .yaml file") from None
    except OSError as exc:
        raise fail(path, 0, f"cannot read: {exc.strerror}") from None
    if len(raw) > MAX_READ:
        size = os.path.getsize(path)
        raise fail(path, 0, f"the file is {size / 1048576:.1f} MiB; a cluster file is expected to be under 2 MiB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise fail(path, 0, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return parse_cluster(text, path)


MAX_READ = 2 * 1024 * 1024  # see yaml_reader.MAX_FILE_BYTES


def parse_cluster(text: str, path: str) -> Cluster:
    root = compose(text, path)
    if root is None:
        raise fail(path, 1, "the file is empty; expected a mapping with keys: " + ", ".join(TOP_KEYS))
    return _Builder(path).build(root)


class _Builder:
    def __init__(self, path: str) -> None:
        self.path = path
        self.base_dir = os.path.dirname(os.path.abspath(path))
        self.r = YamlReader(path)
        # cluster-wide paths (work_dir, rocketmq.home …): looked up locally once a local host is known
        self._shared_paths: list[tuple[YNode, str, str]] = []

    def build(self, root: YNode) -> Cluster:
        r = self.r
        top = r.mapping(root, "the cluster file", TOP_KEYS)
        if not top:
            raise ClusterFileError(r.problems)
        name = r.required(top, "cluster", root, "the cluster file", "str")
        if name is not None and not NAME_RE.match(name):
            r.error(top["cluster"][1], f"cluster name {name!r} is not valid; expected letters, digits, '-', '_' or '.'")
        rocketmq = self._rocketmq(top, root)
        work_dir = r.required(top, "work_dir", root, "the cluster file", "str")
        if work_dir is not None and self._check_path(top["work_dir"][1], "work_dir", work_dir):
            self._shared_paths.append((top["work_dir"][1], "work_dir", work_dir))
        read_only = r.scalar(top["read_only"][1], "read_only", "bool") if "read_only" in top else False
        copy_to = r.scalar(top["copy_to"][1], "copy_to", "str") if "copy_to" in top else None
        if copy_to is not None and not self._check_path(top["copy_to"][1], "copy_to", copy_to, local=True):
            copy_to = None
        default_jvm = self._defaults(top)
        hosts = self._hosts(top, root)
        if any(h.backend is BackendKind.LOCAL for h in hosts):  # the cluster-wide paths are used here too
            for node, where, value in self._shared_paths:
                self._check_home_user(node, where, value)
        topology = None
        nodes_value = top["nodes"][1] if "nodes" in top else None
        items = nodes_value.value if isinstance(nodes_value, SequenceNode) else []
        if "topology" in top:  # generated nodes (overridden by same-named items) come first
            topology, items = topology_items(r, *top["topology"], hosts, work_dir, self._jvm, default_jvm, items)
        nodes = self._nodes(top, root, hosts, default_jvm, items, with_topology="topology" in top)
        if r.problems:
            raise ClusterFileError(r.problems)
        local_hosts = {h.name for h in hosts if h.backend is BackendKind.LOCAL}
        cluster = Cluster(
            name=name,
            source=self.path,
            rocketmq=rocketmq,
            work_dir=self._local_path(work_dir) if local_hosts and work_dir else work_dir,
            hosts=tuple(hosts),
            nodes=tuple(nodes),
            read_only=bool(read_only),
            topology=topology,
            copy_to=copy_to,
        )
        problems, warnings = check_cluster(cluster)
        if problems:
            raise ClusterFileError(problems)
        return dataclasses.replace(cluster, warnings=tuple(warnings))

    # ------------------------------------------------------------------ small helpers
    def _local_path(self, value: str) -> str:
        """Relative paths of local hosts are relative to the cluster file, like an include."""
        if value.startswith("~") or os.path.isabs(value):
            return value
        return os.path.normpath(os.path.join(self.base_dir, value))

    def _check_path(self, node: YNode, where: str, value: str, *, local: bool = False) -> bool:
        """A path's characters; with `local` (used on this machine) also its `~user`."""
        problem = path_problem(value)
        if problem:
            self.r.error(node, f"{where} {value!r} {problem}")
            return False
        return self._check_home_user(node, where, value) if local else True

    def _check_home_user(self, node: YNode, where: str, value: str) -> bool:
        problem = home_user_problem(value)
        if problem:
            self.r.error(node, f"{where} {value!r} {problem}")
        return problem is None

    def _defaults(self, top: Mapping) -> JvmMemory:
        if "defaults" not in top:
            return JvmMemory()
        d = self.r.mapping(top["defaults"][1], "defaults", DEFAULTS_KEYS)
        return self._jvm(d["jvm"][1], "defaults.jvm", JvmMemory()) if "jvm" in d else JvmMemory()

    # ------------------------------------------------------------------ rocketmq:
    def _rocketmq(self, top: Mapping, root: YNode) -> RocketMQ:
        r = self.r
        if "rocketmq" not in top:
            r.error(root, "the cluster file is missing required key 'rocketmq' (with 'home' and 'version')")
            return RocketMQ("", DEFAULT_VERSION)
        node = top["rocketmq"][1]
        m = r.mapping(node, "rocketmq", ROCKETMQ_KEYS)
        home = r.required(m, "home", node, "rocketmq", "str") if m else None
        if home is not None and not self._check_path(m["home"][1], "rocketmq.home", home):
            home = None
        elif home is not None:
            self._shared_paths.append((m["home"][1], "rocketmq.home", home))
        version = self._version(m["version"][1]) if "version" in m else DEFAULT_VERSION
        java_home = r.optional(m, "java_home", "rocketmq", "optstr")
        if java_home is not None and not self._check_path(m["java_home"][1], "rocketmq.java_home", java_home):
            java_home = None
        elif java_home is not None:
            self._shared_paths.append((m["java_home"][1], "rocketmq.java_home", java_home))
        return RocketMQ(
            self._local_path(home) if home else "", version, self._local_path(java_home) if java_home else None
        )

    def _version(self, vnode: YNode) -> str:
        v = vnode.value if isinstance(vnode, ScalarNode) else None
        if not isinstance(v, str) or not VERSION_RE.match(v):
            self.r.error(vnode, f"rocketmq.version must look like 5.5.1 (quote it), got {describe(vnode)}")
        elif not v.startswith(("4.", "5.")):
            self.r.error(vnode, f"rocketmq.version {v} is not supported; expected 4.x or 5.x")
        else:
            return v
        return DEFAULT_VERSION

    # ------------------------------------------------------------------ hosts:
    def _hosts(self, top: Mapping, root: YNode) -> list[Host]:
        r = self.r
        if "hosts" not in top:
            r.error(root, "the cluster file is missing required key 'hosts' (a mapping of host name to settings)")
            return []
        hnode = top["hosts"][1]
        if not isinstance(hnode, MappingNode) or not hnode.value:
            r.error(hnode, "hosts must be a non-empty mapping of host name → {backend, address, ...}")
            return []
        hosts: list[Host] = []
        seen: dict[str, int] = {}
        for knode, vnode in hnode.value:
            hname = knode.value if isinstance(knode, ScalarNode) else ""
            if not isinstance(hname, str) or not NAME_RE.match(hname):
                r.error(knode, f"host name {hname!r} is not valid; expected letters, digits, '-', '_' or '.'")
            elif hname in seen:
                r.error(knode, f"duplicate host '{hname}' (first at line {seen[hname]})")
            else:
                seen[hname] = r.pos(knode).line
                host = self._host(hname, knode, vnode)
                if host is not None:
                    hosts.append(host)
        self._check_jump_hosts(hosts)
        return hosts

    def _host(self, hname: str, knode: YNode, vnode: YNode) -> Host | None:
        r = self.r
        where = f"host '{hname}'"
        m = r.mapping(vnode, where, HOST_KEYS)
        if not isinstance(vnode, MappingNode):
            return None
        backend = self._backend(m, vnode, where)
        address = r.required(m, "address", vnode, where, "str")
        opts: dict[str, Any] = {}
        for spec in HOST_FIELDS:
            value = r.optional(m, spec.key, where, spec.kind)
            if value is not None and (not spec.path or self._check_path(m[spec.key][1], f"{where}.{spec.key}", value)):
                opts[spec.key] = value
        if "port" in opts and not 1 <= opts["port"] <= 65535:
            r.error(m["port"][1], f"{where}.port {opts['port']} is out of range; expected 1-65535")
        if backend is BackendKind.LOCAL:
            for key in SSH_ONLY:
                if key in m:
                    r.error(m[key][0], f"{where}.{key} applies only to ssh hosts; this host has backend: local")
            for spec in HOST_FIELDS:
                if spec.path and spec.key in opts:
                    self._check_home_user(m[spec.key][1], f"{where}.{spec.key}", opts[spec.key])
                    opts[spec.key] = self._local_path(opts[spec.key])
        if backend is BackendKind.SSH and address and not opts.get("user"):
            r.error(vnode, f"{where} uses backend ssh but has no 'user'")
        if backend is None or address is None:
            return None
        return Host(name=hname, backend=backend, address=address, pos=r.pos(knode), **opts)

    def _backend(self, m: Mapping, vnode: YNode, where: str) -> BackendKind | None:
        text = self.r.required(m, "backend", vnode, where, "str")
        if text is None:
            return None
        try:
            return BackendKind(text)
        except ValueError:
            self.r.error(m["backend"][1], f"{where}.backend is {text!r}; expected local or ssh")
            return None

    def _check_jump_hosts(self, hosts: list[Host]) -> None:
        names = {h.name for h in hosts}
        for h in hosts:
            if h.jump_host and h.jump_host not in names:
                self.r.error(
                    h.pos,
                    f"host '{h.name}' has jump_host '{h.jump_host}' which is not a host of this file; "
                    f"expected one of: {', '.join(sorted(names))}",
                )
            if h.jump_host == h.name:
                self.r.error(h.pos, f"host '{h.name}' cannot be its own jump_host")

    # ------------------------------------------------------------------ jvm:
    def _jvm(self, node: YNode, where: str, base: JvmMemory) -> JvmMemory:
        r = self.r
        m = r.mapping(node, where, JVM_KEYS)
        values: dict[str, Any] = dict(base.__dict__)
        for key in ("xms", "xmx", "xmn", "max_direct"):
            if key in m:
                vnode = m[key][1]
                raw = vnode.value if isinstance(vnode, ScalarNode) else None
                if not isinstance(raw, str) or not SIZE_RE.match(raw):
                    r.error(vnode, f"{where}.{key} is {describe(vnode)}; expected a JVM size like 256m, 1g or 524288k")
                    continue
                values[key] = raw
        if "extra" in m:
            values["extra"] = self._jvm_extra(m["extra"][1], where)
        mem = JvmMemory(**values)
        _check_sizes(mem, lambda msg: r.error(node, f"{where}: {msg}"))
        return mem

    def _jvm_extra(self, enode: YNode, where: str) -> tuple[str, ...]:
        r = self.r
        if not isinstance(enode, SequenceNode):
            r.error(enode, f"{where}.extra must be a list of JVM options like ['-XX:+UseG1GC']")
            return ()
        extra = []
        for item in enode.value:
            s = r.scalar(item, f"{where}.extra item", "str")
            if s is None:
                continue
            if not s.startswith("-"):
                r.error(item, f"{where}.extra item {s!r} is not a JVM option; expected it to start with '-'")
            elif any(ch.isspace() or not ch.isprintable() for ch in s):
                r.error(
                    item,
                    f"{where}.extra item {s!r} contains whitespace or a control character; the launchers split "
                    "JAVA_OPT_EXT on whitespace, so give each option as its own list item",
                )
            else:
                extra.append(s)
        return tuple(extra)

    # ------------------------------------------------------------------ nodes:
    def _nodes(
        self,
        top: Mapping,
        root: YNode,
        hosts: list[Host],
        default_jvm: JvmMemory,
        items: list[YNode],
        *,
        with_topology: bool = False,
    ) -> list[Node]:
        r = self.r
        if "nodes" not in top and not with_topology:
            r.error(root, "the cluster file is missing required key 'nodes' (a list of namesrv and broker nodes)")
            return []
        nnode = top["nodes"][1] if "nodes" in top else None
        if nnode is not None and (not isinstance(nnode, SequenceNode) or not (nnode.value or with_topology)):
            r.error(nnode, "nodes must be a non-empty list; each item has at least name, kind and host")
            return []
        reader = _NodeReader(self, {h.name: h for h in hosts}, default_jvm)
        nodes = [reader.read(item) for item in items]
        return [n for n in nodes if n is not None]


class _NodeReader:
    """One node item → Node (or None after recording its problems)."""

    def __init__(self, builder: _Builder, hosts: dict[str, Host], default_jvm: JvmMemory) -> None:
        self.b = builder
        self.r = builder.r
        self.hosts = hosts
        self.default_jvm = default_jvm

    def read(self, item: YNode) -> Node | None:
        r = self.r
        m = r.mapping(item, "a node", NODE_KEYS)
        if not isinstance(item, MappingNode):
            return None
        name = self._name(m, item)
        where = f"node '{name}'" if name else "a node"
        kind = self._kind(m, item, where)
        host = self._host(m, item, where)
        port = self._port(m, where, kind)
        if kind is not None:
            for key, kinds in NODE_KINDS.items():
                if kinds is not None and kind not in kinds and key in m:
                    r.error(m[key][0], f"{where}.{key} applies only to {_plural(kinds)}; this node is a {kind.value}")
        jvm = self.b._jvm(m["jvm"][1], f"{where}.jvm", self.default_jvm) if "jvm" in m else self.default_jvm
        props = self._properties(m, where)
        listen = r.optional(m, "listen_address", where, "str")
        host_obj = self.hosts.get(host) if host else None
        is_local = host_obj is not None and host_obj.backend is BackendKind.LOCAL
        user_home = self._path(m, "user_home", where, is_local)
        broker: dict[str, Any] = self._broker(m, item, where, is_local) if kind is NodeKind.BROKER else {}
        extra = self._proxy_and_controller(m, where, kind)
        if not (name and kind and host and port is not None):
            return None
        return Node(
            name=name,
            kind=kind,
            host=host,
            port=port,
            pos=r.pos(item),
            jvm=jvm,
            properties=tuple(props),
            listen_address=listen,
            user_home=user_home,
            **broker,
            **extra,
        )

    def _name(self, m: Mapping, item: YNode) -> str | None:
        name = self.r.required(m, "name", item, "a node", "str")
        if name is not None and not NAME_RE.match(name):
            self.r.error(m["name"][1], f"node name {name!r} is not valid; expected letters, digits, '-', '_' or '.'")
            return None
        return name if isinstance(name, str) else None

    def _kind(self, m: Mapping, item: YNode, where: str) -> NodeKind | None:
        text = self.r.required(m, "kind", item, where, "str")
        if text is None:
            return None
        try:
            return NodeKind(text)
        except ValueError:
            names = [k.value for k in DEFAULT_PORT]
            self.r.error(m["kind"][1], f"{where}.kind is {text!r}; expected {', '.join(names[:-1])} or {names[-1]}")
            return None

    def _host(self, m: Mapping, item: YNode, where: str) -> str | None:
        host = self.r.required(m, "host", item, where, "str")
        if host is not None and host not in self.hosts and self.hosts:
            self.r.error(
                m["host"][1],
                f"{where}.host '{host}' is not defined under hosts; expected one of: " + ", ".join(sorted(self.hosts)),
            )
            return None
        return host if isinstance(host, str) else None

    def _port(self, m: Mapping, where: str, kind: NodeKind | None) -> int | None:
        port = DEFAULT_PORT.get(kind, BROKER_DEFAULT_PORT) if kind else BROKER_DEFAULT_PORT
        if "port" in m:
            p = self._port_value(m, "port", where)
            if p is not None:
                port = p
        if kind is NodeKind.BROKER and port < 3:
            self.r.error(m["port"][1], f"{where}.port {port} leaves no room for the fast port (port-2)")
        return port

    def _port_value(self, m: Mapping, key: str, where: str) -> int | None:
        p = self.r.scalar(m[key][1], f"{where}.{key}", "int")
        if p is not None and not 1 <= p <= 65535:
            self.r.error(m[key][1], f"{where}.{key} {p} is out of range; expected 1-65535")
            return None
        return p

    def _proxy_and_controller(self, m: Mapping, where: str, kind: NodeKind | None) -> dict[str, Any]:
        """proxy / proxy_port / grpc_port (local-proxy brokers and proxy nodes), controller_port
        (namesrvs with an embedded controller), controller_mode (brokers)."""
        r = self.r
        out: dict[str, Any] = {}
        if kind is NodeKind.BROKER and "proxy" in m:
            text = r.scalar(m["proxy"][1], f"{where}.proxy", "str")
            if text == ProxyMode.LOCAL.value:
                out["proxy"] = ProxyMode.LOCAL
            elif text is not None:
                r.error(
                    m["proxy"][1],
                    f"{where}.proxy is {text!r}; expected local (a Cluster-mode proxy is a node of its own, "
                    "with kind: proxy)",
                )
        local_proxy = out.get("proxy") is ProxyMode.LOCAL
        if kind is NodeKind.BROKER and not local_proxy:
            for key in ("proxy_port", "grpc_port"):
                if key in m:
                    r.error(m[key][0], f"{where}.{key} applies only to a broker with proxy: local")
        if local_proxy or kind is NodeKind.PROXY:
            out["grpc_port"] = self._port_value(m, "grpc_port", where) if "grpc_port" in m else GRPC_DEFAULT_PORT
        if local_proxy:
            out["proxy_port"] = self._port_value(m, "proxy_port", where) if "proxy_port" in m else PROXY_DEFAULT_PORT
        if kind is NodeKind.NAMESRV and "controller_port" in m:
            out["controller_port"] = self._port_value(m, "controller_port", where)
        if kind is NodeKind.BROKER and "controller_mode" in m:
            out["controller_mode"] = bool(r.scalar(m["controller_mode"][1], f"{where}.controller_mode", "bool"))
        return out

    def _properties(self, m: Mapping, where: str) -> list[tuple[str, str]]:
        if "properties" not in m:
            return []
        pnode = m["properties"][1]
        if not isinstance(pnode, MappingNode):
            self.r.error(pnode, f"{where}.properties must be a mapping of RocketMQ keys to values")
            return []
        props: list[tuple[str, str]] = []
        for pk, pv in pnode.value:
            if not isinstance(pv, ScalarNode) or pv.tag.endswith(":null"):
                self.r.error(pv, f"{where}.properties.{pk.value} must be a single value")
            elif any(not ch.isprintable() for ch in str(pk.value) + str(pv.value)):
                self.r.error(pv, f"{where}.properties.{pk.value} contains a line break or control character")
            else:
                props.append((str(pk.value), str(pv.value)))
        return props

    def _path(self, m: Mapping, key: str, where: str, is_local: bool) -> str | None:
        value = self.r.optional(m, key, where, "str")
        if value is None or not self.b._check_path(m[key][1], f"{where}.{key}", value, local=is_local):
            return None
        return self.b._local_path(value) if is_local else str(value)

    def _broker(self, m: Mapping, item: YNode, where: str, is_local: bool) -> dict[str, Any]:
        r = self.r
        config = r.required(m, "config", item, where, "str")
        if config is not None and self.b._check_path(m["config"][1], f"{where}.config", config, local=is_local):
            config = self.b._local_path(config) if is_local else config
        else:
            config = None
        broker_name = r.required(m, "broker_name", item, where, "str")
        broker_id = 0
        bid = r.optional(m, "broker_id", where, "int")
        if bid is not None and bid < 0:
            r.error(m["broker_id"][1], f"{where}.broker_id {bid} is negative; expected 0 (master) or >= 1 (slave)")
        elif bid is not None:
            broker_id = bid
        role = self._role(m, where, broker_id)
        return {"config": config, "broker_name": broker_name, "broker_id": broker_id, "role": role}

    def _role(self, m: Mapping, where: str, broker_id: int) -> BrokerRole:
        r = self.r
        role = None
        text = r.optional(m, "role", where, "str")
        if text is not None:
            try:
                role = BrokerRole(text)
            except ValueError:
                r.error(m["role"][1], f"{where}.role is {text!r}; expected ASYNC_MASTER, SYNC_MASTER or SLAVE")
        if role is None:
            return BrokerRole.SLAVE if broker_id > 0 else BrokerRole.ASYNC_MASTER
        if role is BrokerRole.SLAVE and broker_id == 0:
            r.error(m["role"][1], f"{where}.role is SLAVE but broker_id is 0; a slave needs broker_id >= 1")
        elif role is not BrokerRole.SLAVE and broker_id > 0:
            r.error(
                m["role"][1],
                f"{where}.role is {role.value} but broker_id is {broker_id}; "
                "masters have broker_id 0 (use role: SLAVE)",
            )
        return role


_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def jvm_size_bytes(size: str) -> int:
    unit = size[-1].lower() if size[-1].isalpha() else ""
    return int(size[:-1] if unit else size) * _UNITS[unit]


def _check_sizes(mem: JvmMemory, report: Callable[[str], None]) -> None:
    if mem.xms and mem.xmx and jvm_size_bytes(mem.xms) > jvm_size_bytes(mem.xmx):
        report(f"xms {mem.xms} is larger than xmx {mem.xmx}; the JVM refuses to start")
    if mem.xmn and mem.xmx and jvm_size_bytes(mem.xmn) >= jvm_size_bytes(mem.xmx):
        report(f"xmn {mem.xmn} must be smaller than xmx {mem.xmx}")
