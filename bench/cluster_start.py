"""Start-all of 2 namesrvs + 2m-2s (4 brokers) against single-node starts measured in the same run.

Each round, on fresh stores:
  singles: every node started alone, level by level (namesrvs, masters, slaves), each waited for
           until ready (namesrv: accepting connections; broker: registered at both namesrvs);
           the earlier levels stay running, so a single start has what it depends on;
  start-all: NodeService.start_all, which starts each level in parallel and waits for it.
Printed per level: the slowest and the sum of the single starts, the level's wall time in
start-all, and the ratio wall / slowest single (target <= 1.3x); then the totals.
Usage: python bench/cluster_start.py [--rounds N] [--layout 2m-2s-async] [--record]
(uses ports 21876/21886 and 21909-21942; --record appends the result to bench/RESULTS.md).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from rocketui.backends.factory import BackendPool
from rocketui.model.loader import load_cluster
from rocketui.model.topology import parse_layout
from rocketui.services import generate
from rocketui.services.node_status import NodeState
from rocketui.services.nodes import NodeService

HOME = Path.home() / ".local/share/rocketui/rocketmq-5.5.0"
LEVEL_NAMES = ("namesrvs", "masters", "slaves")


def write_cluster(tmp: Path, layout: str) -> Path:
    masters, slaves, replication = parse_layout(layout)
    path = tmp / "bench.yaml"
    path.write_text(f"""\
cluster: BenchCluster
rocketmq: {{home: {HOME}, version: "5.5.0"}}
work_dir: {tmp / "work"}
hosts:
  local: {{backend: local, address: 127.0.0.1}}
defaults:
  jvm: {{xms: 256m, xmx: 256m, xmn: 128m, max_direct: 256m, extra: ["-XX:-AlwaysPreTouch"]}}
topology:
  masters: {masters}
  slaves_per_master: {slaves}
  replication: {replication.value}
  namesrvs: 2
  namesrv_port: 21876
  broker_port: 21911
  config_dir: conf
  jvm:
    namesrv: {{xms: 128m, xmx: 128m, xmn: 64m}}
  properties: {{mappedFileSizeCommitLog: 134217728}}
""")
    return path


def wipe_state(tmp: Path) -> None:
    """Fresh stores and logs, so both ways of starting do the same work."""
    for node_dir in (tmp / "work").glob("*"):
        for sub in ("store", "logs", "namesrv"):
            shutil.rmtree(node_dir / sub, ignore_errors=True)


def cpu_seconds(pid: int) -> float:
    """user+system CPU the process has used so far (/proc/<pid>/stat fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def singles(svc: NodeService) -> tuple[list[list[float]], list[list[float]]]:
    """(wall seconds, JVM CPU seconds at ready) of each single start, by level."""
    walls, cpus = [], []
    for level in svc.start_levels():
        times, cpu = [], []
        for node in level:
            t0 = time.monotonic()
            status = await svc.start(node, timeout=180)
            if status.state is not NodeState.RUNNING or not status.pid:
                raise SystemExit(f"single start of {node.name} failed: {status.message}")
            times.append(time.monotonic() - t0)
            cpu.append(cpu_seconds(status.pid))
        walls.append(times)
        cpus.append(cpu)
    return walls, cpus


async def start_all(svc: NodeService) -> tuple[float, list[float]]:
    stamps: list[tuple[float, str, str]] = []
    t0 = time.monotonic()
    results = await svc.start_all(progress=lambda n, m: stamps.append((time.monotonic(), n, m)), timeout=180)
    total = time.monotonic() - t0
    bad = [s for s in results.values() if s.state is not NodeState.RUNNING]
    if bad or len(results) != len(svc.cluster.nodes):
        raise SystemExit(f"start-all failed: {bad}")
    walls = []
    for level in svc.start_levels():
        names = {n.name for n in level}
        begin = min(t for t, n, m in stamps if n in names and m.startswith("starting:"))
        end = max(t for t, n, m in stamps if n in names and m.startswith("running (pid"))
        walls.append(end - begin)
    return total, walls


async def stop_all(svc: NodeService) -> None:
    results = await svc.stop_all()
    if any(s.state is not NodeState.STOPPED for s in results.values()):
        raise SystemExit(f"stop-all failed: {results}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--layout", default="2m-2s-async")
    parser.add_argument("--record", action="store_true", help="append the result to bench/RESULTS.md")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="rocketui-bench-cluster-"))
    cluster = load_cluster(str(write_cluster(tmp, args.layout)))
    pool = BackendPool(cluster)
    await generate.write(pool, await generate.plan(cluster, pool))
    svc = NodeService(cluster, pool)
    single_rounds: list[list[list[float]]] = []
    cpu_rounds: list[list[list[float]]] = []
    all_rounds: list[tuple[float, list[float]]] = []
    try:
        for r in range(args.rounds):
            wipe_state(tmp)
            walls, cpus = await singles(svc)
            single_rounds.append(walls)
            cpu_rounds.append(cpus)
            await stop_all(svc)
            wipe_state(tmp)
            all_rounds.append(await start_all(svc))
            await stop_all(svc)
            print(f"round {r + 1}/{args.rounds} done", file=sys.stderr, flush=True)
    finally:
        await stop_all(svc)
        await svc.close()
        shutil.rmtree(tmp, ignore_errors=True)

    med = statistics.median
    cores = os.cpu_count() or 1
    lines = [
        f"layout {args.layout} + 2 namesrvs, {len(cluster.nodes)} JVMs, {cores} cores, rounds: {args.rounds} (medians)",
        f"{'level':<9} {'nodes':>5} {'max single':>11} {'sum single':>11} {'CPU/cores':>10} {'start-all':>10} "
        f"{'wall/max':>9} {'wall/floor':>10}",
    ]
    levels = len(single_rounds[0])
    ratios = []
    for i in range(levels):
        mx = med([max(r[i]) for r in single_rounds])
        sm = med([sum(r[i]) for r in single_rounds])
        # CPU-bound floor: the JVMs of a level need this much CPU before they are ready, and
        # `cores` cores can supply it no faster than CPU / cores.
        floor_cpu = med([sum(r[i]) for r in cpu_rounds]) / cores
        wall = med([a[1][i] for a in all_rounds])
        ratios.append(wall / mx)
        lines.append(
            f"{LEVEL_NAMES[i]:<9} {len(single_rounds[0][i]):>5} {mx:>10.2f}s {sm:>10.2f}s "
            f"{floor_cpu:>9.2f}s {wall:>9.2f}s {wall / mx:>8.2f}x {wall / max(mx, floor_cpu):>9.2f}x"
        )
    total_sum = med([sum(sum(level) for level in r) for r in single_rounds])
    total_max = med([sum(max(level) for level in r) for r in single_rounds])
    total_all = med([a[0] for a in all_rounds])
    lines += [
        f"start-all total {total_all:.2f}s; sum of single starts {total_sum:.2f}s "
        f"(ratio {total_all / total_sum:.2f}x); sum of per-level slowest singles {total_max:.2f}s "
        f"(ratio {total_all / total_max:.2f}x)",
        f"worst level ratio {max(ratios):.2f}x  target <= 1.30x per dependency level",
    ]
    text = "\n".join(lines)
    print(text)
    if args.record:
        with open(REPO / "bench" / "RESULTS.md", "a", encoding="utf-8") as f:
            f.write(
                "\n## cluster_start (bench/cluster_start.py)\n\n"
                "Start-all of 2 namesrvs + 2m-2s (4 brokers, heaps 256m, namesrvs 128m) on one machine,\n"
                "against single-node starts measured in the same run on fresh stores (each single start\n"
                "with its dependency levels already running; ready = accepting connections, brokers\n"
                "registered at both namesrvs).  Per level: wall time of the level inside start-all\n"
                "divided by the slowest single start of that level.\n\n```\n" + text + "\n```\n"
            )


if __name__ == "__main__":
    asyncio.run(main())
