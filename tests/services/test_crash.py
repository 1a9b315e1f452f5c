"""Crash findings from the stdout.log real 5.5.0 brokers left behind (tests/data/crash/README.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rocketui.services.crash import CrashCache, analyse, last_exit, last_run
from rocketui.services.run_record import RunRecord

DATA = Path(__file__).parent.parent / "data" / "crash" / "5.5.0"


def read(name: str) -> str:
    return (DATA / name).read_text(errors="replace")


def test_kill_9_is_sigkill_with_the_shells_own_line() -> None:
    info = analyse(read("broker-kill9-stdout.log"), mtime=1.0, hs_err=None)
    assert (info.exit_status, info.signal_name, info.ended_at) == (137, "SIGKILL", 1796016237.0)
    assert info.lines[-1] == "Killed"
    # only the last run speaks: the earlier run's exit line and output are not part of it
    assert not any("exited with status 143" in line for line in info.lines)
    assert info.cause().startswith("killed by SIGKILL (exit status 137")


def test_a_jvm_that_cannot_start_says_why_once() -> None:
    info = analyse(read("broker-heap-too-small-stdout.log"), mtime=None, hs_err=None)
    assert info.exit_status == 1 and info.signal_name is None
    assert info.lines == (
        "the heap is too small for the JVM to start: GC triggered before VM initialization completed. "
        "Try increasing NewSize, current value 8192K.",
    )


def test_a_jvm_crash_names_its_signal_and_error_log() -> None:
    info = analyse(read("broker-sigsegv-stdout.log"), mtime=None, hs_err="/run/broker-a/hs_err_pid27017.log")
    assert (info.exit_status, info.signal_name) == (134, "SIGABRT")
    assert info.lines == (
        "the JVM crashed: #  SIGSEGV (0xb) at pc=0x00007efe49409f14 (sent by kill), pid=27017, tid=27017",
    )
    assert "JVM fatal error log /run/broker-a/hs_err_pid27017.log" in info.summary()


def test_last_exit_reads_both_line_formats() -> None:
    assert last_exit("x\n[rocketui] exited with status 143\n") == (143, None)
    assert last_exit("[rocketui] exited with status 143\ny\n[rocketui] exited with status 1 at 17\n") == (1, 17.0)
    assert last_exit("no exit line\n") is None


@pytest.mark.parametrize(
    ("output", "run"),
    [
        ("a\nb\n", "a\nb\n"),
        ("a\n[rocketui] exited with status 1 at 5\n", "a\n"),
        ("a\n[rocketui] exited with status 1\nb\n[rocketui] exited with status 2 at 9\n", "b\n"),
        ("a\n[rocketui] exited with status 1\nb still running\n", "b still running\n"),
    ],
)
def test_last_run(output: str, run: str) -> None:
    assert last_run(output) == run


def test_no_exit_line_is_said_plainly() -> None:
    info = analyse("some output\n", mtime=42.0, hs_err=None)
    assert info.exit_status is None and info.ended_at == 42.0
    assert info.cause() == "exit status unknown (no exit line in stdout.log)"


def test_the_cache_follows_the_record_and_the_file() -> None:
    from rocketui.backends.base import FileStat

    cache = CrashCache()
    record = RunRecord(10, 100.0)
    st = FileStat(5, 1, 2, 0o644)
    info = analyse("Killed\n[rocketui] exited with status 137 at 9\n", mtime=None, hs_err=None)
    cache.put("b", record, st, info)
    assert cache.get("b", record, st) is info and cache.known("b", record)
    assert cache.get("b", record, FileStat(6, 1, 2, 0o644)) is None  # the file grew
    assert cache.get("b", RunRecord(11, 200.0), st) is None  # another start
    assert not cache.known("b", RunRecord(11, 200.0))


def test_run_record_round_trip_and_the_old_format() -> None:
    record = RunRecord(4242, 100.0).with_stop_requested(150.0).with_acknowledged(120.0)
    assert RunRecord.parse(record.to_bytes()) == record
    assert record.stopping and record.crash_acknowledged
    assert RunRecord.parse(b'{"leader": 7, "started": 1.5}') == RunRecord(7, 1.5)  # written before 2026-11-30
    assert RunRecord.parse(b"garbage") is None and RunRecord.parse(b"[]") is None
    old_stop = RunRecord(1, 100.0, stop_requested=50.0)  # a stop asked before this start
    assert not old_stop.stopping
