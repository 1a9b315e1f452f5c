"""Formatting of the day-2 reports: ages, body previews (text or hex, capped), sparklines, and the
reset-target parser."""

from __future__ import annotations

import time

import pytest

from rocketui.reports.admin_format import age, body_preview, sparkline
from rocketui.services.offsets_reset import ResetTarget, parse_target


def test_age() -> None:
    assert [age(None), age(42), age(420), age(7200), age(3 * 86400)] == ["-", "42s", "7m", "2h", "3d"]


def test_body_preview_text_hex_and_cap() -> None:
    assert body_preview("héllo\nwörld".encode()) == ("text", "héllo\nwörld")
    assert body_preview(b"\x00\x01\xff") == ("hex", "00 01 ff")
    assert body_preview(b"\x1b[31mred") == ("hex", "1b 5b 33 31 6d 72 65 64")  # control chars never as text
    kind, text = body_preview(b"a" * 600, limit=8)
    assert kind == "text" and text == "aaaaaaaa … (600 bytes)"


def test_sparkline() -> None:
    assert sparkline([]) == ""
    assert sparkline([0, 0]) == "▁▁"
    assert sparkline([1, 2, 4, 8]) == "▁▂▄█"
    assert len(sparkline(list(range(100)), width=12)) == 12


def test_parse_target() -> None:
    assert parse_target("earliest") == ResetTarget("earliest")
    assert parse_target(" LATEST ") == ResetTarget("latest")
    assert parse_target("1764480000123") == ResetTarget("time", 1764480000123)
    assert parse_target("-30m", now=10_000.0) == ResetTarget("time", 8_200_000)
    local = int(time.mktime(time.strptime("2026-11-30 05:00:00", "%Y-%m-%d %H:%M:%S")) * 1000)
    assert parse_target("2026-11-30 05:00") == ResetTarget("time", local)
    assert ResetTarget("earliest").broker_timestamp == 0 and ResetTarget("latest").broker_timestamp == -1
    with pytest.raises(ValueError, match="cannot read"):
        parse_target("yesterday")
