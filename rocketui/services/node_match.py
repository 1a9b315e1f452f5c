"""Which running JVM is which node (pure).

A node's JVM is recognised by its main class plus the config file it was given
(`-c`), which is unique per node; a namesrv started by hand without `-c` is
matched by the default port.  The session leader pid recorded at start is a
second, independent match.  Shell wrappers (`sh runbroker.sh ... BrokerStartup`)
are never matched because argv[0] must be `java`.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable

from rocketui.backends.base import ProcessInfo
from rocketui.model.cluster import Cluster, Node, NodeKind
from rocketui.rocketmq.layout import GENERATED_CONFIG, NAMESRV_DEFAULT_PORT, config_options, main_class, parse_java_argv


def namesrv_config_path(cluster: Cluster, node: Node) -> str:
    return f"{cluster.run_dir(node)}/{GENERATED_CONFIG[NodeKind.NAMESRV]}"


def node_config_path(cluster: Cluster, node: Node) -> str:
    """The config file a node's JVM is started with (`-c`; a proxy's `-pc`, a local-proxy
    broker's `-bc`): a broker's own properties file, else the one rocketui writes in its run dir."""
    if node.kind is NodeKind.BROKER:
        assert node.config
        return node.config
    return f"{cluster.run_dir(node)}/{GENERATED_CONFIG[node.kind]}"


def find_jvm(
    node: Node, config_path: str, processes: Iterable[ProcessInfo], *, leader: int | None = None
) -> ProcessInfo | None:
    """The JVM of `node` among `processes` (config_path already expanded on the host)."""
    want_main = main_class(node)
    options = config_options(node)
    want_cfg = posixpath.normpath(config_path)
    fallback: ProcessInfo | None = None
    for proc in processes:
        java = parse_java_argv(proc.argv)
        if java is None or java.main_class != want_main:
            continue
        cfg = java.option(*options)
        if cfg is not None and posixpath.normpath(cfg) == want_cfg:
            return proc
        if leader and proc.pgid == leader:
            return proc
        if cfg is None and node.kind is NodeKind.NAMESRV and node.port == NAMESRV_DEFAULT_PORT and fallback is None:
            fallback = proc
    return fallback
