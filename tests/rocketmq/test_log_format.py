"""The line-layout compiler on the logback XMLs RocketMQ ships and the lines its JVMs wrote
(tests/data/logback, tests/data/logs/5.5.0; see their READMEs for where they come from)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rocketui.rocketmq.log_entries import leveled_entries
from rocketui.rocketmq.log_format import (
    ROCKETMQ_PATTERN,
    Level,
    LineFormat,
    compile_pattern,
    default_console_format,
    gc_format,
    java_zone,
    stdout_format,
)
from rocketui.rocketmq.logs import display_lines, logback_layouts

DATA = Path(__file__).resolve().parent.parent / "data"
LOGS = DATA / "logs" / "5.5.0"
GMT8 = timezone(timedelta(hours=8))
# run 2 of the capture (tests/data/logs/5.5.0/README.md) wrote its lines between these instants
RUN2 = (datetime(2026, 11, 30, 5, 21, tzinfo=UTC).timestamp(), datetime(2026, 11, 30, 5, 24, tzinfo=UTC).timestamp())
STAMP_LEVEL = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (ERROR|WARN|INFO) ")  # the test's own reading


def layout(xml: str, file_name: str) -> LineFormat:
    """The layout the real XML gives a file (as the JVM would resolve its paths)."""
    layouts = logback_layouts((DATA / "logback" / xml).read_text(), {"user.home": "/h", "brokerLogDir": ""})
    pattern = layouts.pattern_of(f"/h/logs/rocketmqlogs/{file_name}")
    assert pattern is not None, f"{xml} has no appender for {file_name}"
    return compile_pattern(pattern, origin=xml)


def real(name: str) -> list[str]:
    """A captured file as the log view gets it (tabs as spaces, controls made visible)."""
    return display_lines((LOGS / name).read_bytes())


# ------------------------------------------------------------------ the XMLs
@pytest.mark.parametrize(
    "xml",
    [
        "5.5.0/rmq.broker.logback.xml",
        "5.5.0/rmq.namesrv.logback.xml",
        "5.5.0/rmq.tools.logback.xml",
        "5.5.0/rmq.controller.logback.xml",
        "5.5.0/rmq.client.logback.xml",
        "4.9.7/logback_broker.xml",
        "4.9.7/logback_namesrv.xml",
        "4.9.7/logback_tools.xml",
    ],
)
def test_every_pattern_of_the_real_xmls_compiles_with_its_zone(xml: str) -> None:
    layouts = logback_layouts((DATA / "logback" / xml).read_text(), {"user.home": "/h", "brokerLogDir": ""})
    patterns = [p for _, p in layouts.files if p] + ([layouts.console] if layouts.console else [])
    assert patterns
    for pattern in patterns:
        fmt = compile_pattern(pattern, origin=xml)
        assert fmt.date is not None and fmt.date.has_date, pattern
        if "rocketmq_client" not in pattern and ",SSS}" not in pattern:
            # `,GMT+8` is %d's zone: GMT+8, no milliseconds (the client's `.SSS,GMT+8` has them)
            assert fmt.zone is not None and fmt.zone.utcoffset(None) == timedelta(hours=8), pattern
            assert fmt.millis == (".SSS" in pattern), pattern


def test_4_9_7_namesrv_console_names_zone_sss_which_java_reads_as_gmt() -> None:
    console = logback_layouts((DATA / "logback/4.9.7/logback_namesrv.xml").read_text(), {"user.home": "/h"}).console
    assert console == r"%d{yyy-MM-dd HH\:mm\:ss,SSS} %p %t - %m%n"
    fmt = compile_pattern(console, origin="4.9.7")
    assert not fmt.millis and fmt.zone is not None and fmt.zone.utcoffset(None) == timedelta(0)
    assert "SSS" in fmt.zone_label
    # logback keeps the backslash of an unquoted option: SimpleDateFormat prints it as it is
    line = r"2026-11-30 05\:18\:44 INFO main - x"
    assert fmt.time(line) == datetime(2026, 11, 30, 5, 18, 44, tzinfo=UTC).timestamp()


def test_the_client_layout_with_milliseconds_pid_and_logger() -> None:
    fmt = layout("5.5.0/rmq.client.logback.xml", "rocketmq_client.log")
    line = "2026-11-30 13:18:44.123 WARN  [1234] [main] [o.a.r.c.i.MQClientInstance#start:123] - x"
    assert fmt.classify(line) == (Level.WARN, True)
    assert fmt.time(line) == pytest.approx(datetime(2026, 11, 30, 5, 18, 44, 123000, tzinfo=UTC).timestamp())


def test_java_zone_ids() -> None:
    assert java_zone("GMT+8")[0].utcoffset(None) == timedelta(hours=8)
    assert java_zone("GMT-05:30")[0].utcoffset(None) == -timedelta(hours=5, minutes=30)
    assert java_zone("GMT+0800")[0].utcoffset(None) == timedelta(hours=8)
    assert java_zone("UTC")[0].utcoffset(None) == timedelta(0)
    shanghai, _ = java_zone("Asia/Shanghai")
    assert datetime(2026, 11, 30, tzinfo=shanghai).utcoffset() == timedelta(hours=8)
    gmt, label = java_zone("SSS")  # TimeZone.getTimeZone: an unknown id is GMT
    assert gmt.utcoffset(None) == timedelta(0) and "SSS" in label


# ------------------------------------------------------------------ the lines real JVMs wrote
def test_broker_log_levels_entries_and_times() -> None:
    fmt = layout("5.5.0/rmq.broker.logback.xml", "broker.log")
    lines = real("broker.log")
    entries = leveled_entries(lines, fmt)
    assert [line for _, e in entries for line in e] == lines  # every line in exactly one entry, in order
    headers = [line for line in lines if STAMP_LEVEL.match(line)]
    assert [e[0] for _, e in entries] == headers  # only lines with a stamp start an entry
    for level in (Level.ERROR, Level.WARN):
        name = Level.NAMES[level]
        assert sum(1 for lv, _ in entries if lv == level) == sum(1 for h in headers if f" {name} " in h[:30])
    errors = [e for lv, e in entries if lv == Level.ERROR]
    assert len(errors) == 3
    for entry in errors:  # the failed registration with its whole stack trace
        assert entry[0].endswith("Failed to register current broker to name server. TargetHost=127.0.0.1:12020")
        assert entry[1].startswith("org.apache.rocketmq.remoting.exception.RemotingConnectException")
        assert entry[-1] == "    at java.base/java.lang.Thread.run(Thread.java:840)"
    times = [fmt.time(e[0]) for _, e in entries]
    assert all(t is not None and RUN2[0] <= t <= RUN2[1] for t in times)  # read as GMT+8, not as the host's UTC
    assert times[0] == datetime(2026, 11, 30, 13, 22, 2, tzinfo=GMT8).timestamp()
    assert fmt.classify(lines[0]) == (Level.INFO, True)


@pytest.mark.parametrize(
    ("name", "xml", "levels"),
    [
        ("store.log", "5.5.0/rmq.broker.logback.xml", {Level.INFO, Level.WARN}),
        ("remoting.log", "5.5.0/rmq.broker.logback.xml", {Level.INFO}),
        ("transaction.log", "5.5.0/rmq.broker.logback.xml", {Level.INFO, Level.WARN}),
        ("stats.log", "5.5.0/rmq.broker.logback.xml", {Level.INFO}),  # %p - %m: no thread
        ("watermark.log", "5.5.0/rmq.broker.logback.xml", {Level.NONE}),  # - %m: no level
        ("namesrv.log", "5.5.0/rmq.namesrv.logback.xml", {Level.INFO, Level.ERROR}),
        ("namesrv_default.log", "5.5.0/rmq.namesrv.logback.xml", {Level.INFO}),
    ],
)
def test_each_real_file_reads_with_the_layout_of_its_appender(name: str, xml: str, levels: set[int]) -> None:
    fmt = layout(xml, name)
    lines = real(name)
    entries = leveled_entries(lines, fmt)
    assert {lv for lv, _ in entries} == levels
    assert all(fmt.is_header(e[0]) and RUN2[0] - 180 <= (fmt.time(e[0]) or 0) <= RUN2[1] for _, e in entries)
    # a continuation line never starts with a stamp, an entry line always does
    assert all(not re.match(r"\d{4}-\d\d-\d\d ", line) for _, e in entries for line in e[1:])


def test_decode_errors_keep_their_long_traces_and_caused_by() -> None:
    fmt = layout("5.5.0/rmq.namesrv.logback.xml", "namesrv.log")
    entries = leveled_entries(real("namesrv-decode-errors.log"), fmt)
    errors = [e for lv, e in entries if lv == Level.ERROR]
    assert [len(e) for e in errors] == [29, 32]
    assert (
        errors[0][1]
        == "org.apache.rocketmq.remoting.exception.RemotingCommandException: decode error, bad header length: 4543520"
    )
    assert errors[1][1].startswith("io.netty.handler.codec.TooLongFrameException")


def test_restamp_shows_the_same_instant_in_another_zone() -> None:
    fmt = layout("5.5.0/rmq.broker.logback.xml", "broker.log")
    first = real("broker.log")[0]
    assert first.startswith("2026-11-30 13:22:02 INFO main - ")
    shown = fmt.restamp(first, UTC)
    assert shown == first.replace("13:22:02", "05:22:02", 1)
    text, level, span = fmt.view(first, UTC)
    assert (text, level, span) == (shown, Level.INFO, (0, 19))
    assert fmt.restamp("    at x.Y(Y.java:1)", UTC) == "    at x.Y(Y.java:1)"


# ------------------------------------------------------------------ stdout.log
STDOUT = stdout_format(default_console_format("broker", "5.5.0"))


@pytest.mark.parametrize(
    ("name", "errors", "warnings"),
    [
        (
            "stdout-invalid-heap.log",
            [
                "Invalid maximum heap size: -Xmx256x",
                "Error: Could not create the Java Virtual Machine.",
                "Error: A fatal exception has occurred. Program will exit.",
                "[rocketui] exited with status 1",
            ],
            ["OpenJDK 64-Bit Server VM warning: Option UseBiasedLocking was deprecated"],
        ),
        (
            "stdout-vm-init-error.log",
            ["Error occurred during initialization of VM", "[rocketui] exited with status 1"],
            ["OpenJDK 64-Bit Server VM warning: Option UseBiasedLocking was deprecated"],
        ),
        ("stdout-namesrv.log", [], []),  # boot lines and the exit after a stop (143)
    ],
)
def test_stdout_jvm_errors_are_errors_and_vm_warnings_warnings(
    name: str, errors: list[str], warnings: list[str]
) -> None:
    lines = real(name)
    by_level = {lv: [line for line in lines if STDOUT.level(line) == lv] for lv in (Level.ERROR, Level.WARN)}
    assert by_level[Level.ERROR] == errors
    assert [w[: len(p)] for w, p in zip(by_level[Level.WARN], warnings, strict=True)] == warnings


def test_stdout_exception_keeps_its_trace_and_logback_status_warnings() -> None:
    lines = real("stdout-store-locked.log")
    entries = leveled_entries(lines, STDOUT)
    errors = [e for lv, e in entries if lv == Level.ERROR]
    assert errors[0][0] == "java.lang.RuntimeException: Lock failed, MQ already started, lock status: null"
    assert len(errors[0]) == 6 and all(line.startswith("    at ") for line in errors[0][1:])
    assert errors[1] == ["[rocketui] exited with status 255"]
    status_warnings = [e[0] for lv, e in entries if lv == Level.WARN and "|-WARN in" in e[0]]
    assert len(status_warnings) == 2  # logback's own complaints about the XML, in the JVM's zone
    assert all(STDOUT.time(w) is None for w in status_warnings)  # a time of day without a date


def test_stdout_crash_notice_stays_with_its_line_and_is_an_error() -> None:
    lines = real("stdout-crash-sigsegv.log")
    entries = leveled_entries(lines, STDOUT)
    boot = next(e for _, e in entries if e[0].startswith("The Name Server boot success"))
    assert boot[1:] == lines[2:20]  # the whole `#` notice continues the last line before it
    assert next(lv for lv, e in entries if e is boot) == Level.ERROR
    errors = [line for line in lines if STDOUT.level(line) == Level.ERROR]
    assert errors == [
        "# A fatal error has been detected by the Java Runtime Environment:",
        "#  SIGSEGV (0xb) at pc=0x00007fd6aa043f14 (sent by kill), pid=18188, tid=18188",
        "# An error report file with more information is saved as:",
        "# /tmp/logcap/run3/work/ns/hs_err_pid18188.log",
        "Aborted",
        "[rocketui] exited with status 134",
    ]


def test_stdout_console_lines_have_levels_and_times() -> None:
    fmt = stdout_format(layout("5.5.0/rmq.broker.logback.xml", "broker.log"))
    line = real("broker.log")[0]  # the console appender writes the broker's lines the same way
    assert fmt.classify(line) == (Level.INFO, True) and fmt.time(line) is not None


# ------------------------------------------------------------------ GC log
def test_gc_log_stamps_carry_their_own_offset() -> None:
    gc = gc_format()
    lines = real("gc.log")
    assert all(gc.is_header(line) for line in lines)
    assert lines[0].startswith("[2026-11-30T05:22:02.") and "+0000]" in lines[0]
    times = [gc.time(line) for line in lines]
    assert all(t is not None and RUN2[0] <= t <= RUN2[1] for t in times)
    assert gc.restamp(lines[0], GMT8).startswith("[2026-11-30T13:22:02.")
    assert "+0800]" in gc.restamp(lines[0], GMT8)
    assert {gc.level(line) for line in lines} == {Level.NONE}  # young pauses only: nothing to warn about


def test_a_full_gc_pause_is_a_warning() -> None:
    gc = gc_format()
    lines = real("gc-full-pause.log")
    warnings = [line for line in lines if gc.level(line) == Level.WARN]
    assert [w.split("] ", 1)[1] for w in warnings] == [
        "GC(5) Pause Full (Diagnostic Command)",
        "GC(5) Pause Full (Diagnostic Command) 37M->30M(128M) 42.918ms",
    ]
    assert all(gc.level(line) == Level.NONE for line in lines if line not in warnings)


# ------------------------------------------------------------------ properties
@given(
    when=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)),
    level=st.sampled_from(list(Level.BY_NAME)),
    millis=st.booleans(),
)
def test_a_stamp_written_in_the_pattern_is_read_back_as_the_same_instant(
    when: datetime, level: str, millis: bool
) -> None:
    pattern = "%d{yyy-MM-dd HH:mm:ss.SSS,GMT+8} %p %t - %m%n" if millis else ROCKETMQ_PATTERN
    fmt = compile_pattern(pattern, origin="test")
    assert fmt.date is not None
    instant = when.replace(tzinfo=UTC, microsecond=when.microsecond // 1000 * 1000 if millis else 0)
    line = f"{fmt.date.format(instant.astimezone(GMT8))} {level} main - x"
    assert fmt.classify(line) == (Level.BY_NAME[level], True)
    assert fmt.time(line) == pytest.approx(instant.timestamp())
    assert fmt.time(fmt.restamp(line, UTC)) == pytest.approx(instant.timestamp() - 8 * 3600)  # read as GMT+8


@given(st.binary(max_size=300))
def test_no_control_character_survives_display(raw: bytes) -> None:
    raw = raw.replace(b"\r", b"") + b"\n"
    for line in display_lines(raw):
        assert not re.search("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]", line), line


# ------------------------------------------------------------------ every captured version
def captured() -> list[tuple[str, str, str]]:
    """(version, file, pattern) for each captured log file whose name an appender of that
    version's real XMLs writes: adding lines of another version is adding its data files."""
    found = []
    for version_dir in sorted((DATA / "logs").iterdir()):
        xmls = sorted((DATA / "logback" / version_dir.name).glob("*.xml"))
        assert (version_dir / "README.md").exists(), f"{version_dir} needs a README saying where its lines came from"
        assert xmls, f"tests/data/logback/{version_dir.name} needs the XMLs the lines were written with"
        for log in sorted(version_dir.glob("*.log")):
            for xml in xmls:
                layouts = logback_layouts(xml.read_text(), {"user.home": "/h", "brokerLogDir": ""})
                pattern = layouts.pattern_of(f"/h/logs/rocketmqlogs/{log.name}")
                if pattern:
                    found.append((version_dir.name, log.name, pattern))
                    break
    return found


@pytest.mark.parametrize(("version", "name", "pattern"), captured())
def test_every_captured_file_reads_with_its_versions_layout(version: str, name: str, pattern: str) -> None:
    fmt = compile_pattern(pattern, origin=version)
    lines = display_lines((DATA / "logs" / version / name).read_bytes())
    entries = leveled_entries(lines, fmt)
    assert entries and fmt.is_header(lines[0])
    assert all(fmt.time(e[0]) is not None for _, e in entries)  # every entry line has a stamp with a date
    assert all(not re.match(r"\d{4}-\d\d-\d\d", line) for _, e in entries for line in e[1:])
    if "%p" in pattern:
        assert all(lv != Level.NONE for lv, _ in entries)  # and a level where the layout writes one
