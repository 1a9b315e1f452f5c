"""The README path in a real terminal (tmux): open the TUI on a real cluster, start everything
with keys, quit, and see the nodes survive the TUI and be adopted by the next one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.ports import broker_port, namesrv_port
from tests.support.rocketmq import java_processes_under, kill_jvms_under, rocketmq_home, write_cluster

pytestmark = [pytest.mark.rocketmq]

NS_PORT, BROKER_PORT = namesrv_port(), broker_port()


class Tmux:
    """A tmux server of this test alone (its own socket): another tmux on the machine, with
    other sizes and options, can never resize or reuse its sessions."""

    def __init__(self, name: str) -> None:
        self.socket = name
        self.session = name

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=check)

    def open(self, command: str, width: int = 140, height: int = 30) -> None:
        self.run("kill-session", "-t", self.session, check=False)
        argv = ["tmux", "-L", self.socket, "new-session", "-d", "-s", self.session]
        argv += ["-x", str(width), "-y", str(height), command]
        # COLUMNS/LINES (pytest-xdist workers have them) would win over the pane's real size
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")} | {"TERM": "xterm-256color"}
        for _ in range(20):
            started = subprocess.run(argv, env=env, capture_output=True, text=True)
            # the server of a session that just ended may still be exiting on the same socket:
            # tmux then says "server exited unexpectedly"; a moment later a new one starts
            if started.returncode == 0 or "server exited unexpectedly" not in started.stderr:
                break
            time.sleep(0.25)
        if started.returncode != 0:
            raise AssertionError(f"tmux new-session failed: {started.stderr.strip()}")

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", self.session, *keys)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.session, check=False).stdout

    def wait(self, predicate: Callable[[str], bool], timeout: float = 120.0) -> str:
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = self.screen()
            if predicate(text):
                return text
            time.sleep(0.3)
        raise AssertionError(f"screen never matched; last screen:\n{text}")

    def close(self) -> None:
        self.run("kill-server", check=False)


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    if shutil.which("tmux") is None:
        if os.environ.get("CI"):
            pytest.fail("tmux is missing (scripts/test installs it)")
        pytest.skip("tmux is missing")
    term = Tmux(f"rocketui-test-{os.getpid()}")
    try:
        yield term
    finally:
        term.close()
        kill_jvms_under(str(tmp_path))


def pid_of(line: str) -> int:
    words = line.split()
    return int(words[words.index("running") + 1])


def row(text: str, node: str) -> str:
    return next((line for line in text.splitlines() if line.strip().startswith(node + " ")), "")


def test_readme_path_in_tmux(tmux: Tmux, tmp_path: Path) -> None:
    cluster = write_cluster(tmp_path, rocketmq_home(), namesrv_port=NS_PORT, brokers=[("broker-a", BROKER_PORT)])
    cmd = f"{sys.executable} -m rocketui {cluster}"
    tmux.open(cmd)
    tmux.wait(lambda t: "broker-a" in t and "stopped" in row(t, "broker-a"))
    tmux.keys("S")
    tmux.wait(lambda t: "These commands will run" in t)  # the dialog lists the exact commands
    tmux.keys("y")
    text = tmux.wait(
        lambda t: "running" in row(t, "ns") and "running" in row(t, "broker-a") and "1/1" in row(t, "broker-a")
    )
    pid = pid_of(row(text, "broker-a"))
    tmux.keys("q")
    for _ in range(50):  # the TUI has exited: its pane is gone
        if "broker-a" not in tmux.screen():
            break
        time.sleep(0.1)
    assert os.path.exists(f"/proc/{pid}"), "the broker outlives the TUI"
    # a new TUI adopts the running nodes
    tmux.open(cmd)
    text = tmux.wait(lambda t: "running" in row(t, "broker-a") and "1/1" in row(t, "broker-a"), 30)
    assert pid_of(row(text, "broker-a")) == pid
    # killing the terminal (hangup) does not stop the nodes either
    tmux.close()
    time.sleep(0.5)
    assert os.path.exists(f"/proc/{pid}")
    out = subprocess.run(
        [sys.executable, "-m", "rocketui", str(cluster), "stop", "--all"], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert not java_processes_under(str(tmp_path))
