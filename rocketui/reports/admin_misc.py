"""Broker stats, offset-reset previews and found messages as text (screens and CLI share them)."""

from __future__ import annotations

from rocketui.reports.admin_format import body_preview, num, stamp
from rocketui.reports.health import table
from rocketui.services.broker_stats import StatsReport
from rocketui.services.msg_lookup import FoundMessage
from rocketui.services.offsets_reset import ResetPlan

STATS_COLUMNS = ("broker", "id", "address", "put tps", "get tps", "put total", "disk", "commitlog max", "dispatch lag")
RESET_COLUMNS = ("topic", "broker", "queue", "old", "new")


def stats_rows(report: StatsReport) -> list[tuple[str, ...]]:
    return [
        (
            b.broker_name,
            str(b.broker_id),
            b.addr,
            num(b.put_tps, ".1f"),
            num(b.get_tps, ".1f"),
            num(b.put_total),
            "-" if b.disk_ratio is None else f"{b.disk_ratio:.0%}",
            num(b.commitlog_max_offset),
            num(b.dispatch_behind_bytes),
        )
        if not b.error
        else (b.broker_name, str(b.broker_id), b.addr, b.error, "", "", "", "", "")
        for b in report.brokers
    ]


def stats_text(report: StatsReport) -> str:
    lines = table(stats_rows(report), STATS_COLUMNS)
    for n in report.namesrvs:
        lines.append(f"namesrv {n.addr}: " + (n.error or f"{n.brokers} broker address(es), {n.topics} topic(s)"))
    return "\n".join(lines)


def reset_rows(plan: ResetPlan) -> list[tuple[str, ...]]:
    return [
        (r.queue.topic, r.queue.broker_name, str(r.queue.queue_id), "-" if r.old is None else str(r.old), str(r.new))
        for r in plan.rows
    ]


def reset_text(plan: ResetPlan) -> str:
    head = f"reset {plan.group} to {plan.target}: old → new offset per queue"
    return "\n".join([head, *table(reset_rows(plan), RESET_COLUMNS)])


def message_lines(found: FoundMessage) -> list[str]:
    m = found.message
    kind, body = body_preview(m.body)
    lines = [
        f"Message ID:        {m.msg_id}",
        f"Offset ID:         {m.offset_msg_id}",
        f"Topic:             {m.topic}",
        f"Broker / queue:    {found.broker} [{m.queue_id}] offset {m.queue_offset}",
        f"Tags:              {m.tags or '-'}",
        f"Keys:              {' '.join(m.keys) or '-'}",
        f"Born:              {stamp(m.born_timestamp)} from {m.born_host}",
        f"Stored:            {stamp(m.store_timestamp)} at {m.store_host}",
        f"Reconsume times:   {m.reconsume_times}",
        f"Body ({len(m.body)} bytes, {kind}):",
        *("  " + line for line in body.splitlines() or [""]),
        "Properties:",
        *(f"  {k}={v}" for k, v in sorted(m.properties.items())),
        "Consumed by:",
        *(f"  {g}: {'consumed' if done else 'NOT consumed'}" for g, done in sorted(found.consumed_by.items())),
    ]
    if not found.consumed_by:
        lines.append("  (no group subscribed)")
    return lines


def messages_text(found: list[FoundMessage]) -> str:
    if not found:
        return "Message not found"
    blocks = ["\n".join(message_lines(f)) for f in found]
    return "\n\n".join(blocks)
