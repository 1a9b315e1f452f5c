"""A produce test's progress and results as lines: the `p` panel and `rocketui CLUSTER produce`
print the same words and numbers."""

from __future__ import annotations

from rocketui.services.grpc_produce import GrpcConsumeReport
from rocketui.services.mqtest import ProduceProgress, ProduceReport, SendMode
from rocketui.services.mqtest_verify import VerifyReport
from rocketui.text import inert


def ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2f} ms" if value < 10 else f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"


def progress_lines(p: ProduceProgress) -> list[str]:
    lines = [
        f"{p.phase.value}: sent {p.sent:,} of {p.requested:,} · failed {p.failed:,} · "
        f"{p.recent_rate or p.rate:,.0f} msg/s · in flight {p.in_flight}"
    ]
    if p.latency:
        lines.append(f"latency p50 {ms(p.latency.p50_ms)}, p99 {ms(p.latency.p99_ms)}, max {ms(p.latency.max_ms)}")
    if p.errors:
        lines.append("errors: " + ", ".join(f"{k} {n}" for k, n in p.errors.items()))
        if p.last_error:
            lines.append(f"last error: {p.last_error}")
    if p.retried:
        lines.append(
            "sent again after a failed attempt: "
            + ", ".join(f"{k} {n:,}" for k, n in p.retried.items())
            + " (at once, on another broker's queue when there is one, as the Java client does)"
        )
    if p.per_broker:
        lines.append("per broker: " + ", ".join(f"{b} {n:,}" for b, n in p.per_broker.items()))
    return [inert(line) for line in lines]  # error texts come from brokers


def report_lines(r: ProduceReport) -> list[str]:
    p, spec = r.progress, r.spec
    how = spec.mode.value + (f", {spec.in_flight} in flight" if spec.mode is SendMode.ASYNC else "")
    lines = [
        f"run {r.run_id}: topic {spec.topic}, {how}, {spec.body_size}-byte bodies",
        f"sent {p.sent:,} of {p.requested:,} in {p.elapsed:.2f}s = {p.rate:,.0f} msg/s",
    ]
    lines += progress_lines(p)[1:]
    lines += [f"note: {n}" for n in r.notes]
    if r.aborted:
        lines.append(f"gave up: {r.aborted}")
    return [inert(line) for line in lines]


def verify_lines(v: VerifyReport) -> list[str]:
    lines = [
        f"check: sent {v.sent:,} · stored {v.stored:,} · received {v.received:,} · missing {v.missing:,} · "
        f"duplicated {v.duplicated:,} ({v.elapsed:.2f}s, group {v.group})"
    ]
    if v.resent_copies:
        what = "is a copy" if v.resent_copies == 1 else "are copies"
        lines.append(
            f"{v.resent_copies:,} of the duplicated {what} of a message sent again after its connection broke "
            "mid-send (the broker had stored the first attempt: RocketMQ delivers at least once, "
            "as with the Java client)"
        )
    if v.corrupt:
        lines.append(f"corrupt bodies: {v.corrupt}")
    if v.unacked_received:
        lines.append(f"stored although the send failed or timed out: {v.unacked_received}")
    if v.foreign:
        lines.append(f"other producers' messages in the same queues: {v.foreign}")
    if v.first_missing:
        lines.append("first missing: " + ", ".join(v.first_missing[:5]))
    if not v.complete:
        lines.append("not every queue could be read to its end before the timeout")
    lines += [f"note: {n}" for n in v.notes]
    return [inert(line) for line in lines]


def grpc_check_lines(g: GrpcConsumeReport) -> list[str]:
    lines = [
        f"check (official gRPC client, group {g.group}): sent {g.expected:,} · received {g.received:,} · "
        f"missing {g.missing:,} · duplicated {g.duplicated:,} ({g.elapsed:.2f}s)"
    ]
    if g.corrupt:
        lines.append(f"corrupt bodies: {g.corrupt}")
    if g.foreign:
        lines.append(f"other producers' messages received: {g.foreign}")
    if g.first_missing:
        lines.append("first missing: " + ", ".join(f"{g.run_id}:{s}" for s in g.first_missing[:5]))
    return [inert(line) for line in lines]


def check_lines(check: VerifyReport | GrpcConsumeReport) -> list[str]:
    """The read-back check, whichever client read."""
    return grpc_check_lines(check) if isinstance(check, GrpcConsumeReport) else verify_lines(check)
