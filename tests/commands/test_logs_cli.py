"""`rocketui CLUSTER.yaml logs …` as a script would use it (real process, real files)."""

from __future__ import annotations

import re
import select
import subprocess
import sys
import time
from pathlib import Path

from tests.screens.test_logs_screen import cluster_file, line, log_dir


def rocketui(tmp_path: Path, *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rocketui", str(tmp_path / "c.yaml"), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def setup(tmp_path: Path) -> Path:
    (tmp_path / "c.yaml").write_text(cluster_file(tmp_path))
    logs = log_dir(tmp_path, "broker-a")
    body = [line(i) for i in range(100)]
    body[97] = line(97, "ERROR", "flush failed")
    (logs / "broker.log").write_text("".join(body))
    (logs / "store.log").write_text(line(0, text="store says hi"))
    return logs


def test_last_lines_of_the_main_log(tmp_path: Path) -> None:
    setup(tmp_path)
    out = rocketui(tmp_path, "logs", "broker-a", "-n", "3")
    assert out.returncode == 0, out.stderr
    assert [l.split(" - ")[1] for l in out.stdout.splitlines()] == ["flush failed", "message 98", "message 99"]


def test_grep_file_and_list(tmp_path: Path) -> None:
    setup(tmp_path)
    out = rocketui(tmp_path, "logs", "broker-a", "-n", "100", "--grep", "error")
    assert out.stdout.splitlines() == [line(97, "ERROR", "flush failed").rstrip("\n")]
    out = rocketui(tmp_path, "logs", "broker-a", "--file", "store.log")
    assert out.stdout.strip().endswith("store says hi")
    out = rocketui(tmp_path, "logs", "broker-a", "--list")
    names = [l.split()[0] for l in out.stdout.splitlines()]
    assert names == ["broker.log", "store.log"]


def test_bad_inputs_say_what_is_wrong(tmp_path: Path) -> None:
    setup(tmp_path)
    out = rocketui(tmp_path, "logs", "broker-a", "--file", "nope.log")
    assert out.returncode == 2 and "has no log file 'nope.log'" in out.stderr and "broker.log" in out.stderr
    out = rocketui(tmp_path, "logs", "broker-x")
    assert out.returncode == 2 and "unknown node(s): broker-x" in out.stderr
    out = rocketui(tmp_path, "logs", "broker-a", "--grep", "(")
    assert out.returncode == 2 and "invalid regex" in out.stderr
    out = rocketui(tmp_path, "logs", "namesrv-1")
    assert out.returncode == 1 and "does not exist" in out.stderr
    assert "Traceback" not in out.stderr


def first_followed_line(proc: subprocess.Popen[str], path: Path, text: str) -> str:
    """Appends a `text N` line every half second until the follower prints one.  When the
    follower starts reading is not visible from outside (under load a fixed wait can end before
    it has opened the file, and with -n 0 it would then skip the one line appended)."""
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    n = 0
    while time.monotonic() < deadline:
        with open(path, "a") as f:
            f.write(line(100 + n, text=f"{text} {n}"))
        n += 1
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if ready:
            return proc.stdout.readline().rstrip("\n")
    raise AssertionError(f"nothing followed in 60 s; stderr: {proc.stderr.read() if proc.stderr else ''}")


def test_follow_prints_appended_lines(tmp_path: Path) -> None:
    logs = setup(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "rocketui", str(tmp_path / "c.yaml"), "logs", "broker-a", "-n", "0", "--follow"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert re.search(r"live one \d+$", first_followed_line(proc, logs / "broker.log", "live one"))
    finally:
        proc.terminate()
        proc.wait(10)
