"""Entries, merge by time and the streaming level filter on lines real JVMs wrote
(tests/data/logs/5.5.0: namesrv.log and broker.log of the same run)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from rocketui.rocketmq.log_entries import EntryFilter, group_entries, leveled_entries, merge_by_time
from rocketui.rocketmq.log_format import Level, gc_format
from tests.rocketmq.test_log_format import layout, real

BROKER = layout("5.5.0/rmq.broker.logback.xml", "broker.log")
NAMESRV = layout("5.5.0/rmq.namesrv.logback.xml", "namesrv.log")


def test_merge_orders_namesrv_and_broker_by_time_and_keeps_traces_and_file_order() -> None:
    ns, broker = real("namesrv.log"), real("broker.log")
    merged = merge_by_time({"ns": (ns, NAMESRV), "broker-a": (broker, BROKER)})
    assert sorted(m.text for m in merged) == sorted(ns + broker)
    # each file's own order is kept (equal seconds are common: no milliseconds)
    assert [m.text for m in merged if m.tag == "ns"] == ns
    assert [m.text for m in merged if m.tag == "broker-a"] == broker
    # entry lines come in time order; a stack trace follows its entry line directly
    fmts = {"ns": NAMESRV, "broker-a": BROKER}
    times = [fmts[m.tag].time(m.text) for m in merged if fmts[m.tag].is_header(m.text)]
    assert times == sorted(times)
    for i, m in enumerate(merged):
        if not fmts[m.tag].is_header(m.text):
            assert merged[i - 1].tag == m.tag
    # the namesrv booted first: its first line comes before the broker's
    assert merged[0].tag == "ns" and merged[0].text == ns[0]
    assert {m.tag for m in merged[:5]} == {"ns"}


@given(st.integers(0, 300), st.integers(0, 300), st.integers(1, 200), st.integers(1, 200))
def test_merge_of_any_slices_is_sorted_and_stable(a: int, b: int, na: int, nb: int) -> None:
    ns, broker = real("namesrv.log")[a : a + na], real("broker.log")[b : b + nb]
    merged = merge_by_time({"ns": (ns, NAMESRV), "b": (broker, BROKER)})
    assert [m.text for m in merged if m.tag == "ns"] == ns
    assert [m.text for m in merged if m.tag == "b"] == broker
    fmts = {"ns": NAMESRV, "b": BROKER}
    times = [fmts[m.tag].time(m.text) for m in merged if fmts[m.tag].is_header(m.text)]
    assert times == sorted(times)


def test_group_and_leveled_entries_agree() -> None:
    lines = real("broker.log")
    assert group_entries(lines, BROKER) == [e for _, e in leveled_entries(lines, BROKER)]
    # a block read from the middle of a trace: its leading frames form an entry of their own
    start = next(i for i, line in enumerate(lines) if line.startswith("    at ")) + 1
    entries = group_entries(lines[start:], BROKER)
    assert all(line.startswith("    at ") for line in entries[0])


@given(st.lists(st.integers(1, 40), min_size=1, max_size=30))
def test_entry_filter_streams_exactly_the_entries_at_the_level(cuts: list[int]) -> None:
    """However the lines arrive in batches, the filter prints the WARN/ERROR entries whole."""
    lines = real("broker.log")
    expected = [line for lv, e in leveled_entries(lines, BROKER) if lv >= Level.WARN for line in e]
    flt = EntryFilter(BROKER, Level.WARN)
    out: list[str] = []
    pos = 0
    for size in cuts * (len(lines) // sum(cuts) + 1):
        if pos >= len(lines):
            break
        out += flt.feed(lines[pos : pos + size])
        pos += size
    assert out == expected


def test_gc_lines_are_entries_of_their_own() -> None:
    lines = real("gc.log")
    assert len(group_entries(lines, gc_format())) == len(lines)
