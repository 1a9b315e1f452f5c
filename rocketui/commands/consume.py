"""`rocketui CLUSTER.yaml consume --topic T --group G [--from-start] [--count N] [--json]`:
pull a topic's messages with a consumer group and commit its offsets. Without --from-start a
group starts at its committed offsets, or at the end (new messages only) when it has none."""

from __future__ import annotations

import argparse
import json
import sys

from rocketui.commands._mq import add_namesrv_argument, namesrvs
from rocketui.commands.context import CommandContext, ContextError
from rocketui.services.mqconsume import ConsumedMessage
from rocketui.text import inert

NAME = "consume"
HELP = "pull a topic's messages with a consumer group (commits the group's offsets)"
NEEDS_CLUSTER = True
BODY_PREVIEW = 80


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--topic", required=True, help="topic to read")
    parser.add_argument("--group", required=True, help="consumer group (its committed offsets are used and updated)")
    parser.add_argument("--from-start", action="store_true", help="read from each queue's first message")
    parser.add_argument("--count", type=int, help="stop after this many messages (exit 1 if fewer arrive)")
    parser.add_argument("--tag", default="*", help="tag expression, e.g. 'TagA || TagB' (default *)")
    parser.add_argument(
        "--idle", type=float, default=5.0, help="stop after this many seconds without a new message (default 5)"
    )
    parser.add_argument("--max-time", type=float, help="stop after this many seconds in all")
    parser.add_argument("--no-commit", action="store_true", help="do not store the group's new offsets")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of one line per message")
    parser.add_argument("--read-only", action="store_true", help="refuse to commit offsets (as read_only: true does)")
    add_namesrv_argument(parser)


def message_line(c: ConsumedMessage) -> str:
    m = c.message
    body = m.body[:BODY_PREVIEW].decode("utf-8", "replace").replace("\n", "\\n")
    more = "…" if len(m.body) > BODY_PREVIEW else ""
    parts = [f"{c.queue}@{m.queue_offset}", m.msg_id]
    if m.tags:
        parts.append(f"tags={m.tags}")
    if m.keys:
        parts.append(f"keys={' '.join(m.keys)}")
    parts.append(f"{len(m.body)}B {body}{more}")
    return inert("  ".join(parts))


async def run(args: argparse.Namespace, ctx: CommandContext) -> int:
    if args.count is not None and args.count < 1:
        raise ContextError(f"consume: --count must be at least 1, got {args.count}")
    collected: list[ConsumedMessage] = []

    def on_message(c: ConsumedMessage) -> None:
        if args.json:
            collected.append(c)
        else:
            print(message_line(c), flush=True)

    outcome = await ctx.ops.mq.consume(
        args.topic,
        args.group,
        commit=not args.no_commit,
        namesrvs=namesrvs(args, ctx),
        on_message=on_message,
        from_start=args.from_start,
        count=args.count,
        idle_timeout=args.idle,
        timeout=args.max_time,
        subscription=args.tag,
    )
    if outcome.value is None:
        print(f"rocketui consume: {inert(outcome.summary)}", file=sys.stderr)
        return outcome.exit_code
    report = outcome.value
    ok = args.count is None or report.received >= args.count
    if args.json:
        print(json.dumps({**report.to_json(), "ok": ok, "messages": [c.to_json() for c in collected]}, indent=2))
    else:
        print(
            f"received {report.received} from {inert(args.topic)} as {inert(args.group)} (stopped: {report.stopped_by}"
            f"{', offsets committed' if report.committed else ''})",
            file=sys.stderr,
        )
        for note in report.notes:
            print(f"note: {inert(note)}", file=sys.stderr)
    return 0 if ok else 1
