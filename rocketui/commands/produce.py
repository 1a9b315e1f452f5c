"""`rocketui CLUSTER.yaml produce [--topic T] [--count N] [--size B] [--mode sync|async|oneway]
[--inflight N] [--rate R] [--json]`: send numbered test messages, then pull them back and say
what is missing or duplicated. Exit 0 only when every message came back exactly once."""

from __future__ import annotations

import argparse
import json
import sys
import time

from rocketui.commands._mq import add_namesrv_argument, connector, ms, namesrvs
from rocketui.commands.context import CommandContext, ContextError
from rocketui.services.mq_route import MqTestError
from rocketui.services.mqtest import (
    Phase,
    ProduceProgress,
    ProduceReport,
    ProduceRun,
    ProduceSpec,
    SendMode,
    TopicCreation,
)
from rocketui.services.mqtest_verify import DEFAULT_GROUP, VerifyReport, verify_run

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
    parser.add_argument("--timeout", type=float, default=3.0, help="send timeout in seconds (default 3)")
    parser.add_argument("--group", default=DEFAULT_GROUP, help=f"consumer group of the check (default {DEFAULT_GROUP})")
    parser.add_argument(
        "--verify-timeout", type=float, default=30.0, help="how long the check waits for late messages (default 30 s)"
    )
    parser.add_argument("--no-verify", action="store_true", help="only send")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of text")
    add_namesrv_argument(parser)


def _creation(args: argparse.Namespace, ctx: CommandContext) -> TopicCreation | None:
    if args.create_on:
        if args.create_on in {b.broker_name for b in ctx.cluster.brokers}:
            return TopicCreation(broker=args.create_on, queues=args.queues)
        return TopicCreation(cluster=args.create_on, queues=args.queues)
    if args.create:
        return TopicCreation(cluster=ctx.cluster.name, queues=args.queues)
    return None


def progress_line(p: ProduceProgress) -> str:
    text = f"{p.phase.value}: sent {p.sent}/{p.requested}"
    if p.failed:
        text += f", failed {p.failed}"
    text += f", {p.recent_rate or p.rate:.0f} msg/s"
    if p.latency:
        text += f", p50 {ms(p.latency.p50_ms)} p99 {ms(p.latency.p99_ms)}"
    return text


def produce_text(r: ProduceReport) -> list[str]:
    p = r.progress
    spec = r.spec
    how = f"{spec.mode.value}" + (f", {spec.in_flight} in flight" if spec.mode is SendMode.ASYNC else "")
    lines = [
        f"run {r.run_id}: topic {spec.topic}, {how}, {spec.body_size}-byte bodies",
        f"sent {p.sent} of {p.requested} in {p.elapsed:.2f}s = {p.rate:.0f} msg/s",
    ]
    if p.latency:
        lines.append(f"latency p50 {ms(p.latency.p50_ms)}, p99 {ms(p.latency.p99_ms)}, max {ms(p.latency.max_ms)}")
    if p.errors:
        lines.append("errors: " + ", ".join(f"{k} {n}" for k, n in p.errors.items()))
        lines.append(f"last error: {p.last_error}")
    lines.append("per broker: " + ", ".join(f"{b} {n}" for b, n in p.per_broker.items()))
    lines += [f"note: {n}" for n in r.notes]
    if r.aborted:
        lines.append(f"gave up: {r.aborted}")
    return lines


def verify_text(v: VerifyReport) -> list[str]:
    lines = [
        f"check: sent {v.sent}, stored {v.stored}, received {v.received}, missing {v.missing}, "
        f"duplicated {v.duplicated} ({v.elapsed:.2f}s, group {v.group})"
    ]
    if v.corrupt:
        lines.append(f"corrupt bodies: {v.corrupt}")
    if v.unacked_received:
        lines.append(f"stored although the send failed or timed out: {v.unacked_received}")
    if v.foreign:
        lines.append(f"other producers' messages in the same queues: {v.foreign}")
    if v.first_missing:
        lines.append("first missing: " + ", ".join(v.first_missing))
    if not v.complete:
        lines.append("not every queue could be read to its end before the timeout")
    lines += [f"note: {n}" for n in v.notes]
    return lines


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
    )
    problems = spec.problems()
    if problems:
        raise ContextError("produce: " + "; ".join(problems))
    addrs = namesrvs(args, ctx)
    conn = connector(ctx)
    last_print = [0.0]

    def show(p: ProduceProgress) -> None:
        now = time.monotonic()
        if args.json or p.phase not in (Phase.SEND, Phase.DONE):
            return
        if now - last_print[0] >= 1.0 or p.finished:
            last_print[0] = now
            print(progress_line(p), file=sys.stderr, flush=True)

    try:
        report = await ProduceRun(spec, addrs, connector=conn, on_progress=show).run()
        check = (
            None
            if args.no_verify
            else await verify_run(report, addrs, group=args.group, connector=conn, timeout=args.verify_timeout)
        )
    except MqTestError as exc:
        if args.json:
            print(json.dumps({"ok": False, "error": str(exc)}, indent=2))
        print(f"produce: {exc}", file=sys.stderr)
        return 1
    p = report.progress
    ok = p.failed == 0 and report.aborted is None and p.sent == spec.count and (check is None or check.ok)
    if args.json:
        print(
            json.dumps({"ok": ok, "produce": report.to_json(), "verify": check.to_json() if check else None}, indent=2)
        )
    else:
        for line in produce_text(report) + (verify_text(check) if check else []):
            print(line)
        print("OK" if ok else "FAILED")
    return 0 if ok else 1
