"""Load and validate a cluster definition YAML into `rocketui.cluster` objects.

The YAML is composed into PyYAML nodes (not plain dicts) so every problem can be
reported as `file:line: what is wrong; what is expected`.  All problems of a file
are collected and reported together.  No host is contacted here.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode
from yaml.nodes import Node as YNode

from rocketui.cluster import (
    BackendKind,
    BrokerRole,
    Cluster,
    Host,
    JvmMemory,
    Node,
    NodeKind,
    Pos,
    RocketMQ,
)
from rocketui.rocketmq.layout import BROKER_DEFAULT_PORT, DEFAULT_VERSION, NAMESRV_DEFAULT_PORT

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
SIZE_RE = re.compile(r"^[1-9][0-9]*[kKmMgGtT]?$")
VERSION_RE = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+$")

TOP_KEYS = ("cluster", "rocketmq", "work_dir", "read_only", "hosts", "nodes", "defaults", "topology")
ROCKETMQ_KEYS = ("home", "version", "java_home")
HOST_KEYS = (
    "backend",
    "address",
    "port",
    "user",
    "identity_file",
    "known_hosts",
    "trust_on_first_use",
    "jump_host",
    "password_env",
    "connect_timeout",
    "rocketmq_home",
    "work_dir",
    "java_home",
)
NODE_KEYS = (
    "name",
    "kind",
    "host",
    "port",
    "jvm",
    "properties",
    "listen_address",
    "config",
    "broker_name",
    "broker_id",
    "role",
    "user_home",
)
JVM_KEYS = ("xms", "xmx", "xmn", "max_direct", "extra")
DEFAULTS_KEYS = ("jvm",)
BROKER_ONLY = ("config", "broker_name", "broker_id", "role")


@dataclass(frozen=True)
class Problem:
    pos: Pos
    message: str

    def __str__(self) -> str:
        return f"{self.pos}: {self.message}"


class ClusterFileError(Exception):
    """Every problem found in a cluster file, one per line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.pos.file, p.pos.line))
        super().__init__("\n".join(str(p) for p in self.problems))


class _Reader:
    """Typed access to YAML nodes that records problems instead of raising."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def pos(self, node: YNode) -> Pos:
        return Pos(self.file, node.start_mark.line + 1)

    def error(self, node: YNode | Pos, message: str) -> None:
        pos = node if isinstance(node, Pos) else self.pos(node)
        self.problems.append(Problem(pos, message))

    def mapping(self, node: YNode, where: str, allowed: tuple[str, ...]) -> dict[str, tuple[YNode, YNode]]:
        """Keys → (key node, value node); unknown and duplicate keys are problems."""
        if not isinstance(node, MappingNode):
            self.error(node, f"{where} must be a mapping (key: value lines), not {_kind(node)}")
            return {}
        out: dict[str, tuple[YNode, YNode]] = {}
        for knode, vnode in node.value:
            key = knode.value if isinstance(knode, ScalarNode) else None
            if not isinstance(key, str):
                self.error(knode, f"{where} has a non-text key; expected one of: {', '.join(allowed)}")
                continue
            if key not in allowed:
                hint = _close_match(key, allowed)
                self.error(
                    knode,
                    f"unknown key '{key}' in {where}"
                    + (f" (did you mean '{hint}'?)" if hint else "")
                    + f"; expected one of: {', '.join(allowed)}",
                )
                continue
            if key in out:
                self.error(knode, f"duplicate key '{key}' in {where} (first at line {self.pos(out[key][0]).line})")
                continue
            out[key] = (knode, vnode)
        return out

    def scalar(self, node: YNode, where: str, kind: str) -> Any:
        """kind: str | int | bool | float | optstr.  Returns None after recording a problem."""
        if not isinstance(node, ScalarNode):
            self.error(node, f"{where} must be {_expect(kind)}, not {_kind(node)}")
            return None
        tag = node.tag.rsplit(":", 1)[-1]
        if kind in ("str", "optstr"):
            if tag == "null":
                if kind == "optstr":
                    return None
                self.error(node, f"{where} is empty; expected {_expect(kind)}")
                return None
            if tag not in ("str",):
                self.error(node, f"{where} must be text, got {tag} {node.value!r}; quote it if it is meant as text")
                return None
            if node.value.strip() != node.value or not node.value:
                self.error(
                    node,
                    f"{where} {node.value!r} has leading/trailing whitespace or is empty; expected {_expect(kind)}",
                )
                return None
            return node.value
        if kind == "int":
            if tag != "int":
                self.error(node, f"{where} must be an integer, got {node.value!r}")
                return None
            return int(node.value, 0)
        if kind == "bool":
            if tag != "bool":
                self.error(node, f"{where} must be true or false, got {node.value!r}")
                return None
            return node.value.lower() in ("true", "yes", "on")
        if kind == "float":
            if tag not in ("int", "float"):
                self.error(node, f"{where} must be a number of seconds, got {node.value!r}")
                return None
            return float(node.value)
        raise AssertionError(kind)


def _kind(node: YNode) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    tag = node.tag.rsplit(":", 1)[-1]
    return "empty" if tag == "null" else f"{tag} {node.value!r}"


def _expect(kind: str) -> str:
    return {
        "str": "a non-empty text",
        "optstr": "a text",
        "int": "an integer",
        "bool": "true or false",
        "float": "a number",
    }[kind]


def _close_match(word: str, options: tuple[str, ...]) -> str | None:
    import difflib

    found = difflib.get_close_matches(word, options, n=1, cutoff=0.75)
    return found[0] if found else None


def load_cluster(path: str) -> Cluster:
    """Read, parse and validate a cluster file; raise ClusterFileError listing every problem."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        raise ClusterFileError([Problem(Pos(path, 0), "cluster file not found")]) from None
    except IsADirectoryError:
        raise ClusterFileError([Problem(Pos(path, 0), "is a directory; expected a cluster .yaml file")]) from None
    except UnicodeDecodeError as exc:
        raise ClusterFileError([Problem(Pos(path, 0), f"not UTF-8 text ({exc.reason} at byte {exc.start})")]) from None
    except OSError as exc:
        raise ClusterFileError([Problem(Pos(path, 0), f"cannot read: {exc.strerror}")]) from None
    return parse_cluster(text, path)


def parse_cluster(text: str, path: str) -> Cluster:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        raise ClusterFileError(
            [
                Problem(
                    Pos(path, line),
                    f"YAML syntax error: {exc.problem or exc}" + (f" ({exc.context})" if exc.context else ""),
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        raise ClusterFileError([Problem(Pos(path, 0), f"YAML error: {exc}")]) from None
    if root is None:
        raise ClusterFileError(
            [Problem(Pos(path, 1), "the file is empty; expected a mapping with keys: " + ", ".join(TOP_KEYS))]
        )
    return _Builder(path).build(root)


class _Builder:
    def __init__(self, path: str) -> None:
        self.path = path
        self.base_dir = os.path.dirname(os.path.abspath(path))
        self.r = _Reader(path)

    def build(self, root: YNode) -> Cluster:
        r = self.r
        top = r.mapping(root, "the cluster file", TOP_KEYS)
        if not top:
            raise ClusterFileError(r.problems)
        name = self._required(top, "cluster", root, "the cluster file", "str")
        if name is not None and not NAME_RE.match(name):
            r.error(top["cluster"][1], f"cluster name {name!r} is not valid; expected letters, digits, '-', '_' or '.'")
        rocketmq = self._rocketmq(top, root)
        work_dir = self._required(top, "work_dir", root, "the cluster file", "str")
        read_only = r.scalar(top["read_only"][1], "read_only", "bool") if "read_only" in top else False
        default_jvm = JvmMemory()
        if "defaults" in top:
            d = r.mapping(top["defaults"][1], "defaults", DEFAULTS_KEYS)
            if "jvm" in d:
                default_jvm = self._jvm(d["jvm"][1], "defaults.jvm", JvmMemory())
        hosts = self._hosts(top, root)
        topology = None
        items = top["nodes"][1].value if "nodes" in top and isinstance(top["nodes"][1], SequenceNode) else []
        if "topology" in top:  # generated nodes (overridden by same-named items) come first
            from rocketui.topology_loader import topology_items

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
        )
        from rocketui.cluster_checks import check_cluster

        problems, warnings = check_cluster(cluster)
        if problems:
            raise ClusterFileError(problems)
        return Cluster(**{**cluster.__dict__, "warnings": tuple(warnings)})

    def _required(self, m: dict[str, tuple[YNode, YNode]], key: str, parent: YNode, where: str, kind: str) -> Any:
        if key not in m:
            self.r.error(parent, f"{where} is missing required key '{key}'")
            return None
        return self.r.scalar(m[key][1], key if where == "the cluster file" else f"{where}.{key}", kind)

    def _local_path(self, value: str) -> str:
        """Relative paths of local hosts are relative to the cluster file, like an include."""
        if value.startswith("~") or os.path.isabs(value):
            return value
        return os.path.normpath(os.path.join(self.base_dir, value))

    def _rocketmq(self, top: dict[str, tuple[YNode, YNode]], root: YNode) -> RocketMQ:
        if "rocketmq" not in top:
            self.r.error(root, "the cluster file is missing required key 'rocketmq' (with 'home' and 'version')")
            return RocketMQ("", DEFAULT_VERSION)
        node = top["rocketmq"][1]
        m = self.r.mapping(node, "rocketmq", ROCKETMQ_KEYS)
        home = self._required(m, "home", node, "rocketmq", "str") if m else None
        version = DEFAULT_VERSION
        if "version" in m:
            vnode = m["version"][1]
            v = vnode.value if isinstance(vnode, ScalarNode) else None
            if not isinstance(v, str) or not VERSION_RE.match(v):
                self.r.error(vnode, f"rocketmq.version must look like 5.5.1 (quote it), got {_kind(vnode)}")
            elif not v.startswith(("4.", "5.")):
                self.r.error(vnode, f"rocketmq.version {v} is not supported; expected 4.x or 5.x")
            else:
                version = v
        java_home = self.r.scalar(m["java_home"][1], "rocketmq.java_home", "optstr") if "java_home" in m else None
        return RocketMQ(
            self._local_path(home) if home else "", version, self._local_path(java_home) if java_home else None
        )

    def _hosts(self, top: dict[str, tuple[YNode, YNode]], root: YNode) -> list[Host]:
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
                continue
            if hname in seen:
                r.error(knode, f"duplicate host '{hname}' (first at line {seen[hname]})")
                continue
            seen[hname] = r.pos(knode).line
            where = f"host '{hname}'"
            m = r.mapping(vnode, where, HOST_KEYS)
            if not isinstance(vnode, MappingNode):
                continue
            backend_s = self._required(m, "backend", vnode, where, "str")
            backend = None
            if backend_s is not None:
                try:
                    backend = BackendKind(backend_s)
                except ValueError:
                    r.error(m["backend"][1], f"{where}.backend is {backend_s!r}; expected local or ssh")
            address = self._required(m, "address", vnode, where, "str")
            opts: dict[str, Any] = {}
            for key, kind in (
                ("port", "int"),
                ("user", "optstr"),
                ("identity_file", "optstr"),
                ("known_hosts", "optstr"),
                ("trust_on_first_use", "bool"),
                ("jump_host", "optstr"),
                ("password_env", "optstr"),
                ("connect_timeout", "float"),
                ("rocketmq_home", "optstr"),
                ("work_dir", "optstr"),
                ("java_home", "optstr"),
            ):
                if key in m:
                    value = r.scalar(m[key][1], f"{where}.{key}", kind)
                    if value is not None:
                        opts[key] = value
            if "port" in opts and not 1 <= opts["port"] <= 65535:
                r.error(m["port"][1], f"{where}.port {opts['port']} is out of range; expected 1-65535")
            if backend is BackendKind.LOCAL:
                for key in ("user", "identity_file", "known_hosts", "jump_host", "password_env", "trust_on_first_use"):
                    if key in m:
                        r.error(m[key][0], f"{where}.{key} applies only to ssh hosts; this host has backend: local")
                for key in ("rocketmq_home", "work_dir", "java_home"):
                    if key in opts:
                        opts[key] = self._local_path(opts[key])
            if backend is BackendKind.SSH and address and not opts.get("user"):
                r.error(vnode, f"{where} uses backend ssh but has no 'user'")
            if backend is not None and address is not None:
                hosts.append(Host(name=hname, backend=backend, address=address, pos=r.pos(knode), **opts))
        names = {h.name for h in hosts}
        for h in hosts:
            if h.jump_host and h.jump_host not in names:
                r.error(
                    h.pos,
                    f"host '{h.name}' has jump_host '{h.jump_host}' which is not a host of this file; "
                    f"expected one of: {', '.join(sorted(names))}",
                )
            if h.jump_host == h.name:
                r.error(h.pos, f"host '{h.name}' cannot be its own jump_host")
        return hosts

    def _jvm(self, node: YNode, where: str, base: JvmMemory) -> JvmMemory:
        r = self.r
        m = r.mapping(node, where, JVM_KEYS)
        values: dict[str, Any] = dict(base.__dict__)
        for key in ("xms", "xmx", "xmn", "max_direct"):
            if key in m:
                vnode = m[key][1]
                raw = vnode.value if isinstance(vnode, ScalarNode) else None
                if not isinstance(raw, str) or not SIZE_RE.match(raw):
                    r.error(vnode, f"{where}.{key} is {_kind(vnode)}; expected a JVM size like 256m, 1g or 524288k")
                    continue
                values[key] = raw
        if "extra" in m:
            enode = m["extra"][1]
            if not isinstance(enode, SequenceNode):
                r.error(enode, f"{where}.extra must be a list of JVM options like ['-XX:+UseG1GC']")
            else:
                extra = []
                for item in enode.value:
                    s = r.scalar(item, f"{where}.extra item", "str")
                    if s is not None and not s.startswith("-"):
                        r.error(item, f"{where}.extra item {s!r} is not a JVM option; expected it to start with '-'")
                    elif s is not None:
                        extra.append(s)
                values["extra"] = tuple(extra)
        mem = JvmMemory(**values)
        _check_sizes(mem, lambda msg: r.error(node, f"{where}: {msg}"))
        return mem

    def _nodes(
        self,
        top: dict[str, tuple[YNode, YNode]],
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
        host_by_name = {h.name: h for h in hosts}
        nodes: list[Node] = []
        for item in items:
            m = r.mapping(item, "a node", NODE_KEYS)
            if not isinstance(item, MappingNode):
                continue
            name = self._required(m, "name", item, "a node", "str")
            if name is not None and not NAME_RE.match(name):
                r.error(m["name"][1], f"node name {name!r} is not valid; expected letters, digits, '-', '_' or '.'")
                name = None
            where = f"node '{name}'" if name else "a node"
            kind_s = self._required(m, "kind", item, where, "str")
            kind = None
            if kind_s is not None:
                try:
                    kind = NodeKind(kind_s)
                except ValueError:
                    r.error(m["kind"][1], f"{where}.kind is {kind_s!r}; expected namesrv or broker")
            host = self._required(m, "host", item, where, "str")
            if host is not None and host not in host_by_name and hosts:
                r.error(
                    m["host"][1],
                    f"{where}.host '{host}' is not defined under hosts; expected one of: "
                    + ", ".join(sorted(host_by_name)),
                )
                host = None
            port = NAMESRV_DEFAULT_PORT if kind is NodeKind.NAMESRV else BROKER_DEFAULT_PORT
            if "port" in m:
                p = r.scalar(m["port"][1], f"{where}.port", "int")
                if p is not None and not 1 <= p <= 65535:
                    r.error(m["port"][1], f"{where}.port {p} is out of range; expected 1-65535")
                elif p is not None:
                    port = p
            if kind is NodeKind.BROKER and port is not None and port < 3:
                r.error(m["port"][1], f"{where}.port {port} leaves no room for the fast port (port-2)")
            if kind is NodeKind.NAMESRV:
                for key in BROKER_ONLY:
                    if key in m:
                        r.error(m[key][0], f"{where}.{key} applies only to brokers; this node is a namesrv")
            jvm = self._jvm(m["jvm"][1], f"{where}.jvm", default_jvm) if "jvm" in m else default_jvm
            props: list[tuple[str, str]] = []
            if "properties" in m:
                pnode = m["properties"][1]
                if not isinstance(pnode, MappingNode):
                    r.error(pnode, f"{where}.properties must be a mapping of RocketMQ keys to values")
                else:
                    for pk, pv in pnode.value:
                        if not isinstance(pv, ScalarNode) or pv.tag.endswith(":null"):
                            r.error(pv, f"{where}.properties.{pk.value} must be a single value")
                            continue
                        props.append((str(pk.value), str(pv.value)))
            listen = (
                r.scalar(m["listen_address"][1], f"{where}.listen_address", "str") if "listen_address" in m else None
            )
            host_obj = host_by_name.get(host) if host else None
            is_local = host_obj is not None and host_obj.backend is BackendKind.LOCAL
            config = None
            broker_name = None
            broker_id = 0
            role = None
            user_home = None
            if "user_home" in m:
                user_home = r.scalar(m["user_home"][1], f"{where}.user_home", "str")
                if user_home and is_local:
                    user_home = self._local_path(user_home)
            if kind is NodeKind.BROKER:
                config = self._required(m, "config", item, where, "str")
                if config and is_local:
                    config = self._local_path(config)
                broker_name = self._required(m, "broker_name", item, where, "str")
                if "broker_id" in m:
                    bid = r.scalar(m["broker_id"][1], f"{where}.broker_id", "int")
                    if bid is not None and bid < 0:
                        r.error(
                            m["broker_id"][1],
                            f"{where}.broker_id {bid} is negative; expected 0 (master) or >= 1 (slave)",
                        )
                    elif bid is not None:
                        broker_id = bid
                if "role" in m:
                    role_s = r.scalar(m["role"][1], f"{where}.role", "str")
                    if role_s is not None:
                        try:
                            role = BrokerRole(role_s)
                        except ValueError:
                            r.error(
                                m["role"][1], f"{where}.role is {role_s!r}; expected ASYNC_MASTER, SYNC_MASTER or SLAVE"
                            )
                if role is None:
                    role = BrokerRole.SLAVE if broker_id > 0 else BrokerRole.ASYNC_MASTER
                elif role is BrokerRole.SLAVE and broker_id == 0:
                    r.error(m["role"][1], f"{where}.role is SLAVE but broker_id is 0; a slave needs broker_id >= 1")
                elif role is not BrokerRole.SLAVE and broker_id > 0:
                    r.error(
                        m["role"][1],
                        f"{where}.role is {role.value} but broker_id is {broker_id}; "
                        f"masters have broker_id 0 (use role: SLAVE)",
                    )
            if name and kind and host and port is not None:
                nodes.append(
                    Node(
                        name=name,
                        kind=kind,
                        host=host,
                        port=port,
                        pos=r.pos(item),
                        jvm=jvm,
                        properties=tuple(props),
                        listen_address=listen,
                        config=config,
                        broker_name=broker_name,
                        broker_id=broker_id,
                        role=role,
                        user_home=user_home,
                    )
                )
        return nodes


_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def jvm_size_bytes(size: str) -> int:
    unit = size[-1].lower() if size[-1].isalpha() else ""
    return int(size[:-1] if unit else size) * _UNITS[unit]


def _check_sizes(mem: JvmMemory, report: Callable[[str], None]) -> None:
    if mem.xms and mem.xmx and jvm_size_bytes(mem.xms) > jvm_size_bytes(mem.xmx):
        report(f"xms {mem.xms} is larger than xmx {mem.xmx}; the JVM refuses to start")
    if mem.xmn and mem.xmx and jvm_size_bytes(mem.xmn) >= jvm_size_bytes(mem.xmx):
        report(f"xmn {mem.xmn} must be smaller than xmx {mem.xmx}")
