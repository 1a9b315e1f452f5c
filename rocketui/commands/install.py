"""`rocketui install [--home DIR] [--version V] [--from ZIP] [--cluster FILE] [--force]`
`rocketui install --cluster FILE --host NAME [--host NAME ...] [--source DIR] [--force]`"""

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
    parser.add_argument(
        "--maven-timeout",
        type=float,
        metavar="SECONDS",
        help="stop Maven after this long (default $ROCKETUI_MAVEN_TIMEOUT, else 1800; 0: no limit)",
    )
    parser.add_argument(
        "--host",
        action="append",
        metavar="NAME",
        help="copy the distribution installed here onto this SSH host of --cluster (its "
        "rocketmq_home, else rocketmq.home); repeatable",
    )
    parser.add_argument(
        "--source",
        metavar="DIR",
        help="with --host: the local distribution to copy (default ~/.local/share/rocketui/rocketmq-VERSION)",
    )
    parser.add_argument("--read-only", action="store_true", help="with --host: refuse to write to the hosts")


async def run(args: argparse.Namespace, ctx: object) -> int:
    from rocketui.rocketmq.install import InstallError, install_distribution, maven_timeout
    from rocketui.rocketmq.layout import DEFAULT_VERSION

    if args.host or args.source:
        return await _run_remote(args)

    version = args.version or DEFAULT_VERSION
    home = args.home
    if args.cluster:
        from rocketui.model.loader import ClusterFileError
        from rocketui.usecases.personal_copy import open_cluster

        try:
            cluster = open_cluster(args.cluster).cluster
        except (ClusterFileError, OSError) as exc:
            print(str(exc), file=sys.stderr)
            return 2
        home = home or cluster.rocketmq.home
        version = args.version or cluster.rocketmq.version
    home = home or f"~/.local/share/rocketui/rocketmq-{version}"
    try:
        install_distribution(
            home,
            version,
            from_zip=args.from_zip,
            force=args.force,
            log=lambda m: print(m, flush=True),
            maven_timeout=maven_timeout(args.maven_timeout),
        )
    except InstallError as exc:
        print(f"rocketui install: {exc}", file=sys.stderr)
        return 1
    return 0


async def _run_remote(args: argparse.Namespace) -> int:
    from rocketui.model.loader import ClusterFileError
    from rocketui.text import inert
    from rocketui.usecases.operations import Operations
    from rocketui.usecases.personal_copy import open_cluster

    usage = ""
    if not args.host:
        usage = "--source goes with --host NAME"
    elif not args.cluster:
        usage = "--host needs --cluster FILE (the host and its RocketMQ home come from it)"
    elif args.home or args.from_zip:
        usage = (
            "--home and --from install on this machine; with --host the host's home comes from the "
            "cluster file, and --source names the local distribution to copy"
        )
    if usage:
        print(f"rocketui install: {usage}", file=sys.stderr)
        return 2
    try:
        cluster = open_cluster(args.cluster).cluster
    except (ClusterFileError, OSError) as exc:
        print(inert(str(exc), newlines=True), file=sys.stderr)
        return 2
    source = args.source or f"~/.local/share/rocketui/rocketmq-{args.version or cluster.rocketmq.version}"
    ops = Operations(cluster, read_only=True if args.read_only else None)
    try:
        outcome = await ops.provision.install_hosts(
            args.host, source, force=args.force, log=lambda m: print(inert(m), flush=True)
        )
    finally:
        await ops.close()
    if not outcome.ok:
        print(f"rocketui install: {inert(outcome.summary)}", file=sys.stderr)
    return outcome.exit_code
