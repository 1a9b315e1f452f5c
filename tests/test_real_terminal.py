"""The README path in a real terminal (tmux): open the TUI on a real cluster, start everything
with keys, quit, and see the nodes survive the TUI and be adopted by the next one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.rocketmq import java_processes_under, kill_jvms_under, rocketmq_home, write_cluster

pytestmark = [pytest.mark.rocketmq]

NS_PORT, BROKER_PORT = 16876, 16911


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[str]:
    if shutil.which("tmux") is None:
        if os.environ.get("CI"):
            pytest.fail("tmux is missing (scripts/test installs it)")
        pytest.skip("tmux is missing")
    session = f"rocketui-test-{os.getpid()}"
    yield session
    subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    kill_jvms_under(str(tmp_path))


def screen(session: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True).stdout


def wait_screen(session: str, predicate, timeout: float = 120.0) -> str:
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = screen(session)
        if predicate(text):
            return text
        time.sleep(0.3)
    raise AssertionError(f"screen never matched; last screen:\n{text}")


def pid_of(line: str) -> int:
    words = line.split()
    return int(words[words.index("running") + 1])


def row(text: str, node: str) -> str:
    return next((line for line in text.splitlines() if line.strip().startswith(node + " ")), "")


def test_readme_path_in_tmux(tmux: str, tmp_path: Path) -> None:
    cluster = write_cluster(tmp_path, rocketmq_home(), namesrv_port=NS_PORT, brokers=[("broker-a", BROKER_PORT)])
    cmd = f"{sys.executable} -m rocketui {cluster}"
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", tmux, "-x", "140", "-y", "30", cmd],
        check=True,
        env={**os.environ, "TERM": "xterm-256color"},
    )
    wait_screen(tmux, lambda t: "broker-a" in t and "stopped" in row(t, "broker-a"))
    subprocess.run(["tmux", "send-keys", "-t", tmux, "S"], check=True)
    wait_screen(tmux, lambda t: "These commands will run" in t)  # the dialog lists the exact commands
    subprocess.run(["tmux", "send-keys", "-t", tmux, "y"], check=True)
    text = wait_screen(
        tmux, lambda t: "running" in row(t, "ns") and "running" in row(t, "broker-a") and "1/1" in row(t, "broker-a")
    )
    pid = pid_of(row(text, "broker-a"))
    subprocess.run(["tmux", "send-keys", "-t", tmux, "q"], check=True)
    time.sleep(1.0)
    assert os.path.exists(f"/proc/{pid}"), "the broker outlives the TUI"
    # a new TUI adopts the running nodes
    subprocess.run(["tmux", "kill-session", "-t", tmux], capture_output=True)
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", tmux, "-x", "140", "-y", "30", cmd],
        check=True,
        env={**os.environ, "TERM": "xterm-256color"},
    )
    text = wait_screen(tmux, lambda t: "running" in row(t, "broker-a") and "1/1" in row(t, "broker-a"), 30)
    assert pid_of(row(text, "broker-a")) == pid
    # killing the terminal (hangup) does not stop the nodes either
    subprocess.run(["tmux", "kill-session", "-t", tmux], capture_output=True)
    time.sleep(0.5)
    assert os.path.exists(f"/proc/{pid}")
    out = subprocess.run(
        [sys.executable, "-m", "rocketui", str(cluster), "stop", "--all"], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert not java_processes_under(str(tmp_path))
