"""Cluster health as rows and lines: the `h` screen and `rocketui CLUSTER health` show the same."""

from __future__ import annotations

from rocketui.services.health import BrokerHealth, HealthReport, Level
from rocketui.text import inert

COLUMNS = (
    "cluster",
    "broker",
    "id",
    "address",
    "node",
    "version",
    "role",
    "in tps",
    "out tps",
    "disk",
    "namesrvs",
    "status",
)
# how a row or line looks: "ok" (green), "warning" (yellow), "problem" (red), "" (plain)
Mark = str


def _num(value: float | None, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def row(b: BrokerHealth, namesrvs: int) -> tuple[tuple[str, ...], Mark]:
    """One broker's cells (in COLUMNS order) and how it is marked; `namesrvs` = how many were asked."""
    rt = b.runtime
    problems = [p for p in b.problems if p.level is Level.PROBLEM]
    warnings = [p for p in b.problems if p.level is Level.WARNING]
    if problems:
        status, mark = "; ".join(f"{p.kind.value}: {p.reason}" for p in problems), "problem"
    elif warnings:
        status, mark = "ok; " + "; ".join(f"{p.kind.value}: {p.reason}" for p in warnings), "warning"
    elif b.runtime_error:
        status, mark = b.runtime_error, "warning"
    else:
        status, mark = "ok", "ok"
    cells = (
        b.cluster,
        b.broker_name,
        str(b.broker_id),
        b.addr,
        b.node or "(not in file)",
        rt.version if rt and rt.version else "-",
        rt.role if rt and rt.role else ("MASTER" if b.broker_id == 0 else "SLAVE"),
        _num(rt.in_tps if rt else None, ".1f"),
        _num(rt.out_tps if rt else None, ".1f"),
        _num(rt.disk_ratio if rt else None, ".1%"),
        f"{len(b.registered_at)}/{namesrvs}",
        status,
    )
    return tuple(inert(c) for c in cells), mark  # versions, reasons and addresses come from the hosts


def rows(report: HealthReport) -> list[tuple[tuple[str, ...], Mark]]:
    return [row(b, len(report.namesrvs)) for b in report.brokers]


def summary_lines(report: HealthReport) -> list[tuple[str, Mark]]:
    """The verdict, each namesrv's answer, and the problems not about one broker."""
    flagged = report.all_problems()
    problems = sum(1 for _, p in flagged if p.level is Level.PROBLEM)
    head = "healthy" if report.ok else f"{problems} problem(s)"
    lines: list[tuple[str, Mark]] = [(f"{head} · {len(report.brokers)} broker(s)", "ok" if report.ok else "problem")]
    for addr, error in report.namesrvs.items():
        lines.append((f"namesrv {addr}: answering", "ok") if error is None else (f"namesrv {addr}: {error}", "problem"))
    if report.controllers is not None:
        view = report.controllers
        lines.append(
            (f"controllers: leader {view.leader}", "ok")
            if view.leader and not view.replicas_error
            else (f"controllers: {view.replicas_error or 'no leader'}", "problem")
        )
    for g in report.groups:
        if g.master is None:
            lines.append((f"{g.broker_name}: no master elected", "problem"))
            continue
        text = f"{g.broker_name}: master {g.master} (epoch {g.epoch}; in sync: {', '.join(g.sync_state_set) or '-'})"
        if g.master != g.defined_master:
            lines.append((f"{text}; the file intends {g.defined_master}", "warning"))
        else:
            lines.append((text, "ok"))
    for name, serving in report.proxies:
        lines.append((f"proxy {name}: {serving.label()}", "ok" if serving.serving else "problem"))
    for where, p in flagged:
        if "/" not in where:  # namesrvs, controllers, proxies, the cluster as a whole
            lines.append(
                (f"{p.level.value}: {p.kind.value}: {p.reason}", "problem" if p.level is Level.PROBLEM else "warning")
            )
    return [(inert(text), mark) for text, mark in lines]


def table(cells: list[tuple[str, ...]], header: tuple[str, ...]) -> list[str]:
    """Left-aligned columns two spaces apart (what every CLI table of rocketui looks like)."""
    all_rows = [header, *cells]
    widths = [max(len(r[i]) for r in all_rows) for i in range(len(header))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in all_rows]


def text(report: HealthReport) -> str:
    lines = table([cells for cells, _ in rows(report)], COLUMNS)
    lines.append("")
    lines += [line for line, _ in summary_lines(report)]
    lines.append("OK" if report.ok else "PROBLEMS FOUND")
    return "\n".join(lines)
