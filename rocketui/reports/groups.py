"""Consumer groups and their lag as rows: the `g` screen and `rocketui CLUSTER groups|lag`."""

from __future__ import annotations

from rocketui.reports.admin_format import age, stamp
from rocketui.reports.health import table
from rocketui.services.groups_admin import GroupRow, GroupsReport

COLUMNS = ("group", "online", "clients", "type", "consume tps", "lag", "oldest unconsumed", "topics")
QUEUE_COLUMNS = ("topic", "broker", "queue", "broker offset", "consumer offset", "lag", "inflight", "last consumed")
CLIENT_COLUMNS = ("client id", "address", "version", "language")


def row(r: GroupRow) -> tuple[str, ...]:
    conn = r.connection
    kind = ""
    if conn is not None:
        kind = {"CONSUME_PASSIVELY": "push", "CONSUME_ACTIVELY": "pull"}.get(conn.consume_type, conn.consume_type)
        kind += "/broadcast" if conn.message_model == "BROADCASTING" else ""
    return (
        r.name,
        str(len(r.online)),
        ", ".join(c.client_addr for c in r.online[:3]) + (" …" if len(r.online) > 3 else ""),
        kind,
        f"{r.consume_tps:.1f}",
        str(r.lag),
        age(r.oldest_age()),
        ",".join(r.topics),
    )


def rows(report: GroupsReport, text_filter: str = "") -> list[tuple[str, ...]]:
    needle = text_filter.lower()
    return [row(r) for r in report.rows if needle in r.name.lower()]


def text(report: GroupsReport) -> str:
    lines = table(rows(report), COLUMNS)
    lines += [f"error: {e}" for e in report.errors]
    return "\n".join(lines)


def queue_rows(r: GroupRow) -> list[tuple[str, ...]]:
    """Per topic and queue, worst lag first."""
    return [
        (
            q.queue.topic,
            q.queue.broker_name,
            str(q.queue.queue_id),
            str(q.broker_offset),
            str(q.consumer_offset),
            str(q.lag),
            str(q.inflight),
            stamp(q.last_timestamp),
        )
        for q in r.worst_first()
    ]


def client_rows(r: GroupRow) -> list[tuple[str, ...]]:
    return [(c.client_id, c.client_addr, str(c.version), c.language) for c in r.online]


def detail_text(report: GroupsReport) -> str:
    lines: list[str] = []
    for r in report.rows:
        lines.append(
            f"group {r.name}: lag {r.lag}, consume tps {r.consume_tps:.1f}, "
            f"oldest unconsumed {age(r.oldest_age())}, {len(r.online)} online"
        )
        if r.online:
            lines += table(client_rows(r), CLIENT_COLUMNS)
        lines += table(queue_rows(r), QUEUE_COLUMNS)
    lines += [f"error: {e}" for e in report.errors]
    return "\n".join(lines)
