"""Controller failover: kill -9 of a master in clusters/2m-2s-controller.yaml, timed.

Per round, with every broker in its sync-state set, the master of broker-a is killed (SIGKILL)
and three moments are taken from that instant:
  (a) the controllers name another master (CONTROLLER_GET_SYNC_STATE_DATA to the leader, asked
      every 20 ms by a watcher of its own);
  (b) rocketui shows it: Operations.status_all() — what the TUI's table and `status` run — polled
      as the main screen does (the next poll 1 s after the previous one ended: the default poll),
      first returns the new master's elected role as master;
  (c) the first SEND_OK of a message for broker-a: a sender tries every 50 ms, each time to the
      master the namesrv route names then (as a Java producer refreshing its route).
(b)-(a) is rocketui's own delay (target <= 1 s at the default poll).  The old master is then
started again and waited for as an in-sync slave; the next round kills the other replica.
Usage: python bench/failover.py [--rounds N] [--poll 1.0] [--record]  (uses ports 22000-22099;
the distribution with the proxy/controller launchers: ROCKETUI_TEST_ROCKETMQ_HOME or
~/.local/share/rocketui/rocketmq-5.5.0).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from rocketui.model.loader import load_cluster
from rocketui.rocketmq.remoting import BrokerClient, NamesrvClient, RemotingError, SendStatus
from rocketui.rocketmq.remoting.controller import ControllerClient
from rocketui.usecases.operations import Operations

HOME = Path(os.environ.get("ROCKETUI_TEST_ROCKETMQ_HOME", Path.home() / ".local/share/rocketui/rocketmq-5.5.0"))
BASE = 22000
TOPIC = "BenchFailover"


def write_cluster(tmp: Path) -> Path:
    text = (REPO / "clusters" / "2m-2s-controller.yaml").read_text()
    text = re.sub(r"(?m)^  home: .*$", f"  home: {HOME}", text)
    text = re.sub(r"(?m)^work_dir: .*$", f"work_dir: {tmp / 'work'}", text)
    text = re.sub(r"(?m)^  config_dir: .*$", "  config_dir: conf", text)
    for key, port in (("broker_port", BASE + 11), ("namesrv_port", BASE + 60), ("controller_port", BASE + 63)):
        text = re.sub(rf"(?m)^  {key}: .*$", f"  {key}: {port}", text)
    text = re.sub(
        r"(?m)^  jvm: \{xms: 256m.*$",
        '  jvm: {xms: 256m, xmx: 256m, xmn: 128m, max_direct: 256m, extra: ["-XX:-AlwaysPreTouch"]}',
        text,
    )
    text = re.sub(r"(?m)^topology:\n", "topology:\n  properties: {mappedFileSizeCommitLog: 134217728}\n", text)
    path = tmp / "bench.yaml"
    path.write_text(text)
    return path


async def in_sync(ops: Operations, timeout: float = 180.0) -> dict[str, str]:
    """Wait until every broker is in its sync-state set; node → elected role."""
    deadline = time.monotonic() + timeout
    while True:
        statuses = await ops.status_all()
        roles = {b.name: statuses[b.name].elected for b in ops.cluster.brokers}
        if all(r is not None and r.in_sync for r in roles.values()):
            return {n: r.role for n, r in roles.items() if r is not None}
        if time.monotonic() > deadline:
            raise SystemExit(f"brokers not in sync after {timeout:g}s: {roles}")
        await asyncio.sleep(0.5)


async def controller_master(ops: Operations, leader: str, group: str) -> str | None:
    async with ControllerClient(leader, timeout=2.0) as client:
        sets = await client.sync_state_data([group])
    rs = sets.get(group)
    return rs.master_address if rs and rs.has_master else None


async def one_round(ops: Operations, poll: float) -> dict[str, float]:
    cluster = ops.cluster
    roles = await in_sync(ops)
    victim = next(n for n, r in roles.items() if r == "master" and cluster.node(n).broker_name == "broker-a")
    heir = next(b.name for b in cluster.brokers if b.broker_name == "broker-a" and b.name != victim)
    view = await ops.nodes.controllers.view()
    assert view is not None and view.leader is not None
    leader = cluster.controller_endpoint(cluster.node(view.leader))
    jvm = await ops.nodes.find(cluster.node(victim))
    assert jvm is not None
    heir_addr = cluster.endpoint(cluster.node(heir))
    marks: dict[str, float] = {}
    t0 = float("inf")  # set at the kill

    async def watch_controller() -> None:
        while "a" not in marks:
            try:
                if await controller_master(ops, leader, "broker-a") == heir_addr:
                    marks["a"] = time.monotonic() - t0
            except RemotingError:
                pass
            await asyncio.sleep(0.02)

    async def watch_rocketui() -> None:
        """Polls from before the kill, as the TUI does, so the kill falls anywhere in its cycle."""
        while "b" not in marks:
            statuses = await ops.status_all()
            elected = statuses[heir].elected
            if elected is not None and elected.role == "master" and time.monotonic() > t0:
                marks["b"] = time.monotonic() - t0
                break
            await asyncio.sleep(poll)

    async def send() -> None:
        ns = cluster.endpoint(cluster.namesrvs[0])
        while "c" not in marks:
            try:
                async with NamesrvClient(ns, timeout=2.0) as client:
                    route = await client.topic_route(TOPIC)
                master = next((b.master_addr for b in route.brokers if b.broker_name == "broker-a"), None)
                if master:
                    async with BrokerClient(master, timeout=2.0) as broker:
                        result = await broker.send_v2(TOPIC, b"bench", queue_id=0)
                    if result.status is SendStatus.SEND_OK:
                        marks["c"] = time.monotonic() - t0
            except RemotingError:
                pass
            await asyncio.sleep(0.05)

    poller = asyncio.create_task(watch_rocketui())
    await asyncio.sleep(2.0 + (time.time() % 1.0))  # somewhere inside a poll cycle
    t0 = time.monotonic()
    os.kill(jvm.pid, signal.SIGKILL)
    await asyncio.wait_for(asyncio.gather(watch_controller(), poller, send()), 120)
    started = await ops.lifecycle.start(cluster.node(victim), timeout=180)
    assert started.ok, started.summary
    return marks


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--poll", type=float, default=1.0, help="seconds between status polls (the TUI default: 1)")
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="rocketui-bench-failover-"))
    ops = Operations(load_cluster(str(write_cluster(tmp))))
    try:
        generated = await ops.provision.generate(await ops.provision.plan_generate())
        assert generated.ok, generated.summary
        outcome = await ops.lifecycle.start_all(timeout=300)
        assert outcome.ok, outcome.summary
        await in_sync(ops)
        async with BrokerClient(ops.cluster.endpoint(ops.cluster.node("broker-a"))) as b:
            await b.create_topic(TOPIC, read_queue_nums=4, write_queue_nums=4)
        for name in ("broker-a-s", "broker-b", "broker-b-s"):
            async with BrokerClient(ops.cluster.endpoint(ops.cluster.node(name))) as b:
                await b.create_topic(TOPIC, read_queue_nums=4, write_queue_nums=4)
        rows = []
        for i in range(args.rounds):
            marks = await one_round(ops, args.poll)
            rows.append(marks)
            print(
                f"round {i + 1}: controller {marks['a']:.3f}s, rocketui {marks['b']:.3f}s "
                f"(own delay {marks['b'] - marks['a']:.3f}s), first SEND_OK {marks['c']:.3f}s",
                flush=True,
            )
        own = [m["b"] - m["a"] for m in rows]
        summary = (
            f"{args.rounds} rounds, poll {args.poll:g}s: controller elects in "
            f"{statistics.median(m['a'] for m in rows) * 1000:.0f} ms (median), rocketui shows it after "
            f"{statistics.median(m['b'] for m in rows):.2f} s, its own delay (b)-(a) median {statistics.median(own):.2f} s, "
            f"max {max(own):.2f} s; first SEND_OK to the group after {statistics.median(m['c'] for m in rows):.2f} s"
        )
        print(summary)
        if args.record:
            with open(REPO / "bench" / "RESULTS.md", "a") as f:
                f.write(f"\n- {time.strftime('%Y-%m-%d')}: {summary}\n")
                for i, m in enumerate(rows, 1):
                    f.write(
                        f"  - round {i}: (a) {m['a']:.3f} s, (b) {m['b']:.3f} s, (b)-(a) {m['b'] - m['a']:.3f} s, "
                        f"(c) {m['c']:.3f} s\n"
                    )
    finally:
        try:
            await ops.lifecycle.stop_all(force=True)
        finally:
            await ops.close()
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
