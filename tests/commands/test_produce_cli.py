"""`rocketui CLUSTER.yaml produce|consume|health`: exit codes and output, against a scripted
broker (in-process) and against the real namesrv + broker of tests/services/mq_jvms.py."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from rocketui.cli import main
from rocketui.commands import produce
from rocketui.commands.context import CommandContext
from tests.services import mq_jvms
from tests.services.fake_mq import FakeMq, start

CLUSTER = """\
cluster: C
rocketmq: {home: /opt/rocketmq, version: "5.5.0"}
work_dir: /tmp/x
hosts:
  local: {backend: local, address: 127.0.0.1}
topology: {masters: 1, namesrvs: 1}
"""


@pytest.fixture
async def fake() -> AsyncIterator[FakeMq]:
    mq = FakeMq()
    peer, _ = await start(mq)
    yield mq
    await peer.__aexit__(None, None, None)


async def run_produce(tmp_path: Path, *argv: str) -> int:
    path = tmp_path / "c.yaml"
    path.write_text(CLUSTER)
    parser = argparse.ArgumentParser()
    produce.add_arguments(parser)
    args = parser.parse_args(list(argv))
    ctx = CommandContext.create(str(path), args)
    try:
        return await produce.run(args, ctx)
    finally:
        await ctx.close()


async def test_produce_exits_1_and_names_the_missing(
    fake: FakeMq, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the scripted broker acknowledges every send but a pull never finds anything
    code = await run_produce(
        tmp_path, "--topic", "T", "--count", "20", "--namesrv", fake.addr, "--verify-timeout", "0.3"
    )
    out = capsys.readouterr()
    assert code == 1
    assert "sent 20 of 20" in out.out and "missing 20 · duplicated 0" in out.out
    assert "first missing: " in out.out and out.out.rstrip().endswith("FAILED: 20 missing, 0 duplicated")
    assert "done: sent 20 of 20" in out.err  # progress goes to stderr


async def test_produce_json_and_fatal_errors(fake: FakeMq, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = await run_produce(tmp_path, "--topic", "T", "--count", "4", "--namesrv", fake.addr, "--no-verify", "--json")
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["ok"] is True and data["verify"] is None
    assert data["produce"]["sent"] == 4 and data["produce"]["per_queue"] == {"broker-f[0]": 2, "broker-f[1]": 2}
    fake.send_script = lambda seq: (14, "service not available now, disk full")
    code = await run_produce(tmp_path, "--topic", "T", "--count", "3", "--namesrv", fake.addr, "--no-verify")
    out = capsys.readouterr().out
    assert code == 1 and "errors: service not available 3" in out and "disk is full" in out
    code = await run_produce(tmp_path, "--topic", "Missing", "--namesrv", fake.addr)
    err = capsys.readouterr().err
    assert code == 1 and "produce: topic Missing does not exist" in err and "--create-on" in err


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(CLUSTER)
    assert main([str(path), "produce", "--count", "0", "--size", "0"]) == 2
    assert "produce: count must be at least 1, got 0; body size must be 1..4194304 bytes" in capsys.readouterr().err
    assert main([str(path), "consume", "--topic", "T", "--group", "g", "--count", "0"]) == 2
    assert "--count must be at least 1" in capsys.readouterr().err


# ------------------------------------------------------------------ real namesrv + broker


@pytest.fixture(scope="module")
def mq(tmp_path_factory: pytest.TempPathFactory) -> Iterator[mq_jvms.MqJvms]:
    yield from mq_jvms.running(tmp_path_factory)


def rocketui(mq: mq_jvms.MqJvms, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rocketui", str(mq.cluster_file), *args], capture_output=True, text=True, timeout=300
    )


@pytest.mark.rocketmq
def test_produce_then_consume_then_health(mq: mq_jvms.MqJvms) -> None:
    out = rocketui(
        mq,
        "produce",
        "--topic",
        "CliT",
        "--count",
        "2000",
        "--mode",
        "async",
        "--inflight",
        "8",  # a 256 MiB broker on a loaded machine answers SYSTEM_BUSY to sends queued > 200 ms
        "--size",
        "64",
        "--tag",
        "TagC",
        "--create",
        "--queues",
        "2",
        "--json",
    )
    assert out.returncode == 0, out.stdout + out.stderr
    data = json.loads(out.stdout)
    assert data["produce"]["sent"] == 2000 and data["produce"]["errors"] == {}
    assert (data["verify"]["received"], data["verify"]["missing"], data["verify"]["duplicated"]) == (2000, 0, 0)

    out = rocketui(mq, "consume", "--topic", "CliT", "--group", "cli_group", "--from-start", "--count", "10", "--json")
    assert out.returncode == 0, out.stderr
    consumed = json.loads(out.stdout)
    assert consumed["received"] == 10 and consumed["committed"] is True
    assert {m["tags"] for m in consumed["messages"]} == {"TagC"}
    out = rocketui(mq, "consume", "--topic", "CliT", "--group", "cli_group", "--count", "5")
    assert out.returncode == 0 and len(out.stdout.splitlines()) == 5  # continues after the committed 10
    assert "received 5 from CliT as cli_group" in out.stderr

    out = rocketui(mq, "health")
    assert out.returncode == 0, out.stdout + out.stderr
    header, row = out.stdout.splitlines()[:2]
    assert header.split()[:4] == ["cluster", "broker", "id", "address"]  # the words of the h screen too
    assert row.split()[:7] == [mq.cluster, mq.broker_name, "0", mq.broker, mq.broker_name, "V5_5_0", "ASYNC_MASTER"]
    assert row.split()[-2:] == ["1/1", "ok"] and out.stdout.rstrip().endswith("OK")
    out = rocketui(mq, "health", "--json", "--namesrv", "127.0.0.1:1", "--namesrv", mq.namesrv)
    data = json.loads(out.stdout)
    assert out.returncode == 1 and data["ok"] is False
    assert data["problems"][0]["kind"] == "namesrv down"
    assert data["clusters"][mq.cluster][mq.broker_name]["0"]["registered_at"] == [mq.namesrv]
