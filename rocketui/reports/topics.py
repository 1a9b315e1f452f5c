"""Topics as rows: the `t` screen and `rocketui CLUSTER topics` show the same."""

from __future__ import annotations

from rocketui.reports.admin_format import num, stamp
from rocketui.reports.health import table
from rocketui.services.topics_admin import TopicDetail, TopicRow, TopicsReport

COLUMNS = ("topic", "kind", "brokers", "read q", "write q", "perm", "order", "messages", "put tps")
QUEUE_COLUMNS = ("broker", "queue", "min offset", "max offset", "messages", "last stored")


def row(r: TopicRow) -> tuple[str, ...]:
    return (
        r.name,
        r.kind,
        ",".join(r.brokers) or "(namesrv only)",
        str(r.read_queues),
        str(r.write_queues),
        r.perm,
        "yes" if r.order else "",
        num(r.messages),
        num(r.put_tps, ".1f"),
    )


def rows(report: TopicsReport, *, system: bool = False, text_filter: str = "") -> list[tuple[str, ...]]:
    """Rows shown: system topics only with `system`; `text_filter` matches the topic name."""
    needle = text_filter.lower()
    return [row(r) for r in report.rows if (system or not r.system) and needle in r.name.lower()]


def text(report: TopicsReport, *, system: bool = False) -> str:
    lines = table(rows(report, system=system), COLUMNS)
    lines += [f"error: {e}" for e in report.errors]
    return "\n".join(lines)


def queue_rows(detail: TopicDetail) -> list[tuple[str, ...]]:
    return [
        (
            q.queue.broker_name,
            str(q.queue.queue_id),
            str(q.min_offset),
            str(q.max_offset),
            str(q.messages),
            stamp(q.last_update),
        )
        for q in detail.queues
    ]


def detail_text(detail: TopicDetail) -> str:
    lines = [f"topic {detail.topic}: {detail.messages} message(s)"]
    for name, c in sorted(detail.configs.items()):
        lines.append(
            f"  {name}: read {c.read_queue_nums} write {c.write_queue_nums} perm {c.perm} order {str(c.order).lower()}"
        )
    lines.append("groups: " + (", ".join(detail.groups) or "none"))
    lines += table(queue_rows(detail), QUEUE_COLUMNS)
    lines += [f"error: {e}" for e in detail.errors]
    return "\n".join(lines)
