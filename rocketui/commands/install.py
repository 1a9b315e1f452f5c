"""`rocketui install [--home DIR] [--version V] [--from ZIP] [--cluster FILE] [--force]`"""

from __future__ import annotations

import argparse
import sys

NAME = "install"
HELP = "assemble RocketMQ (bin/ conf/ lib/) from Maven Central, or unpack an official zip"
NEEDS_CLUSTER = False


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from rocketui.rocketmq.layout import DEFAULT_VERSION

    parser.add_argument("--cluster", metavar="FILE", help="install where this cluster file's rocketmq.home says")
    parser.add_argument("--home", help="install directory (default ~/.local/share/rocketui/rocketmq-VERSION)")
    parser.add_argument("--version", default=None, help=f"RocketMQ version (default {DEFAULT_VERSION})")
    parser.add_argument("--from", dest="from_zip", metavar="ZIP", help="an official rocketmq-all-*-bin-release.zip")
    parser.add_argument("--force", action="store_true", help="reinstall even when present")


async def run(args: argparse.Namespace, ctx: object) -> int:
    from rocketui.rocketmq.install import InstallError, install_distribution
    from rocketui.rocketmq.layout import DEFAULT_VERSION

    version = args.version or DEFAULT_VERSION
    home = args.home
    if args.cluster:
        from rocketui.cluster_loader import ClusterFileError, load_cluster

        try:
            cluster = load_cluster(args.cluster)
        except ClusterFileError as exc:
            print(str(exc), file=sys.stderr)
            return 2
        home = home or cluster.rocketmq.home
        version = args.version or cluster.rocketmq.version
    home = home or f"~/.local/share/rocketui/rocketmq-{version}"
    try:
        install_distribution(home, version, from_zip=args.from_zip, force=args.force,
                             log=lambda m: print(m, flush=True))
    except InstallError as exc:
        print(f"rocketui install: {exc}", file=sys.stderr)
        return 1
    return 0
