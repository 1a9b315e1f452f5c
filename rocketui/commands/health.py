"""`rocketui CLUSTER.yaml health [--json]`: every registered and defined broker with its
version, TPS and disk use, compared with the cluster file; exit 1 when a problem is flagged
(warnings alone exit 0)."""

from __future__ import annotations

import argparse
import json

from rocketui.commands._mq import add_namesrv_argument, connector, namesrvs
from rocketui.commands.context import CommandContext
from rocketui.services.health import BrokerHealth, HealthReport, Level, collect_health

NAME = "health"
HELP = "cluster health: brokers per namesrv with version, TPS, disk, problems (exit 1 if any)"
NEEDS_CLUSTER = True

COLUMNS = ("CLUSTER", "BROKER", "BID", "ADDR", "NODE", "VERSION", "IN TPS", "OUT TPS", "DISK", "NAMESRVS", "STATUS")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--timeout", type=float, default=3.0, help="per-request timeout in seconds (default 3)")
    add_namesrv_argument(parser)


def _num(value: float | None, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def _row(b: BrokerHealth, namesrv_count: int) -> tuple[str, ...]:
    rt = b.runtime
    problems = [p.kind.value for p in b.problems if p.level is Level.PROBLEM]
    warnings = [p.kind.value for p in b.problems if p.level is Level.WARNING]
    status = ", ".join(problems) or ("ok" + (f" ({', '.join(warnings)})" if warnings else ""))
    return (
        b.cluster,
        b.broker_name,
        str(b.broker_id),
        b.addr,
        b.node or "-",
        (rt.version if rt and rt.version else "-"),
        _num(rt.in_tps if rt else None, ".2f"),
        _num(rt.out_tps if rt else None, ".2f"),
        _num(rt.disk_ratio if rt else None, ".2%"),
        f"{len(b.registered_at)}/{namesrv_count}",
        status,
    )


def health_table(report: HealthReport) -> str:
    answered = sum(1 for err in report.namesrvs.values() if err is None)
    rows = [COLUMNS] + [_row(b, answered) for b in report.brokers]
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=False)).rstrip() for r in rows]
    lines.append("")
    lines.append("namesrvs: " + ", ".join(f"{a} ({'ok' if e is None else 'down'})" for a, e in report.namesrvs.items()))
    flagged = report.all_problems()
    for where, p in flagged:
        lines.append(f"{p.level.value}: {where}: {p.kind.value}: {p.reason}")
    lines.append("OK" if report.ok else "PROBLEMS FOUND")
    return "\n".join(lines)


async def run(args: argparse.Namespace, ctx: CommandContext) -> int:
    report = await collect_health(
        ctx.cluster, connector=connector(ctx), namesrvs=namesrvs(args, ctx), timeout=args.timeout
    )
    print(json.dumps(report.to_json(), indent=2) if args.json else health_table(report))
    return 0 if report.ok else 1
