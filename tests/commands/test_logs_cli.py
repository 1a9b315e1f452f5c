"""`rocketui CLUSTER.yaml logs …` as a script would use it (real process, real files)."""

from __future__ import annotations

import re
import select
import shutil
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


# ------------------------------------------------------------------ on lines real JVMs wrote
REAL = Path(__file__).resolve().parent.parent / "data" / "logs" / "5.5.0"
ENTRY_LINE = re.compile(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) (ERROR|WARN|INFO|DEBUG|TRACE) ")


def real_entries(name: str) -> list[tuple[str, str, list[str]]]:
    """(stamp, level, lines) of a captured file, read by the test itself: an entry line starts
    with a stamp and a level, every other line continues the entry above (tabs shown as spaces)."""
    entries: list[tuple[str, str, list[str]]] = []
    for text in (REAL / name).read_text().replace("\t", "    ").splitlines():
        m = ENTRY_LINE.match(text)
        if m:
            entries.append((m.group(1), m.group(2), [text]))
        else:
            entries[-1][2].append(text)
    return entries


def setup_real(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text(cluster_file(tmp_path))
    shutil.copy(REAL / "broker.log", log_dir(tmp_path, "broker-a") / "broker.log")
    shutil.copy(REAL / "namesrv.log", log_dir(tmp_path, "namesrv-1") / "namesrv.log")


def test_level_prints_the_entries_at_that_level_with_their_traces(tmp_path: Path) -> None:
    setup_real(tmp_path)
    expected = [line for _, level, lines in real_entries("broker.log") if level in ("WARN", "ERROR") for line in lines]
    out = rocketui(tmp_path, "logs", "broker-a", "--level", "WARN", "-n", "100")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == expected
    assert len(expected) == 6 + 3 * 9 + 10  # six plain WARNs, three ERRORs and one WARN with traces
    errors = [lines for _, level, lines in real_entries("broker.log") if level == "ERROR"]
    out = rocketui(tmp_path, "logs", "broker-a", "--level", "error", "-n", "2")
    assert out.stdout.splitlines() == [*errors[-2], *errors[-1]]
    assert "layout assumed" in out.stderr  # no readable XML in this cluster: said once, on stderr


def test_merged_prints_every_main_log_by_time_with_a_tag_per_line(tmp_path: Path) -> None:
    setup_real(tmp_path)
    tagged = [(stamp, 0, seq, "namesrv-1", lines) for seq, (stamp, _, lines) in enumerate(real_entries("namesrv.log"))]
    tagged += [(stamp, 1, seq, "broker-a", lines) for seq, (stamp, _, lines) in enumerate(real_entries("broker.log"))]
    in_time_order = [f"{tag:<9} | {line}" for *_, tag, lines in sorted(tagged) for line in lines]
    out = rocketui(tmp_path, "logs", "--merged", "-n", "40")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == in_time_order[-40:]
    out = rocketui(tmp_path, "logs", "--merged", "--level", "ERROR", "-n", "10")
    errors = [e for e in sorted(tagged) if ENTRY_LINE.match(e[4][0]).group(2) == "ERROR"]  # type: ignore[union-attr]
    assert [e[3] for e in errors] == ["broker-a", "broker-a", "broker-a", "namesrv-1"]
    assert out.stdout.splitlines() == [f"{tag:<9} | {line}" for *_, tag, lines in errors for line in lines]


def test_merged_follow_tags_new_lines(tmp_path: Path) -> None:
    setup_real(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "rocketui", str(tmp_path / "c.yaml"), "logs", "--merged", "-n", "0", "-f"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # appended until followed (when the follower starts is not visible from outside)
        broker = first_followed_line(proc, log_dir(tmp_path, "broker-a") / "broker.log", "broker live")
        assert re.fullmatch(r"broker-a  \| 2026-11-25 10:0\d:\d\d INFO main - broker live \d+", broker), broker
        # the namesrv's follower runs by now too: one line of its own comes tagged
        with open(log_dir(tmp_path, "namesrv-1") / "namesrv.log", "a") as f:
            f.write("2026-11-30 13:30:00 INFO main - namesrv later\n")
        assert proc.stdout is not None
        deadline = time.monotonic() + 60
        got = ""
        while time.monotonic() < deadline and not got.startswith("namesrv-1"):
            ready, _, _ = select.select([proc.stdout], [], [], 0.5)
            if ready:
                got = proc.stdout.readline().rstrip("\n")
        assert got == "namesrv-1 | 2026-11-30 13:30:00 INFO main - namesrv later"
    finally:
        proc.terminate()
        proc.wait(10)


def test_logs_errors_say_rocketui_logs(tmp_path: Path) -> None:
    setup_real(tmp_path)
    for args in (
        ["broker-x"],
        ["broker-a", "--file", "nope.log"],
        ["broker-a", "--grep", "("],
        ["broker-a", "namesrv-1"],
        ["--merged", "--file", "store.log"],
        ["broker-a", "--level", "LOUD"],
    ):
        out = rocketui(tmp_path, "logs", *args)
        assert out.returncode == 2, (args, out.stderr)
        assert out.stderr.startswith("rocketui logs: ") or "rocketui CLUSTER.yaml logs: error:" in out.stderr, (
            out.stderr
        )
    (log_dir(tmp_path, "namesrv-1") / "namesrv.log").unlink()
    out = rocketui(tmp_path, "logs", "namesrv-1")
    assert out.returncode == 1 and out.stderr.startswith("rocketui logs: ") and "does not exist" in out.stderr
