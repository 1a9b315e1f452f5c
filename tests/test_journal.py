"""The action journal file: appends, reading back, filters, redaction, damaged lines."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from rocketui.usecases.journal import Entry, Journal, parse_since, redact


def entry(**kw: object) -> Entry:
    base = dict(
        ts=time.time(),
        user="ops",
        cluster="C",
        cluster_file="/c.yaml",
        action="start",
        node="broker-a",
        host="local",
        commands=["local: sh /opt/rmq/bin/mqbroker -c /etc/a.properties"],
    )
    base.update(kw)
    return Entry(**base)  # type: ignore[arg-type]


def test_append_and_read_back(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j" / "journal.jsonl")
    journal.append(entry(action="start"))
    journal.append(entry(action="stop", cluster_file="/other.yaml"))
    assert [e.action for e in journal.entries()] == ["start", "stop"]
    assert [e.action for e in journal.entries(cluster="/c.yaml")] == ["start"]
    assert (tmp_path / "j" / "journal.jsonl").stat().st_mode & 0o777 == 0o600


def test_since_filter_and_parse(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.jsonl")
    now = time.time()
    journal.append(entry(ts=now - 7200, action="old"))
    journal.append(entry(ts=now - 60, action="new"))
    assert [e.action for e in journal.entries(since=parse_since("30m", now))] == ["new"]
    assert parse_since("2026-11-25T10:00") > 0
    with pytest.raises(ValueError, match="expected an age like 30m"):
        parse_since("yesterday")


def test_secrets_never_reach_the_file(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.jsonl")
    journal.append(
        entry(
            commands=["h: RMQ_PASSWORD='s3cr3t' ACCESS_KEY=AKIA123 sh bin/tools.sh"], error="auth failed for TOKEN=abc"
        )
    )
    text = (tmp_path / "journal.jsonl").read_text()
    assert "s3cr3t" not in text and "AKIA123" not in text and "abc" not in text
    assert "RMQ_PASSWORD=***" in text
    assert redact("JAVA_OPT_EXT='-Xmx1g'") == "JAVA_OPT_EXT='-Xmx1g'"


def test_a_damaged_line_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    journal = Journal(path)
    journal.append(entry(action="first"))
    with open(path, "a") as f:
        f.write('{"ts": 1, "action": "half')  # a crash mid-write elsewhere
        f.write("\n")
    journal.append(entry(action="second"))
    assert [e.action for e in journal.entries()] == ["first", "second"]
    assert json.loads(path.read_text().splitlines()[0])["user"] == "ops"
