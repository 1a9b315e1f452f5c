"""`rocketui init --topology 2m-2s-sync --hosts local=127.0.0.1 [--namesrvs 2] OUT.yaml`"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys

NAME = "init"
HELP = "write a new cluster file from a layout name (2m-noslave, 2m-2s-sync, 2m-2s-controller, local-proxy, …)"
NEEDS_CLUSTER = False

HOST_RE = re.compile(r"^(?P<name>[^=]+)=(?:(?P<user>[^@:]+)@)?(?P<address>[^@:]+)(?::(?P<port>[0-9]+))?$")
PLAIN_RE = re.compile(r"^[A-Za-z0-9_./~@-][A-Za-z0-9_./~@:-]*$")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from rocketui.rocketmq.layout import DEFAULT_VERSION

    parser.add_argument("out", metavar="OUT.yaml", help="the cluster file to write")
    parser.add_argument(
        "--topology",
        required=True,
        metavar="LAYOUT",
        help="Nm-noslave, Nm-Ks-sync|async, Nm-Ks-controller, local-proxy or cluster-proxy, like 2m-2s-sync",
    )
    parser.add_argument(
        "--hosts",
        action="append",
        default=[],
        metavar="NAME=ADDRESS",
        help="a host to spread brokers over (repeat, or comma-separate); NAME=ADDRESS is this "
        "machine, NAME=USER@ADDRESS[:PORT] an ssh host (default local=127.0.0.1)",
    )
    parser.add_argument(
        "--namesrvs",
        type=int,
        help="how many namesrvs (spread over the hosts; default 1, for Nm-Ks-controller 3 with a controller each)",
    )
    parser.add_argument("--cluster", default="DefaultCluster", help="brokerClusterName (default DefaultCluster)")
    parser.add_argument("--flush", choices=("async", "sync"), default="async", help="flushDiskType (default async)")
    parser.add_argument("--namesrv-port", type=int, default=9876, help="first namesrv port of each host")
    parser.add_argument("--broker-port", type=int, default=10911, help="first broker listenPort of each host")
    parser.add_argument("--port-step", type=int, default=10, help="distance between ports on one host (>= 3)")
    parser.add_argument("--heap", default="256m", help="broker heap (-Xms/-Xmx; default 256m)")
    parser.add_argument("--rocketmq-home", default=f"~/.local/share/rocketui/rocketmq-{DEFAULT_VERSION}")
    parser.add_argument("--version", default=DEFAULT_VERSION, help=f"RocketMQ version (default {DEFAULT_VERSION})")
    parser.add_argument(
        "--work-dir", help="per-node run dirs, logs and stores (default ~/.local/state/rocketui/<name>)"
    )
    parser.add_argument(
        "--config-dir",
        help="where generate writes broker properties (default: next to OUT for "
        "local hosts, each broker's run dir for ssh hosts)",
    )
    parser.add_argument("--force", action="store_true", help="overwrite OUT if it exists")


def _q(value: str) -> str:
    """A YAML scalar that reads back as this exact text."""
    return value if PLAIN_RE.match(value) and value not in ("true", "false", "null", "yes", "no") else json.dumps(value)


def _hosts(specs: list[str]) -> list[dict[str, str]]:
    out = []
    for spec in [s.strip() for arg in specs or ["local=127.0.0.1"] for s in arg.split(",") if s.strip()]:
        m = HOST_RE.match(spec)
        if not m:
            raise ValueError(f"--hosts {spec!r}: expected NAME=ADDRESS or NAME=USER@ADDRESS[:PORT]")
        out.append({k: v for k, v in m.groupdict().items() if v})
    return out


def render(args: argparse.Namespace, out: str) -> str:
    """The cluster file text (validated by the caller through the real loader)."""
    from rocketui.model.loader import SIZE_RE, jvm_size_bytes
    from rocketui.model.topology import ControllerPlacement, ProxyPlacement, layout_of

    layout = layout_of(args.topology)
    masters, slaves, replication = layout.masters, layout.slaves_per_master, layout.replication
    namesrvs = args.namesrvs if args.namesrvs is not None else (layout.namesrvs or 1)
    hosts = _hosts(args.hosts)
    stem = os.path.splitext(os.path.basename(out))[0]
    any_ssh = any("user" in h for h in hosts)
    work_dir = args.work_dir or f"~/.local/state/rocketui/{stem}"
    config_dir = args.config_dir or (None if any_ssh else stem)
    heap = args.heap
    if not SIZE_RE.match(heap):
        raise ValueError(f"--heap {heap!r}: expected a JVM size like 256m or 1g")
    half = jvm_size_bytes(heap) // 2  # young generation: half the heap, as in local.yaml
    xmn = f"{half // 1024**2}m" if half % 1024**2 == 0 else f"{half // 1024}k"
    lines = [
        f"# {args.topology} written by `rocketui init`.  Format: docs/cluster-format.md (Topology).",
        f"# Next: rocketui {out} generate   (writes the broker properties files)",
        f"#       rocketui {out} start --all",
        f"cluster: {_q(args.cluster)}",
        "rocketmq:",
        f"  home: {_q(args.rocketmq_home)}",
        f"  version: {json.dumps(args.version)}",
        f"work_dir: {_q(work_dir)}",
        "hosts:",
    ]
    for h in hosts:
        lines.append(f"  {_q(h['name'])}:")
        lines.append(f"    backend: {'ssh' if 'user' in h else 'local'}")
        lines.append(f"    address: {_q(h['address'])}")
        if "user" in h:
            lines.append(f"    user: {_q(h['user'])}")
            if "port" in h:
                lines.append(f"    port: {int(h['port'])}")
            lines.append("    known_hosts: ~/.ssh/known_hosts")
    lines += [
        "defaults:",
        f"  jvm: {{xms: {_q(heap)}, xmx: {_q(heap)}, xmn: {xmn}, max_direct: {_q(heap)}}}",
        "topology:",
        f"  masters: {masters}",
        f"  slaves_per_master: {slaves}",
    ]
    if slaves:
        lines.append(f"  replication: {replication.value}")
    lines += [
        f"  flush: {args.flush}",
        f"  hosts: [{', '.join(_q(h['name']) for h in hosts)}]",
        f"  namesrvs: {namesrvs}",
        f"  namesrv_port: {args.namesrv_port}",
        f"  broker_port: {args.broker_port}",
        f"  port_step: {args.port_step}",
    ]
    if layout.controller is not ControllerPlacement.NONE:
        lines.append(f"  controller: {layout.controller.value}")
    if layout.proxy is not ProxyPlacement.NONE:
        lines.append(f"  proxy: {layout.proxy.value}")
    if config_dir:
        lines.append(f"  config_dir: {_q(config_dir)}")
    lines += ["  jvm:", "    namesrv: {xms: 128m, xmx: 128m, xmn: 64m}"]
    lines += [
        "# Entries here override generated nodes of the same name (e.g. a bigger heap for one broker):",
        "nodes: []",
    ]
    return "\n".join(lines) + "\n"


async def run(args: argparse.Namespace, ctx: object) -> int:
    from rocketui.model.loader import ClusterFileError, parse_cluster

    out = args.out
    if os.path.exists(out) and not args.force:
        print(f"rocketui init: {out} already exists; use --force to overwrite it", file=sys.stderr)
        return 2
    try:
        text = render(args, out)
    except ValueError as exc:
        print(f"rocketui init: {exc}", file=sys.stderr)
        return 2
    try:
        cluster = parse_cluster(text, out)
    except ClusterFileError as exc:  # a bad --hosts name, port range, … : say which option
        print(f"rocketui init: these options make an invalid cluster file:\n{exc}", file=sys.stderr)
        return 2
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        f.write(text)
    nodes = ", ".join(f"{n.name}@{n.host}:{n.port}" for n in cluster.nodes)
    print(f"wrote {out}: {cluster.topology.describe() if cluster.topology else ''}; nodes {nodes}")
    print(f"next: rocketui {out} generate && rocketui {out} start --all")
    return 0
