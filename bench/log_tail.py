"""Log tailing throughput, key latency and memory of the log view, against `tail -F FILE | wc -l`.

One run, two phases on fresh files, each with a writer process appending realistic RocketMQ
broker lines as fast as it can for --seconds:

1. anchor: `tail -F -n 0 FILE | wc -l` until the writer stopped and tail caught up;
2. rocketui: the real LogsScreen (follower → queue → 50 ms flush → LogView ring buffer) in a
   headless app; meanwhile a key is posted every 20 ms and the delay until the screen's
   handler runs is recorded (what an operator pressing a key would wait).

Then: time from opening the log view on a 1 GiB file until its last line is in the view, and
the bytes read for that.  Prints lines/s, the ratio to the anchor, key latency p50/p99, peak RSS.
Usage: python bench/log_tail.py [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

WRITER = textwrap.dedent("""\
    import sys, time
    path, seconds = sys.argv[1], float(sys.argv[2])
    line = ("2026-11-25 10:00:00 INFO SendMessageThread_1 - putMessage in lock cost time(ms)=0, "
            "bodyLength=128 AppendMessageResult=PUT_OK topic=TopicTest queueId=%d\\n")
    block = "".join(line % (i % 8) for i in range(1000))
    n = 0
    end = time.monotonic() + seconds
    with open(path, "a") as f:
        while time.monotonic() < end:
            f.write(block)
            n += 1000
    print(n)
    """)


def start_writer(path: Path, seconds: float, script: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, str(script), str(path), str(seconds)], stdout=subprocess.PIPE, text=True)


def anchor(tmp: Path, seconds: float, script: Path) -> tuple[int, float]:
    path = tmp / "anchor.log"
    path.write_text("")
    tail = subprocess.Popen(f"tail -F -n 0 {path} 2>/dev/null | wc -l", shell=True, stdout=subprocess.PIPE, text=True)
    time.sleep(0.3)
    t0 = time.monotonic()
    writer = start_writer(path, seconds, script)
    written = int(writer.communicate()[0])
    # tail -F never exits: wait until its count could have caught up (file size stops growing
    # and tail has read it), then stop it and read wc's count
    time.sleep(1.0)
    elapsed = time.monotonic() - t0 - 1.0
    subprocess.run(["pkill", "-f", f"tail -F -n 0 {path}"], check=False)
    counted = int(tail.communicate()[0].strip() or 0)
    path.unlink()
    return min(counted, written), elapsed


def cluster_yaml(tmp: Path) -> str:
    return textwrap.dedent(f"""\
        cluster: Bench
        rocketmq: {{home: {tmp}/rocketmq, version: "5.5.0"}}
        work_dir: {tmp}/work
        hosts:
          local: {{backend: local, address: 127.0.0.1}}
        nodes:
          - {{name: ns, kind: namesrv, host: local, port: 9876}}
          - {{name: broker-a, kind: broker, host: local, port: 10911, broker_name: broker-a, config: /etc/a.properties}}
        """)


async def rocketui_phase(tmp: Path, seconds: float, script: Path) -> dict[str, float]:
    from textual import events
    from textual.binding import Binding

    from rocketui.app import RocketUI
    from rocketui.model.loader import parse_cluster
    from rocketui.screens.logs import LogsScreen
    from rocketui.usecases.logs import LogQueries
    from tests.support.fake_service import TableService

    logdir = tmp / "work" / "broker-a" / "logs" / "rocketmqlogs"
    logdir.mkdir(parents=True)
    path = logdir / "broker.log"
    path.write_text("")
    cluster = parse_cluster(cluster_yaml(tmp), str(tmp / "c.yaml"))
    service = TableService(cluster, {})
    latencies: list[float] = []
    sent: dict[int, float] = {}

    class TimedLogs(LogsScreen):
        BINDINGS = [*LogsScreen.BINDINGS, Binding("f9", "ping", show=False)]

        def action_ping(self) -> None:
            now = time.perf_counter()
            if sent:
                latencies.append(now - sent.pop(min(sent)))

    app = RocketUI(cluster, service=service, poll_interval=0)
    app.freeze_startup_objects = True  # as in a real terminal
    result: dict[str, float] = {}
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        screen = TimedLogs(LogQueries(cluster, service), [cluster.node("broker-a")])
        app.push_screen(screen)
        while not (screen.is_mounted and screen.current is not None):
            await pilot.pause(0.05)
        await pilot.pause(0.3)
        view = screen.view
        t0 = time.monotonic()
        writer = start_writer(path, seconds, script)
        seq = 0
        while writer.poll() is None:
            seq += 1
            sent[seq] = time.perf_counter()
            app.post_message(events.Key("f9", None))
            await asyncio.sleep(0.02)
        written = int(writer.communicate()[0])
        while view.total_received < written and time.monotonic() - t0 < seconds * 30:
            seq += 1  # keys keep coming while the backlog in the file is ingested
            sent[seq] = time.perf_counter()
            app.post_message(events.Key("f9", None))
            await asyncio.sleep(0.02)
        elapsed = time.monotonic() - t0
        result.update(
            lines=view.total_received,
            written=written,
            elapsed=elapsed,
            in_view=view.line_count,
            max_lines=view.max_lines,
        )
        app.pop_screen()
        await pilot.pause(0.2)
        path.unlink()

        # the end of a 1 GiB file
        big = logdir / "broker.log"
        with open(big, "wb") as f:
            f.truncate(1 << 30)
            f.seek(1 << 30)
            f.write(b"".join(b"2026-11-25 10:00:00 INFO main - tail line %d\n" % i for i in range(5000)))
        screen = LogsScreen(LogQueries(cluster, service), [cluster.node("broker-a")])
        t1 = time.perf_counter()
        app.push_screen(screen)
        while not (screen.is_mounted and screen.view.line_count and screen.view.lines()[-1].endswith("tail line 4999")):
            await asyncio.sleep(0.002)
        result["open_1g_ms"] = (time.perf_counter() - t1) * 1000
    result["key_p50_ms"] = statistics.median(latencies) * 1000
    result["key_p99_ms"] = statistics.quantiles(latencies, n=100)[98] * 1000 if len(latencies) > 2 else float("nan")
    result["keys"] = len(latencies)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="rocketui-bench-logs-"))
    try:
        script = tmp / "writer.py"
        script.write_text(WRITER)
        a_lines, a_elapsed = anchor(tmp, args.seconds, script)
        r = asyncio.run(rocketui_phase(tmp, args.seconds, script))
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        a_rate = a_lines / a_elapsed
        r_rate = r["lines"] / r["elapsed"]
        print(f"anchor  tail -F | wc -l : {a_lines:>10,} lines in {a_elapsed:5.1f} s = {a_rate:>12,.0f} lines/s")
        print(
            f"rocketui log view       : {int(r['lines']):>10,} lines in {r['elapsed']:5.1f} s = {r_rate:>12,.0f} lines/s"
            f"  (writer wrote {int(r['written']):,}; {int(r['in_view']):,} kept in the ring of {int(r['max_lines']):,})"
        )
        print(f"ratio rocketui/anchor   : {r_rate / a_rate:.2f}x")
        print(
            f"key latency while ingesting: p50 {r['key_p50_ms']:.1f} ms, p99 {r['key_p99_ms']:.1f} ms "
            f"({int(r['keys'])} keys)"
        )
        print(f"peak RSS of the bench process (app + widget): {rss_mb:.0f} MB")
        print(f"open a 1 GiB file, last line in view: {r['open_1g_ms']:.0f} ms")
        met = {
            "ingest >= 1M lines/s": r_rate >= 1_000_000,
            "key p99 < 50 ms": r["key_p99_ms"] < 50,
            "1 GiB end <= 50 ms": r["open_1g_ms"] <= 50,
        }
        print("targets (issue 18): " + ", ".join(f"{k} {'met' if ok else 'MISSED'}" for k, ok in met.items()))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
