"""Produce throughput and latency: rocketui's pure-Python client against the distribution's own
Java benchmark producer, on one broker in one run.

One namesrv + one broker (started through the lifecycle use case, ports 33876/33911) and a topic with 8
queues.  For each thread count, rounds alternate:
  java:     sh bin/tools.sh org.apache.rocketmq.example.benchmark.Producer -s SIZE -w THREADS
            for --seconds; its "Send TPS" lines are parsed (each covers the previous 10 s);
  rocketui: ProduceRun (async mode, THREADS in flight; sync for 1) for --seconds; throughput over
            the same 10 s window (20-30 s after the start for --seconds 35), latency from its
            histogram.
Both saturate the same two cores as the broker.  Printed per thread count: messages/s (median of
the rounds), latency, and the ratio rocketui/java (target >= 1.0 at 1 and at 32 in flight, median of >= 5 rounds).
Usage: python bench/produce.py [--seconds 35] [--threads 1,32] [--size 128] [--rounds 2] [--record]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from rocketui.backends.base import Command
from rocketui.backends.local import LocalBackend
from rocketui.backends.stream import stream_local
from rocketui.model.loader import load_cluster
from rocketui.rocketmq.remoting import BrokerClient
from rocketui.services.mqtest import ProduceProgress, ProduceRun, ProduceSpec, SendMode
from rocketui.usecases.operations import Operations

HOME = Path.home() / ".local/share/rocketui/rocketmq-5.5.0"
NAMESRV = "127.0.0.1:33876"
BROKER = "127.0.0.1:33911"
TOPIC = "BenchProduce"
WINDOW = 10.0  # the Java benchmark's TPS window (10 one-second snapshots)
JAVA_LINE = re.compile(
    r"Send TPS: (\d+) \| Max RT\(ms\): (\d+) \| Average RT\(ms\):\s+([\d.]+) \| "
    r"Send Failed: (\d+) \| Response Failed: (\d+)"
)


@dataclass
class Sample:
    tps: float
    mean_ms: float
    max_ms: float
    p50_ms: float | None = None
    p99_ms: float | None = None
    failed: int = 0


def write_cluster(tmp: Path) -> Path:
    (tmp / "broker.properties").write_text(
        "\n".join(
            [
                "brokerClusterName=BenchCluster",
                "brokerName=bench-broker",
                "brokerId=0",
                "brokerRole=ASYNC_MASTER",
                "flushDiskType=ASYNC_FLUSH",
                "listenPort=33911",
                "brokerIP1=127.0.0.1",
                "bindAddress=127.0.0.1",
                f"storePathRootDir={tmp / 'store'}",
                "autoCreateTopicEnable=true",
                "",
            ]
        )
    )
    path = tmp / "bench.yaml"
    path.write_text(f"""\
cluster: BenchCluster
rocketmq: {{home: {HOME}, version: "5.5.0"}}
work_dir: {tmp / "work"}
hosts:
  local: {{backend: local, address: 127.0.0.1}}
nodes:
  - {{name: ns, kind: namesrv, host: local, port: 33876, listen_address: 127.0.0.1,
      jvm: {{xms: 256m, xmx: 256m, xmn: 128m}}}}
  - {{name: bench-broker, kind: broker, host: local, port: 33911, broker_name: bench-broker,
      config: broker.properties,
      jvm: {{xms: 1g, xmx: 1g, xmn: 512m, max_direct: 1g, extra: ["-XX:-AlwaysPreTouch"]}}}}
""")
    return path


async def run_java(threads: int, size: int, seconds: float, user_home: Path) -> Sample:
    lines: list[re.Match[str]] = []

    def on_line(line: str) -> None:
        match = JAVA_LINE.search(line)
        if match:
            lines.append(match)

    command = Command.of(
        [
            "sh",
            f"{HOME}/bin/tools.sh",
            "org.apache.rocketmq.example.benchmark.Producer",
            "-n",
            NAMESRV,
            "-t",
            TOPIC,
            "-s",
            str(size),
            "-w",
            str(threads),
        ],
        {"JAVA_OPT": f"-Duser.home={user_home}"},
    )
    await stream_local(LocalBackend(), command, on_line, timeout=seconds)
    if not lines:
        raise RuntimeError("the Java benchmark printed no 'Send TPS' line")
    last = lines[-1]  # the last complete 10 s window
    return Sample(
        tps=float(last.group(1)),
        mean_ms=float(last.group(3)),
        max_ms=float(last.group(2)),
        failed=int(last.group(4)) + int(last.group(5)),
    )


async def run_rocketui(threads: int, size: int, seconds: float) -> Sample:
    mode = SendMode.SYNC if threads == 1 else SendMode.ASYNC
    spec = ProduceSpec(topic=TOPIC, count=5_000_000, body_size=size, mode=mode, in_flight=threads, send_timeout=10)
    samples: list[tuple[float, ProduceProgress]] = []
    run = ProduceRun(
        spec, [NAMESRV], on_progress=lambda p: samples.append((time.monotonic(), p)), progress_interval=0.25
    )
    task = asyncio.create_task(run.run())
    await asyncio.sleep(seconds)
    run.stop()
    report = await task
    # the same window the Java benchmark reports: the last whole 10 s before it was stopped
    end_at = samples[-1][0]
    end_window = end_at - (seconds % WINDOW or WINDOW) if seconds > WINDOW else end_at
    before = [(t, p) for t, p in samples if t <= end_window and p.latency]
    t1, p1 = before[-1]
    t0, p0 = next((t, p) for t, p in samples if t >= t1 - WINDOW and p.latency)
    assert p0.latency and p1.latency
    total = p1.latency.mean_ms * p1.latency.count - p0.latency.mean_ms * p0.latency.count
    final = report.progress.latency
    assert final is not None
    return Sample(
        tps=(p1.sent - p0.sent) / (t1 - t0),
        mean_ms=total / max(1, p1.latency.count - p0.latency.count),
        max_ms=final.max_ms,
        p50_ms=final.p50_ms,
        p99_ms=final.p99_ms,
        failed=report.progress.failed,
    )


async def bench(args: argparse.Namespace, tmp: Path) -> list[str]:
    cluster = load_cluster(str(write_cluster(tmp)))
    ops = Operations(cluster)
    out: list[str] = []
    try:
        started = await ops.lifecycle.start_all(timeout=180)
        if not started.ok:
            raise RuntimeError(f"start failed: {started.summary}")
        async with BrokerClient(BROKER) as broker:
            await broker.create_topic(TOPIC, read_queue_nums=8, write_queue_nums=8)
        await asyncio.sleep(1.0)
        for threads in args.threads:
            java: list[Sample] = []
            mine: list[Sample] = []
            for r in range(args.rounds):
                java.append(await run_java(threads, args.size, args.seconds, tmp))
                mine.append(await run_rocketui(threads, args.size, args.seconds))
                print(
                    f"threads {threads} round {r + 1}: java {java[-1].tps:,.0f} msg/s, "
                    f"rocketui {mine[-1].tps:,.0f} msg/s",
                    file=sys.stderr,
                    flush=True,
                )
            jt = statistics.median(s.tps for s in java)
            mt = statistics.median(s.tps for s in mine)
            jm = statistics.median(s.mean_ms for s in java)
            mm = statistics.median(s.mean_ms for s in mine)
            best = max(mine, key=lambda s: s.tps)
            mode = "sync" if threads == 1 else f"async, {threads} in flight"
            out += [
                f"threads {threads}, {args.size}-byte bodies, {args.rounds} rounds of {args.seconds:g} s (medians)",
                f"  java benchmark Producer -w {threads}: {jt:>9,.0f} msg/s  mean {jm:6.2f} ms  "
                f"max {max(s.max_ms for s in java):.0f} ms  failed {sum(s.failed for s in java)}",
                f"  rocketui ({mode}){' ' * max(0, 17 - len(mode))}: {mt:>9,.0f} msg/s  mean {mm:6.2f} ms  "
                f"p50 {best.p50_ms:.2f} ms  p99 {best.p99_ms:.2f} ms  max {max(s.max_ms for s in mine):.0f} ms  "
                f"failed {sum(s.failed for s in mine)}",
                f"  ratio rocketui/java: {mt / jt:.2f}x",
            ]
    finally:
        await ops.lifecycle.stop_all()
        await ops.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=35.0)
    parser.add_argument("--threads", type=lambda s: [int(x) for x in s.split(",")], default=[1, 32])
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--record", action="store_true", help="append the result to bench/RESULTS.md")
    args = parser.parse_args()
    if args.seconds <= WINDOW:
        parser.error(f"--seconds must exceed the {WINDOW:g} s TPS window")
    with tempfile.TemporaryDirectory(prefix="rocketui-bench-produce-") as tmp:
        lines = asyncio.run(bench(args, Path(tmp)))
    text = "\n".join(lines)
    print(text)
    if args.record:
        with open(REPO / "bench" / "RESULTS.md", "a", encoding="utf-8") as f:
            f.write(f"\n```\n{text}\n```\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
