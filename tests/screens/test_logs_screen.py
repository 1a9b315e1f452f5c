"""The log view with Pilot, on real files written while it follows (the node table's status
comes from a fixed table; the files, the follower and the backend are real)."""

from __future__ import annotations

import os
import re
import shutil
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from rocketui.app import RocketUI
from rocketui.model.loader import parse_cluster
from rocketui.screens.logs import LogsScreen
from rocketui.widgets.log_view import LogView
from tests.support.fake_service import TableService
from tests.support.waits import pilot_wait_for

REAL = Path(__file__).resolve().parent.parent / "data" / "logs" / "5.5.0"  # lines real JVMs wrote


@pytest.fixture
def host_tz() -> Iterator[Callable[[str], None]]:
    """Set the zone of "this machine" (TZ) for a test; restored afterwards."""
    old = os.environ.get("TZ")

    def set_tz(name: str) -> None:
        os.environ["TZ"] = name
        time.tzset()

    yield set_tz
    if old is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old
    time.tzset()


def cluster_file(tmp_path: Path) -> str:
    return textwrap.dedent(f"""\
        cluster: LogCluster
        rocketmq: {{home: {tmp_path}/rocketmq, version: "5.5.0"}}
        work_dir: {tmp_path}/work
        hosts:
          local: {{backend: local, address: 127.0.0.1}}
        nodes:
          - {{name: namesrv-1, kind: namesrv, host: local, port: 9876}}
          - {{name: broker-a, kind: broker, host: local, port: 10911, broker_name: broker-a, config: /etc/a.properties}}
        """)


def make_app(tmp_path: Path) -> RocketUI:
    cluster = parse_cluster(cluster_file(tmp_path), str(tmp_path / "c.yaml"))
    app = RocketUI(cluster, service=TableService(cluster, {}), poll_interval=0)
    app.animation_level = "none"
    return app


def log_dir(tmp_path: Path, node: str) -> Path:
    d = tmp_path / "work" / node / "logs" / "rocketmqlogs"
    d.mkdir(parents=True, exist_ok=True)
    return d


def line(i: int, level: str = "INFO", text: str = "") -> str:
    """Line i (second i after 10:00) in RocketMQ's layout `%d{yyy-MM-dd HH:mm:ss,GMT+8} %p %t - %m%n`
    (no milliseconds: see tests/data/logs/5.5.0 for lines real JVMs wrote)."""
    return f"2026-11-25 {10 + i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d} {level} main - {text or f'message {i}'}\n"


async def open_logs(pilot, node_row: int = 1) -> LogView:
    await pilot.pause()
    for _ in range(node_row):
        await pilot.press("down")
    await pilot.press("l")
    await pilot_wait_for(pilot, lambda: isinstance(pilot.app.screen, LogsScreen) and pilot.app.screen.view.is_mounted)
    return pilot.app.screen.view


async def test_l_shows_the_end_of_the_main_log_and_follows_new_lines(tmp_path: Path) -> None:
    logs = log_dir(tmp_path, "broker-a")
    (logs / "broker.log").write_text("".join(line(i) for i in range(2000)))
    (logs / "store.log").write_text(line(0, text="store line"))
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        view = await open_logs(pilot)
        await pilot_wait_for(pilot, lambda: view.line_count == 500)
        assert view.lines()[-1].endswith("message 1999")
        with open(logs / "broker.log", "a") as f:
            f.write("".join(line(i) for i in range(2000, 2100)))
        await pilot_wait_for(pilot, lambda: view.lines()[-1].endswith("message 2099"))
        assert view.line_count == 600
        assert view.scroll_y == view.max_scroll_y  # following keeps the end in sight
        files = app.screen.query_one("#log-files")
        assert [str(o.prompt).split()[0] for o in files.options][:3] == ["broker.log", "store.log", "stdout.log"] or [
            str(o.prompt).split()[0] for o in files.options
        ][:2] == ["broker.log", "store.log"]
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, LogsScreen)


class _MountProbe(LogsScreen):
    """Records how many lines the view holds when the screen's own Mount is handled."""

    lines_at_mount = -1

    def on_mount(self) -> None:
        super().on_mount()
        self.lines_at_mount = self.view.line_count


async def test_the_end_read_while_the_screen_is_built_is_shown_at_its_mount(tmp_path: Path) -> None:
    # the read of the main log's end starts when the screen is made; once it is in, the first
    # mount shows it (no worker or thread hop left between the push and the lines)
    logs = log_dir(tmp_path, "broker-a")
    (logs / "broker.log").write_text("".join(line(i) for i in range(800)))
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        screen = _MountProbe(app.ops.logs, [app.cluster.node("broker-a")])
        assert screen._early is not None
        await pilot_wait_for(pilot, screen._early.done)
        await app.push_screen(screen)
        await pilot_wait_for(pilot, lambda: screen.lines_at_mount >= 0)
        assert screen.lines_at_mount == 500
        assert screen.view.lines()[-1].endswith("message 799")
        assert screen.current is not None and screen.current.name == "broker.log"


async def test_side_list_switches_files(tmp_path: Path) -> None:
    logs = log_dir(tmp_path, "broker-a")
    (logs / "broker.log").write_text(line(1, text="from broker.log"))
    (logs / "store.log").write_text(line(2, text="from store.log"))
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        view = await open_logs(pilot)
        await pilot_wait_for(pilot, lambda: view.line_count == 1)
        await pilot.click("#log-files", offset=(3, 2))  # second entry (row 0 is the border)
        await pilot_wait_for(pilot, lambda: view.lines() and view.lines()[-1].endswith("from store.log"))
        assert app.screen.current.name == "store.log"


async def test_before_the_main_log_exists_the_captured_stdout_is_shown(tmp_path: Path) -> None:
    run = tmp_path / "work" / "broker-a"
    run.mkdir(parents=True)
    (run / "stdout.log").write_text("Error: Could not create the Java Virtual Machine.\n")
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        view = await open_logs(pilot)
        await pilot_wait_for(pilot, lambda: view.line_count == 1)
        assert app.screen.current.name == "stdout.log"
        assert "Could not create" in view.lines()[0]


async def test_filter_highlights_counts_and_keeps_stack_traces(tmp_path: Path) -> None:
    logs = log_dir(tmp_path, "broker-a")
    body = [line(i) for i in range(50)]
    body[10] = line(10, "ERROR", "flush failed")
    body.insert(11, "java.io.IOException: disk\n\tat a.B.c(B.java:9)\n")
    (logs / "broker.log").write_text("".join(body))
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        view = await open_logs(pilot)
        await pilot_wait_for(pilot, lambda: view.line_count == 52)
        await pilot.press("slash", *"flush")
        await pilot_wait_for(pilot, lambda: view.match_count == 3)
        assert view.lines()[0].endswith("flush failed") and view.lines()[2].startswith("    at")  # tab shown as spaces
        await pilot.press("enter")
        assert "3 matching" in str(app.screen.query_one("#log-status").render())
        # an invalid regex keeps the previous filter and says why
        await pilot.press("slash", "(")
        await pilot.pause()
        assert view.match_count == 3
        assert "invalid regex" in app.screen.query_one("#log-filter").border_subtitle
        await pilot.press("escape")  # clears the filter first
        await pilot.pause()
        assert view.match_count is None and view.line_count == 52
        assert isinstance(app.screen, LogsScreen)


async def test_error_jumps_and_pause_hold_new_lines(tmp_path: Path) -> None:
    logs = log_dir(tmp_path, "broker-a")
    body = [line(i) for i in range(300)]
    body[40] = line(40, "WARN", "slow disk")
    body[200] = line(200, "ERROR", "broken")
    (logs / "broker.log").write_text("".join(body))
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        view = await open_logs(pilot)
        await pilot_wait_for(pilot, lambda: view.line_count == 300)
        await pilot_wait_for(pilot, lambda: view.max_scroll_y > 0 and view.scroll_y == view.max_scroll_y)
        await pilot.press("E")  # previous problem from the end: the ERROR
        await pilot.pause()
        assert not view.following
        assert view._mark is not None and view._line(view._mark).text.endswith("broken")
        await pilot.press("E")
        await pilot.pause()
        assert view._line(view._mark).text.endswith("slow disk")
        top = view.scroll_y
        with open(logs / "broker.log", "a") as f:
            f.write("".join(line(i) for i in range(300, 340)))
        await pilot_wait_for(pilot, lambda: view.pending == 40)
        assert view.scroll_y == top and view.line_count == 300  # the text did not move
        assert "40 new lines" in str(app.screen.query_one("#log-status").render())
        await pilot.press("f")
        await pilot.pause()
        assert view.following and view.line_count == 340 and view.scroll_y == view.max_scroll_y


async def test_scrolling_to_the_top_reads_older_lines_from_the_file(tmp_path: Path) -> None:
    logs = log_dir(tmp_path, "broker-a")
    (logs / "broker.log").write_text("".join(line(i) for i in range(3000)))
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        view = await open_logs(pilot)
        await pilot_wait_for(pilot, lambda: view.line_count == 500)
        await pilot_wait_for(pilot, lambda: view.max_scroll_y > 0 and view.scroll_y == view.max_scroll_y)
        await pilot.press("home")
        await pilot_wait_for(pilot, lambda: view.line_count == 1000)
        assert view.lines()[0].endswith("message 2000")
        assert view.lines()[499].endswith("message 2499")
        assert not view.following
        assert view.scroll_y >= 499  # the viewport stayed on the line it showed


async def test_merged_view_tags_lines_by_node(tmp_path: Path) -> None:
    (log_dir(tmp_path, "namesrv-1") / "namesrv.log").write_text(line(1, text="ns first") + line(3, text="ns third"))
    (log_dir(tmp_path, "broker-a") / "broker.log").write_text(line(2, text="broker second"))
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        await pilot.press("L")
        await pilot_wait_for(pilot, lambda: isinstance(app.screen, LogsScreen) and app.screen.view.is_mounted)
        view = app.screen.view

        def logged() -> list[tuple[str, str]]:  # (tag, message) of the log lines, rocketui's notes left out
            lines = [view._line(i) for i in range(view._base, view._base + view.line_count)]
            return [(l.tag, l.text.split(" - ")[1]) for l in lines if not l.notice]

        await pilot_wait_for(pilot, lambda: len(logged()) == 3)
        assert logged() == [("namesrv-1", "ns first"), ("broker-a", "broker second"), ("namesrv-1", "ns third")]
        with open(log_dir(tmp_path, "broker-a") / "broker.log", "a") as f:
            f.write(line(4, text="broker live"))
        await pilot_wait_for(pilot, lambda: len(logged()) == 4)
        assert logged()[3] == ("broker-a", "broker live")


@pytest.mark.parametrize("wrap", [False, True])
def test_log_view_snapshot(snap_compare, wrap: bool, host_tz) -> None:
    host_tz("UTC")  # the header names the host's zone and stamps are shown in it
    tmp_path = Path("/tmp/rocketui-snapshot-logs")  # fixed: the path is on screen
    shutil.rmtree(tmp_path, ignore_errors=True)
    logs = log_dir(tmp_path, "broker-a")
    body = [line(i) for i in range(40)]
    body[30] = line(30, "WARN", "disk usage 91% over diskMaxUsedSpaceRatio")
    body[35] = line(35, "ERROR", "putMessage failed " + "x" * 150)
    (logs / "broker.log").write_text("".join(body))
    (logs / "store.log").write_text(line(0))
    app = make_app(tmp_path)

    async def run_before(pilot) -> None:
        view = await open_logs(pilot)
        await pilot_wait_for(pilot, lambda: view.line_count == 40)
        if wrap:
            await pilot.press("w")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 24), run_before=run_before)


# ------------------------------------------------------------------ on lines real JVMs wrote
def style_colours(view: LogView, index: int) -> set[str]:
    strip = view._strip(index)
    assert not isinstance(strip, list)
    return {seg.style.color.name for seg in strip if seg.style is not None and seg.style.color is not None}


async def test_real_broker_log_levels_jumps_and_traces(tmp_path: Path, host_tz) -> None:
    host_tz("UTC")
    shutil.copy(REAL / "broker.log", log_dir(tmp_path, "broker-a") / "broker.log")
    lines = (REAL / "broker.log").read_text().splitlines()
    # the test's own reading: entry lines at WARN or ERROR
    problems = [line for line in lines if re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (WARN|ERROR) ", line)]
    assert len(problems) == 10
    app = make_app(tmp_path)
    async with app.run_test(size=(140, 30)) as pilot:
        view = await open_logs(pilot)
        await pilot_wait_for(pilot, lambda: view.line_count == 500)  # the end of the file first
        await pilot.press("home")  # then the rest, read backwards from the file
        await pilot_wait_for(pilot, lambda: view.line_count == len(lines))
        await pilot.press("home")
        await pilot.pause()
        found = []
        while view.jump_level(forward=True, min_level=4):
            await pilot.pause()
            found.append(view._line(view._mark).text)
        assert found == problems
        for index in range(view._base, view._base + view.line_count):
            text = view._text_at(index)
            if " ERROR " in text[:30]:
                assert "red" in style_colours(view, index)
            elif " WARN " in text[:30]:
                assert "yellow" in style_colours(view, index)
            elif text.startswith("    at "):  # a frame of a trace: no colour of its own
                assert not style_colours(view, index) & {"red", "yellow"}
        # the filter keeps each failed registration with its stack trace
        await pilot.press("slash", *"Failed to register")
        await pilot_wait_for(pilot, lambda: view.match_count == 27)
        assert view.lines()[1].startswith("org.apache.rocketmq.remoting.exception.RemotingConnectException")


async def test_stamps_in_the_host_zone_by_default_and_as_written_on_z(tmp_path: Path, host_tz) -> None:
    host_tz("Asia/Tokyo")  # UTC+9: the log's own zone is GMT+8
    shutil.copy(REAL / "broker.log", log_dir(tmp_path, "broker-a") / "broker.log")
    first = (REAL / "broker.log").read_text().splitlines()[-500]  # the first line the view shows
    assert first.startswith("2026-11-30 13:22:02 INFO main - ")
    app = make_app(tmp_path)
    async with app.run_test(size=(140, 30)) as pilot:
        view = await open_logs(pilot)
        await pilot_wait_for(pilot, lambda: view.line_count == 500)
        screen = app.screen
        index = view._base

        def drawn() -> str:
            strip = view._strip(index)
            assert not isinstance(strip, list)
            return strip.text

        assert drawn().startswith("2026-11-30 14:22:02 INFO main - ")  # the same instant in UTC+09:00
        assert screen.sub_title.startswith("host time UTC+09:00 (z: as written) · ")
        assert view.lines()[0] == first  # the text itself (search, copy) stays as written
        await pilot.press("z")
        await pilot.pause()
        assert drawn().startswith("2026-11-30 13:22:02 INFO main - ")
        assert screen.sub_title.startswith("log time GMT+8 (z: host time) · ")
        await pilot.press("z")
        await pilot.pause()
        assert drawn().startswith("2026-11-30 14:22:02")


async def test_merged_view_orders_real_namesrv_and_broker_lines_by_time(tmp_path: Path, host_tz) -> None:
    host_tz("UTC")
    shutil.copy(REAL / "namesrv.log", log_dir(tmp_path, "namesrv-1") / "namesrv.log")
    shutil.copy(REAL / "broker.log", log_dir(tmp_path, "broker-a") / "broker.log")
    ns = (REAL / "namesrv.log").read_text().splitlines()
    broker = (REAL / "broker.log").read_text().splitlines()
    app = make_app(tmp_path)
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.pause()
        await pilot.press("L")
        await pilot_wait_for(pilot, lambda: isinstance(app.screen, LogsScreen) and app.screen.view.is_mounted)
        view = app.screen.view
        # the last 500 lines of each, and a note per node that its layout is assumed (no XML here)
        await pilot_wait_for(pilot, lambda: view.line_count == len(ns) + 500 + 2)
        notes = [view._line(i).text for i in range(view._base, view._base + view.line_count) if view._line(i).notice]
        assert sorted(notes) == [
            f"── {node}: {name}: layout assumed: RocketMQ 5.5.0 default ({tmp_path}/rocketmq/conf/rmq.{kind}.logback.xml "
            "does not exist) ──"
            for node, name, kind in [("broker-a", "broker.log", "broker"), ("namesrv-1", "namesrv.log", "namesrv")]
        ]
        shown = [(view._line(i).tag, view._line(i).text) for i in range(view._base, view._base + view.line_count)]
        stamp = re.compile(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) ")
        stamps = [m.group(1) for _, text in shown if (m := stamp.match(text))]
        assert stamps == sorted(stamps)  # both zones are GMT+8: the text order is the time order
        expect_ns = [line.replace("\t", "    ") for line in ns[-500:]]
        expect_broker = [line.replace("\t", "    ") for line in broker[-500:]]
        assert [t for tag, t in shown if tag == "namesrv-1"] == expect_ns
        assert [t for tag, t in shown if tag == "broker-a"] == expect_broker
        assert app.screen.sub_title.startswith("host time UTC+00:00")


async def test_real_stdout_errors_are_found_by_e(tmp_path: Path) -> None:
    run = tmp_path / "work" / "broker-a"
    run.mkdir(parents=True)
    shutil.copy(REAL / "stdout-crash-sigsegv.log", run / "stdout.log")
    app = make_app(tmp_path)
    async with app.run_test(size=(140, 30)) as pilot:
        view = await open_logs(pilot)
        await pilot_wait_for(pilot, lambda: view.line_count == 22)
        assert app.screen.current.name == "stdout.log"
        await pilot.press("E")
        await pilot.pause()
        assert view._line(view._mark).text == "[rocketui] exited with status 134"
        await pilot.press("E", "E")
        await pilot.pause()
        assert view._line(view._mark).text == "# /tmp/logcap/run3/work/ns/hs_err_pid18188.log"


async def test_one_new_line_is_one_line_and_sizes_follow_the_files(tmp_path: Path) -> None:
    logs = log_dir(tmp_path, "broker-a")
    (logs / "broker.log").write_text("".join(line(i) for i in range(300)))
    (logs / "store.log").write_text(line(0, text="store line"))
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        view = await open_logs(pilot)
        await pilot_wait_for(pilot, lambda: view.line_count == 300)
        files = app.screen.query_one("#log-files")
        await pilot_wait_for(pilot, lambda: len(files.options) >= 2)

        def size_of(name: str) -> str:
            prompt = next(str(o.prompt) for o in files.options if str(o.prompt).split()[0] == name)
            return prompt.split(maxsplit=1)[1]

        before = size_of("store.log")
        assert before == human(os.path.getsize(logs / "store.log"))
        await pilot.press("p")
        with open(logs / "broker.log", "a") as f:
            f.write(line(300))
        await pilot_wait_for(pilot, lambda: view.pending == 1)
        status = str(app.screen.query_one("#log-status").render())
        assert "PAUSED · 1 new line (f follows)" in status and "300 lines in view" in status
        with open(logs / "store.log", "a") as f:  # not the file in view: only its size changes
            f.write(line(1, text="x" * 2000))
        await pilot_wait_for(pilot, lambda: size_of("store.log") != before, timeout=15)
        assert size_of("store.log") == human(os.path.getsize(logs / "store.log"))


def human(size: int) -> str:
    from rocketui.text import human_bytes

    return human_bytes(size)


async def test_a_flood_shows_the_newest_lines_in_order_and_counts_every_line(tmp_path: Path) -> None:
    """Lines beyond a ring's worth are not built while following (only the newest can be shown),
    but every line is counted and what is shown is the end of the file, in order."""
    logs = log_dir(tmp_path, "broker-a")
    (logs / "broker.log").write_text("".join(line(i) for i in range(10)))
    flood = 60_000  # ~3 MiB: several 1 MiB reads queued before a flush
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        screen = LogsScreen(app.screen.ops.logs, [app.screen.cluster.node("broker-a")], max_lines=100)
        app.push_screen(screen)
        await pilot_wait_for(pilot, lambda: screen.view.is_mounted and screen.view.line_count == 10)
        view = screen.view
        for _ in range(2):
            start = view.total_received
            with open(logs / "broker.log", "a") as f:
                f.write("".join(line(i, text=f"flood {i}") for i in range(start, start + flood)))
            await pilot_wait_for(pilot, lambda start=start: view.total_received == start + flood, timeout=30)
            await pilot_wait_for(pilot, lambda start=start: view.lines()[-1].endswith(f"flood {start + flood - 1}"))
            shown = [int(t.rsplit(" ", 1)[1]) for t in view.lines()]
            assert 0 < len(shown) <= 100 and shown == list(range(shown[0], start + flood))
