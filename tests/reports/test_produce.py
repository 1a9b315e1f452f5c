"""The produce test's check as the panel and the CLI print it: a copy too many that a resend after
a broken connection explains is said so and passes; any other duplicate fails."""

from __future__ import annotations

from dataclasses import replace

from rocketui.reports.produce import verify_lines
from rocketui.services.mqtest import AckLog, Phase, ProduceProgress, ProduceReport, ProduceSpec, SendMode
from rocketui.services.mqtest_verify import VerifyReport
from rocketui.usecases.mq import produce_problem

CHECK = VerifyReport(
    run_id="r",
    topic="T",
    group="rocketui_verify",
    sent=600,
    stored=601,
    received=600,
    missing=0,
    duplicated=1,
    corrupt=0,
    unacked_received=0,
    foreign=0,
    first_missing=(),
    per_queue={},
    elapsed=0.2,
    complete=True,
    resent_copies=1,
)


def report(spec: ProduceSpec) -> ProduceReport:
    progress = ProduceProgress(
        run_id="r",
        topic="T",
        mode=SendMode.ASYNC,
        phase=Phase.DONE,
        requested=600,
        attempted=600,
        sent=600,
        errors={},
        last_error=None,
        in_flight=0,
        elapsed=10.0,
        rate=60.0,
        recent_rate=60.0,
        latency=None,
        per_broker={},
        per_queue={},
        statuses={"SEND_OK": 600},
        retried={"connection": 1},
    )
    return ProduceReport(spec, "r", progress, "ns", (), {}, AckLog(600, []), unsure={7: 1})


def test_a_copy_explained_by_a_resend_passes_and_is_said() -> None:
    spec = ProduceSpec(topic="T", count=600)
    assert CHECK.ok and CHECK.unexplained_duplicates == 0 and produce_problem(spec, report(spec), CHECK) == ""
    lines = verify_lines(CHECK)
    assert "duplicated 1 " in lines[0]
    assert any(
        "1 of the duplicated is a copy of a message sent again after its connection broke" in line for line in lines
    )
    assert CHECK.to_json()["resent_copies"] == 1 and CHECK.to_json()["ok"] is True


def test_a_duplicate_no_resend_explains_fails() -> None:
    spec = ProduceSpec(topic="T", count=600)
    worse = replace(CHECK, duplicated=2, stored=602)
    assert not worse.ok and produce_problem(spec, report(spec), worse) == "0 missing, 1 duplicated"
    none = replace(CHECK, resent_copies=0)
    assert not none.ok and not any("sent again" in line for line in verify_lines(none))
