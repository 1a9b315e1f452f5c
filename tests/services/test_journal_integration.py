"""Every action journals exactly the commands that ran, and --dry-run prints those same commands;
values from the cluster file reach the shell quoted (a real local backend, real processes)."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from rocketui.backends.factory import BackendPool
from rocketui.model.loader import ClusterFileError, load_cluster
from rocketui.services.nodes import NodeService
from rocketui.usecases.journal import Journal
from tests.support.ports import broker_port, namesrv_port
from tests.support.rocketmq import kill_jvms_under, rocketmq_home, write_cluster

NS_PORT, BROKER_PORT = namesrv_port(), broker_port()


def cli(cluster: Path, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rocketui", str(cluster), *args], capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture
def cluster_file(tmp_path: Path) -> Iterator[Path]:
    yield write_cluster(tmp_path, rocketmq_home(), namesrv_port=NS_PORT, brokers=[("broker-a", BROKER_PORT)])
    kill_jvms_under(str(tmp_path))


@pytest.mark.rocketmq
def test_journal_holds_exactly_what_dry_run_promised(cluster_file: Path) -> None:
    journal = Journal()
    actions = [("start", "ns"), ("start", "broker-a"), ("stop", "broker-a"), ("stop", "ns")]
    for action, node in actions:
        planned = cli(cluster_file, action, node, "--dry-run")
        assert planned.returncode == 0, planned.stderr
        promised = [line.removeprefix(f"{node}: ") for line in planned.stdout.splitlines()]
        before = list(journal.entries())
        done = cli(cluster_file, action, node)
        assert done.returncode == 0, done.stderr
        new = list(journal.entries())[len(before) :]
        assert len(new) == 1, [e.action for e in new]  # exactly one entry per action
        entry = new[0]
        assert (entry.action, entry.node, entry.outcome) == (action, node, "ok")
        assert entry.commands == promised  # the commands that really ran are the ones shown before
        assert entry.cluster_file == str(cluster_file.resolve()) or entry.cluster_file == os.path.abspath(cluster_file)
    history = cli(cluster_file, "journal", "--json")
    assert [json.loads(line)["action"] for line in history.stdout.splitlines()] == [a for a, _ in actions]


FAKE_NAMESRV = """#!/bin/sh
printf '%s\\n' "$@" > "$ROCKETMQ_HOME/args.txt"
echo "The Name Server boot success. serializeType=JSON"
exec sleep 60
"""


async def test_hostile_paths_are_shown_quoted_and_run_literally(tmp_path: Path) -> None:
    weird = tmp_path / "a b;$(touch PWNED1)`touch PWNED2`'q\"&& touch PWNED3"
    home = weird / "rocketmq"
    (home / "bin").mkdir(parents=True)
    (home / "bin" / "mqnamesrv").write_text(FAKE_NAMESRV)
    cluster_path = tmp_path / "c.yaml"
    cluster_path.write_text(
        "cluster: C\n"
        f'rocketmq: {{home: {json.dumps(str(home))}, version: "5.5.0"}}\n'
        f"work_dir: {json.dumps(str(weird / 'work'))}\n"
        "hosts:\n  local: {backend: local, address: 127.0.0.1}\n"
        "nodes:\n  - {name: ns, kind: namesrv, host: local, port: 39876}\n"
    )
    # the loader refuses such paths (they would reach JAVA_OPT unquoted), naming line and character
    with pytest.raises(ClusterFileError) as refused:
        load_cluster(str(cluster_path))
    assert f"{cluster_path}:2: rocketmq.home" in str(refused.value)
    assert "contains a space" in str(refused.value)
    assert f"{cluster_path}:3: work_dir" in str(refused.value)
    # defence in depth: a model built around the loader still runs the path literally, quoted once
    sane = tmp_path / "sane.yaml"
    port = namesrv_port()
    sane.write_text(
        "cluster: C\n"
        'rocketmq: {home: /opt/rocketmq, version: "5.5.0"}\n'
        "work_dir: /tmp/w\n"
        "hosts:\n  local: {backend: local, address: 127.0.0.1}\n"
        f"nodes:\n  - {{name: ns, kind: namesrv, host: local, port: {port}}}\n"
    )
    loaded = load_cluster(str(sane))
    cluster = replace(loaded, rocketmq=replace(loaded.rocketmq, home=str(home)), work_dir=str(weird / "work"))
    service = NodeService(cluster, BackendPool(cluster))
    node = cluster.node("ns")
    plan = await service.plan("start", node)
    assert shlex.quote(str(home / "bin" / "mqnamesrv")) in plan[0]  # shown quoted, as it will run
    try:
        await service.start(node, wait=False)
        args_file = home / "args.txt"
        for _ in range(100):
            if args_file.exists() and args_file.read_text():
                break
            await __import__("asyncio").sleep(0.05)
        assert args_file.read_text().splitlines() == ["-c", str(weird / "work" / "ns" / "namesrv.properties")]
        leftovers = [p for p in tmp_path.rglob("PWNED*")] + [p for p in Path.cwd().glob("PWNED*")]
        assert leftovers == []  # nothing extra ran
    finally:
        pidfile = weird / "work" / "ns" / "rocketui.pid"
        if pidfile.exists():
            leader = json.loads(pidfile.read_text())["leader"]
            try:
                os.killpg(leader, signal.SIGKILL)
            except ProcessLookupError:
                pass
        await service.close()
