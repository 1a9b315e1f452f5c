"""WARN/ERROR counts and the events pane's line, on lines real RocketMQ nodes wrote
(tests/data/logs, origin in each directory's README), read with the layout of their files."""

from __future__ import annotations

from pathlib import Path

from rocketui.reports.events import ERROR, WARNING
from rocketui.reports.log_rates import LevelCount, LogRate, count_levels, log_rate, rate_event, shorten
from rocketui.rocketmq.log_format import default_format
from rocketui.rocketmq.logs import LogFile, display_lines
from rocketui.usecases.logs import Appended

LOGS = Path(__file__).resolve().parents[1] / "data" / "logs"
BROKER = display_lines((LOGS / "5.5.0" / "broker.log").read_bytes())
FIRST_ERROR = (
    "2026-11-30 13:22:05 ERROR brokerOutApi_thread_2 - Failed to register current broker to name server. "
    "TargetHost=127.0.0.1:12020"
)


def test_entries_are_counted_once_with_their_traces() -> None:
    count = count_levels(BROKER, default_format("broker.log", "5.5.0"))
    # 3 registration ERRORs (each with a stack trace), 6 WARNs at start and 1 at shutdown
    assert (count.errors, count.warns) == (3, 7)
    assert count.first_error == FIRST_ERROR
    assert count.first_warn.startswith("2026-11-30 13:22:03 WARN main - No resource file with name")
    decode = display_lines((LOGS / "5.5.0" / "namesrv-decode-errors.log").read_bytes())
    assert count_levels(decode, default_format("namesrv.log", "5.5.0")).errors == 2
    old = display_lines((LOGS / "4.9.7" / "broker.log").read_bytes())  # 4.x layout
    assert count_levels(old, default_format("broker.log", "4.9.7")) == LevelCount(
        0, 2, "", "2026-11-30 13:17:55 WARN brokerOutApi_thread_1 - registerBroker Exception, 127.0.0.1:39876"
    )


def test_an_error_makes_an_event_that_quotes_its_first_line() -> None:
    log = LogFile("broker.log", "/x/broker.log", default_format("broker.log", "5.5.0"))
    rate = log_rate(Appended("broker-a", log, BROKER[300:], 5.2, read=20_000))
    event = rate_event(rate, 1_700_000_000.0)
    assert event is not None and (event.severity, event.subject) == (ERROR, "broker-a")
    assert event.text == f"3 ERROR, 1 WARN in the last 5s — first: {FIRST_ERROR}"


def test_warns_make_an_event_only_in_a_burst_and_long_lines_are_cut() -> None:
    fmt = default_format("broker.log", "5.5.0")
    start = LogRate("broker-a", "broker.log", count_levels(BROKER[:300], fmt), 5.0)
    assert start.count == LevelCount(0, 6, "", start.count.first_warn)
    assert rate_event(start, 0.0) is None  # six WARNs while booting: no event
    event = rate_event(start, 0.0, warn_burst=6)
    assert event is not None and event.severity == WARNING
    assert event.text.split(" — first: ")[1] == start.count.first_warn  # 123 characters: whole
    cut = shorten(start.count.first_warn, 60)
    assert len(cut) == 60 and cut.endswith("…") and start.count.first_warn.startswith(cut[:-1])


def test_a_capped_read_says_what_it_skipped() -> None:
    rate = LogRate("broker-a", "broker.log", LevelCount(1, 0, FIRST_ERROR), 5.0, read=262_144, skipped=3_000_000)
    assert rate.text() == "1 ERROR, 0 WARN in the last 5s (read the newest 256.0 KiB; 2.9 MiB before it skipped)"
