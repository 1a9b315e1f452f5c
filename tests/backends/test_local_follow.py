"""tail -F semantics of the local follower, with a real writer process appending to a real file."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from rocketui.backends.local import LocalBackend
from rocketui.services.logs import follow_lines

WRITER = textwrap.dedent("""\
    import os, sys, time
    path, count, rotate_every, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    f = open(path, "a", buffering=1)
    for i in range(count):
        if rotate_every and i and i % rotate_every == 0:
            f.close()
            if mode == "rename":
                os.rename(path, f"{path}.{i}")
                f = open(path, "a", buffering=1)
            else:  # truncate in place, like copytruncate (which also copies first: give the
                time.sleep(0.35)  # follower the time a copy takes to read what was written)
                f = open(path, "r+"); f.truncate(0); f.close()
                time.sleep(0.35)  # longer than the poll, so the follower sees the size fall
                f = open(path, "a", buffering=1)
        f.write(f"line {i:06d}\\n")
        if i % 50 == 0:
            time.sleep(0.01)
    f.close()
    """)


async def collect(
    path: Path, want: int, *, start: int | None = 0, timeout: float = 30.0
) -> tuple[list[str], list[str]]:
    lines: list[str] = []
    notices: list[str] = []

    async def run() -> None:
        async for batch in follow_lines(LocalBackend(), str(path), start, poll=0.02):
            if batch.notice:
                notices.append(batch.notice)
            lines.extend(batch.lines)
            if len(lines) >= want:
                return

    await asyncio.wait_for(run(), timeout)
    return lines, notices


def start_writer(
    tmp_path: Path, path: Path, count: int, rotate_every: int = 0, mode: str = "rename"
) -> subprocess.Popen:
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    return subprocess.Popen([sys.executable, str(script), str(path), str(count), str(rotate_every), mode])


async def test_every_line_once_in_order_while_a_process_writes(tmp_path: Path) -> None:
    path = tmp_path / "broker.log"
    path.write_text("")
    writer = start_writer(tmp_path, path, 5000)
    try:
        lines, notices = await collect(path, 5000)
    finally:
        writer.wait(10)
    assert lines == [f"line {i:06d}" for i in range(5000)]
    assert notices == []


async def test_rotation_by_rename_and_recreate_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "broker.log"
    path.write_text("")
    writer = start_writer(tmp_path, path, 3000, rotate_every=700)
    try:
        lines, notices = await collect(path, 3000)
    finally:
        writer.wait(10)
    assert lines == [f"line {i:06d}" for i in range(3000)]
    assert notices.count("rotated") + notices.count("missing") >= 4


async def test_truncation_restarts_from_the_beginning(tmp_path: Path) -> None:
    path = tmp_path / "broker.log"
    path.write_text("")
    writer = start_writer(tmp_path, path, 900, rotate_every=300, mode="truncate")
    try:
        lines, notices = await collect(path, 900)
    finally:
        writer.wait(10)
    assert lines == [f"line {i:06d}" for i in range(900)]
    assert notices.count("truncated") == 2


async def test_a_file_created_after_following_started(tmp_path: Path) -> None:
    path = tmp_path / "late" / "namesrv.log"

    async def create_later() -> None:
        await asyncio.sleep(0.2)
        path.parent.mkdir()
        path.write_text("first\nsecond\n")

    task = asyncio.create_task(create_later())
    lines, notices = await collect(path, 2, start=None)
    await task
    assert lines == ["first", "second"]
    assert notices[:2] == ["missing", "appeared"]


async def test_a_deleted_file_is_reported_and_followed_again_when_recreated(tmp_path: Path) -> None:
    path = tmp_path / "store.log"
    path.write_text("old\n")
    seen: list[str] = []
    notices: list[str] = []

    async def follow() -> None:
        async for batch in follow_lines(LocalBackend(), str(path), 0, poll=0.02):
            notices.append(batch.notice) if batch.notice else None
            seen.extend(batch.lines)
            if "new" in seen:
                return

    task = asyncio.create_task(follow())
    await asyncio.sleep(0.2)
    os.unlink(path)
    await asyncio.sleep(0.2)
    path.write_text("new\n")
    await asyncio.wait_for(task, 10)
    assert seen == ["old", "new"]
    assert notices == ["missing", "appeared"]


async def test_a_partial_line_waits_for_its_newline(tmp_path: Path) -> None:
    path = tmp_path / "x.log"
    path.write_bytes(b"")
    got: list[str] = []

    async def follow() -> None:
        async for batch in follow_lines(LocalBackend(), str(path), 0, poll=0.02):
            got.extend(batch.lines)
            if got:
                return

    task = asyncio.create_task(follow())
    with open(path, "ab") as f:
        f.write(b"half a li")
        f.flush()
        await asyncio.sleep(0.2)
        assert got == []
        f.write(b"ne\n")
    await asyncio.wait_for(task, 10)
    assert got == ["half a line"]


@pytest.mark.parametrize("size", [1 << 20, (1 << 20) + 17])
async def test_a_one_megabyte_line_arrives_whole_or_cut_but_never_lost(tmp_path: Path, size: int) -> None:
    path = tmp_path / "big.log"
    path.write_bytes(b"x" * size + b"\nafter\n")
    lines, _ = await collect(path, 2)
    assert lines[-1] == "after"
    assert sum(len(line) for line in lines[:-1]) >= 4000  # shown (cut for display), not dropped


async def test_binary_garbage_is_shown_safely(tmp_path: Path) -> None:
    path = tmp_path / "garbage.log"
    path.write_bytes(bytes(range(256)) + b"\n\xff\xfe\x1b[2Jclear\r\n")
    lines, _ = await collect(path, 3)  # byte 10 in range(256) is a newline
    assert len(lines) == 3
    for line in lines:
        assert "\x1b" not in line and "\r" not in line and all(ord(c) >= 32 for c in line)
    assert lines[2].endswith("[2Jclear")
