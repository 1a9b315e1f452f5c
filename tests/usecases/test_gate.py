"""The gate's journal: written off the event loop (a journal lock held by another rocketui does
not freeze the TUI), lines stay whole with many writers, and a journal that cannot be written
never replaces the action's own result or error (it is reported apart)."""

from __future__ import annotations

import asyncio
import fcntl
import json
import multiprocessing
import os
import threading
import time
from pathlib import Path

import pytest

from rocketui.model.cluster import Cluster, RocketMQ
from rocketui.usecases.gate import ActionRecord, Gate
from rocketui.usecases.journal import Entry, Journal


def cluster() -> Cluster:
    return Cluster("C", "c.yaml", RocketMQ("/opt/rmq", "5.5.0"), "/tmp/w", (), ())


def journaled_gate(path: Path) -> Gate:
    gate = Gate(where="cluster 'C'")
    gate.listeners.append(Journal(path).listener(cluster()))
    return gate


def waiting_for_flock(path: Path) -> bool:
    """Is some process blocked on an flock of `path`? (/proc/locks lists waiters with '->')."""
    inode = os.stat(path).st_ino
    return any(
        line.split()[1:3] == ["->", "FLOCK"] and line.split()[-3].endswith(f":{inode}")
        for line in Path("/proc/locks").read_text().splitlines()
    )


async def test_the_journal_waits_for_its_lock_without_stopping_the_loop(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    path.touch()
    holder = os.open(path, os.O_RDONLY)
    fcntl.flock(holder, fcntl.LOCK_EX)  # another rocketui appending right now
    released_by = []

    def release(who: str) -> None:
        if not released_by:
            released_by.append(who)
            fcntl.flock(holder, fcntl.LOCK_UN)

    valve = threading.Timer(20, release, args=("safety valve",))  # a blocked loop fails, never hangs
    valve.start()
    try:
        gate = journaled_gate(path)

        async def body(record: ActionRecord) -> str:
            record.files.append("local: /x/broker.conf")
            return "saved"

        task = asyncio.create_task(gate.run("config save", "broker-a", "local", body))
        deadline = time.monotonic() + 15
        while not waiting_for_flock(path):  # the loop keeps running while the append waits
            assert time.monotonic() < deadline, "the journal append never waited for the lock"
            await asyncio.sleep(0.01)
        assert not task.done() and path.read_bytes() == b""
        release("the test, from the event loop")
        assert await task == "saved"
    finally:
        valve.cancel()
        release("cleanup")
        os.close(holder)
    assert released_by == ["the test, from the event loop"]
    [line] = path.read_text().splitlines()
    assert json.loads(line)["files"] == ["local: /x/broker.conf"] and gate.journal_errors == []


def _append_many(path: str, tag: str, count: int) -> None:
    journal = Journal(Path(path))

    async def go() -> None:
        await asyncio.gather(*(journal.append_async(_entry(f"{tag}-{i}")) for i in range(count)))

    asyncio.run(go())


def _entry(action: str) -> Entry:
    return Entry(time.time(), "ops", "C", "/c.yaml", action, "n", "h", ["h: " + "x" * 5000], ["h: /f"])


def test_lines_stay_whole_with_threads_and_processes_appending(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_append_many, args=(str(path), f"p{n}", 60)) for n in range(3)]
    for p in procs:
        p.start()
    _append_many(str(path), "main", 60)
    for p in procs:
        p.join()
        assert p.exitcode == 0
    actions = sorted(json.loads(line)["action"] for line in path.read_text().splitlines())
    expected = sorted(f"{tag}-{i}" for tag in ("main", "p0", "p1", "p2") for i in range(60))
    assert actions == expected


@pytest.mark.parametrize("fails", [False, True], ids=["action ok", "action raises"])
async def test_a_journal_that_cannot_be_written_never_replaces_the_result(tmp_path: Path, fails: bool) -> None:
    (tmp_path / "not-a-dir").write_text("")
    gate = journaled_gate(tmp_path / "not-a-dir" / "journal.jsonl")
    told: list[str] = []
    gate.on_journal_error.append(told.append)

    async def body(record: ActionRecord) -> str:
        if fails:
            raise RuntimeError("the broker said no")
        return "saved"

    if fails:
        with pytest.raises(RuntimeError, match="the broker said no"):
            await gate.run("config save", "broker-a", "local", body)
    else:
        assert await gate.run("config save", "broker-a", "local", body) == "saved"
    assert len(gate.journal_errors) == 1 and told == gate.journal_errors
    assert gate.journal_errors[0].startswith("journal: could not record 'config save': ")
    assert "not-a-dir" in gate.journal_errors[0]


async def test_record_journals_an_observation(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    gate = journaled_gate(path)
    record = ActionRecord("host key trusted", None, "h1")
    record.commands.append("h1: trusted ssh-ed25519 SHA256:abc on first use, added to /k")
    await gate.record(record)
    assert json.loads(path.read_text())["action"] == "host key trusted"
