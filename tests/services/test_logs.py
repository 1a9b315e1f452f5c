"""Tailing backwards, scrollback, merge by timestamp and where a node's logs are."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rocketui.backends.base import FileStat
from rocketui.backends.local import LocalBackend
from rocketui.services.logs import LineSplitter, read_before, tail


class CountingBackend(LocalBackend):
    """The real local backend, counting the bytes it reads."""

    def __init__(self) -> None:
        super().__init__()
        self.bytes_read = 0
        self.calls = 0

    async def read_range(self, path: str, offset: int, length: int) -> bytes:
        data = await super().read_range(path, offset, length)
        self.bytes_read += len(data)
        self.calls += 1
        return data

    async def read_end(self, path: str, length: int) -> tuple[FileStat, bytes] | None:
        got = await super().read_end(path, length)
        self.bytes_read += len(got[1]) if got else 0
        self.calls += 1
        return got

    async def read_file(self, path: str) -> bytes:
        raise AssertionError("the log view must never read a whole file")


async def test_the_end_of_a_1_gb_file_is_shown_without_reading_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broker.log"
    with open(path, "wb") as f:  # sparse: 1 GiB of holes, then real lines at the end
        f.truncate(1 << 30)
        f.seek(1 << 30)
        f.write(b"".join(b"2026-11-25 10:00:%02d INFO main - line %d\n" % (i % 60, i) for i in range(200)))
    backend = CountingBackend()
    shown, st = await tail(backend, str(path), 60)
    assert shown.lines[-1].endswith("line 199") and len(shown.lines) == 60
    assert shown.end == st.size == os.path.getsize(path)
    assert backend.bytes_read <= 64 * 1024
    assert backend.calls == 1  # the stat and the last block in one call: the view opens after one hop


async def test_a_last_line_longer_than_a_block_reads_on_without_reading_a_block_twice(tmp_path: Path) -> None:
    path = tmp_path / "stdout.log"
    long_line = b"x" * (100 * 1024)
    # a last line longer than a block, still being written: shown as it is rather than waited for
    path.write_bytes(b"first\n" + long_line + b"\nlast\n" + long_line)
    backend = CountingBackend()
    shown, st = await tail(backend, str(path), 2)
    assert st.size == path.stat().st_size
    assert len(shown.lines) == 2 and shown.lines[0] == "last" and shown.lines[1].startswith("x" * 1000)
    assert shown.end == st.size
    assert backend.bytes_read <= st.size  # no byte read twice


async def test_tail_leaves_out_a_partial_last_line_and_older_lines_continue_seamlessly(tmp_path: Path) -> None:
    path = tmp_path / "namesrv.log"
    path.write_bytes(b"".join(b"l%05d\n" % i for i in range(30000)) + b"partial")
    backend = LocalBackend()
    shown, _ = await tail(backend, str(path), 100)
    assert shown.lines == [f"l{i:05d}" for i in range(29900, 30000)]
    assert shown.end == path.stat().st_size - len(b"partial")
    collected = list(shown.lines)
    start = shown.start
    while start > 0:
        older = await read_before(backend, str(path), start, 7000, block=4096)
        assert older.end == start
        collected[:0] = older.lines
        start = older.start
    assert collected == [f"l{i:05d}" for i in range(30000)]


async def test_tail_of_a_missing_file_raises_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        await tail(LocalBackend(), str(tmp_path / "nope.log"), 10)


async def test_tail_of_one_unterminated_line_and_of_an_empty_file(tmp_path: Path) -> None:
    one = tmp_path / "one.log"
    one.write_bytes(b"no newline yet")
    shown, _ = await tail(LocalBackend(), str(one), 10)
    assert shown.lines == [] and shown.end == 0  # following from 0 delivers it when complete
    empty = tmp_path / "empty.log"
    empty.write_bytes(b"")
    shown, _ = await tail(LocalBackend(), str(empty), 10)
    assert shown.lines == [] and shown.end == 0


def test_splitter_keeps_multibyte_characters_split_across_reads() -> None:
    data = "日志 ERROR 中文\n".encode()
    splitter = LineSplitter()
    assert splitter.feed(data[:4]) == []
    assert splitter.feed(data[4:]) == ["日志 ERROR 中文"]


def test_crlf_is_not_shown_as_a_control_character() -> None:
    assert LineSplitter().feed(b"windows line\r\n") == ["windows line"]


async def test_a_connection_outage_does_not_cut_the_line_being_followed() -> None:
    """An SSH follower resumes at its offset after "disconnected"/"reconnected": the half line
    before the outage and its rest after it are one line (a rotation would drop the half)."""
    from rocketui.backends.base import FollowEvent
    from rocketui.services.logs import follow_lines

    class Replay:
        def __init__(self, events: list[FollowEvent]) -> None:
            self.events = events

        async def follow(self, path: str, *, start: int | None = None, poll: float = 0.1):
            for event in self.events:
                yield event

    outage = [
        FollowEvent(data=b"one\ntw", offset=0),
        FollowEvent(notice="disconnected"),
        FollowEvent(notice="reconnected"),
        FollowEvent(data=b"o\nthree\n", offset=6),
    ]
    batches = [b async for b in follow_lines(Replay(outage), "x.log", 0)]  # type: ignore[arg-type]
    assert [(b.notice, b.lines) for b in batches] == [
        ("", ["one"]),
        ("disconnected", []),
        ("reconnected", []),
        ("", ["two", "three"]),
    ]
    assert (batches[-1].start, batches[-1].offset) == (4, 14)
    rotated = [outage[0], FollowEvent(notice="rotated"), FollowEvent(data=b"o\nthree\n", offset=0)]
    lines = [line async for b in follow_lines(Replay(rotated), "x.log", 0) for line in b.lines]  # type: ignore[arg-type]
    assert lines == ["one", "o", "three"]
