"""`rocketui CLUSTER.yaml produce [--topic T] [--count N] [--size B] [--mode sync|async|oneway]
[--inflight N] [--rate R] [--via PROXY [--grpc] [--verify-grpc]] [--json]`: send numbered test
messages, then pull them back and say what is missing or duplicated. Exit 0 only when every
message came back exactly once.  `--via` sends and reads through a proxy's remoting port
(rocketui's client); `--grpc` sends through its gRPC port with the official Apache RocketMQ Python
client; `--verify-grpc` reads back with the official client instead of rocketui's."""

from __future__ import annotations

import argparse
import json
import sys
import time

from rocketui.commands._mq import add_namesrv_argument, namesrvs
from rocketui.commands.context import CommandContext, ContextError
from rocketui.reports import produce as produce_report
from rocketui.services.mqtest import Phase, ProduceProgress, ProduceSpec, SendMode, TopicCreation
from rocketui.services.mqtest_verify import DEFAULT_GROUP
from rocketui.text import inert

NAME = "produce"
HELP = "send N test messages, consume them back, report missing/duplicated (exit 1 if any)"
NEEDS_CLUSTER = True


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--topic", default="TopicTest", help="topic (default TopicTest)")
    parser.add_argument("--count", type=int, default=1000, help="messages to send (default 1000)")
    parser.add_argument("--size", type=int, default=128, help="body size in bytes (default 128)")
    parser.add_argument(
        "--mode",
        choices=[m.value for m in SendMode],
        default="sync",
        help="sync: one at a time; async: --inflight at once; oneway: no acknowledgement",
    )
    parser.add_argument("--inflight", type=int, default=32, help="concurrent sends in async mode (default 32)")
    parser.add_argument("--rate", type=float, help="messages per second (default: as fast as possible)")
    parser.add_argument("--tag", help="TAGS of every message")
    parser.add_argument("--key", action="append", default=[], help="a KEYS entry of every message (repeatable)")
    parser.add_argument(
        "--create", action="store_true", help="create the topic on every master of the cluster if it does not exist"
    )
    parser.add_argument(
        "--create-on",
        metavar="NAME",
        help="create the topic, if missing, on this cluster's masters or this broker name",
    )
    parser.add_argument("--queues", type=int, default=4, help="queues of a created topic (default 4)")
    parser.add_argument(
        "--timeout", type=float, default=3.0, help="send timeout in seconds, every attempt included (default 3)"
    )
    parser.add_argument(
        "--retries",
        type=int,
        default=2,
        help="attempts after a failed one, as the Java client's retryTimesWhenSendFailed (default 2; oneway: none)",
    )
    parser.add_argument("--group", default=DEFAULT_GROUP, help=f"consumer group of the check (default {DEFAULT_GROUP})")
    parser.add_argument(
        "--verify-timeout", type=float, default=30.0, help="how long the check waits for late messages (default 30 s)"
    )
    parser.add_argument("--no-verify", action="store_true", help="only send")
    parser.add_argument(
        "--via",
        metavar="PROXY_NODE",
        help="through this proxy (a proxy node, or a broker with proxy: local): its remoting port, rocketui's client",
    )
    parser.add_argument(
        "--grpc",
        action="store_true",
        help="with --via: send through the proxy's gRPC port with the official Python client (rocketmq-python-client)",
    )
    parser.add_argument(
        "--verify-grpc",
        action="store_true",
        help="with --via: read the messages back with the official Python client instead of rocketui's",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of text")
    parser.add_argument("--read-only", action="store_true", help="refuse to send (as read_only: true does)")
    parser.add_argument("--dry-run", action="store_true", help="say what would be sent; send nothing")
    add_namesrv_argument(parser)


def _creation(args: argparse.Namespace, ctx: CommandContext) -> TopicCreation | None:
    if args.create_on:
        if args.create_on in {b.broker_name for b in ctx.cluster.brokers}:
            return TopicCreation(broker=args.create_on, queues=args.queues)
        return TopicCreation(cluster=args.create_on, queues=args.queues)
    if args.create:
        return TopicCreation(cluster=ctx.cluster.name, queues=args.queues)
    return None


async def run(args: argparse.Namespace, ctx: CommandContext) -> int:
    spec = ProduceSpec(
        topic=args.topic,
        count=args.count,
        body_size=args.size,
        tag=args.tag,
        keys=tuple(args.key),
        mode=SendMode(args.mode),
        in_flight=args.inflight,
        rate=args.rate,
        create=_creation(args, ctx),
        send_timeout=args.timeout,
        retries=args.retries,
    )
    problems = spec.problems()
    if (args.grpc or args.verify_grpc) and not args.via:
        problems.append("--grpc and --verify-grpc need --via PROXY_NODE")
    if args.grpc and spec.mode is not SendMode.SYNC:
        problems.append("--grpc sends one message at a time (--mode sync)")
    if problems:
        raise ContextError("produce: " + "; ".join(problems))
    if args.dry_run:
        create = f", creating the topic on {spec.create.cluster or spec.create.broker}" if spec.create else ""
        through = (
            f"proxy {inert(args.via)} ({'gRPC, official client' if args.grpc else 'remoting'})"
            if args.via
            else ", ".join(namesrvs(args, ctx))
        )
        print(
            f"would produce {spec.count} x {spec.body_size} B to {inert(spec.topic)} ({spec.mode.value}){create} "
            f"through {through}"
        )
        return 0
    last_print = [0.0]

    def show(p: ProduceProgress) -> None:
        now = time.monotonic()
        if args.json or p.phase not in (Phase.SEND, Phase.DONE):
            return
        if now - last_print[0] >= 1.0 or p.finished:
            last_print[0] = now
            print(inert(produce_report.progress_lines(p)[0]), file=sys.stderr, flush=True)

    outcome = await ctx.ops.mq.produce(
        spec,
        group=args.group,
        verify=not args.no_verify,
        namesrvs=namesrvs(args, ctx),
        verify_timeout=args.verify_timeout,
        on_progress=show,
        via=args.via,
        grpc=args.grpc,
        verify_grpc=args.verify_grpc,
    )
    if outcome.value is None:
        if args.json:
            print(json.dumps({"ok": False, "error": outcome.summary}, indent=2))
        print(f"rocketui produce: {inert(outcome.summary)}", file=sys.stderr)
        return outcome.exit_code
    report, check = outcome.value
    if args.json:
        doc = {"ok": outcome.ok, "produce": report.to_json(), "verify": check.to_json() if check else None}
        print(json.dumps(doc, indent=2))
    else:
        lines = produce_report.report_lines(report) + (produce_report.check_lines(check) if check else [])
        for line in lines:
            print(inert(line))
        print("OK" if outcome.ok else f"FAILED: {inert(outcome.summary)}")
    return outcome.exit_code
