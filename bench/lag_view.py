"""Refresh time of the topics and groups views on a broker with 1,000 topics and 200 consumer
groups (created by the bench), against `mqadmin topicList` + `mqadmin consumerProgress` timed in
the same run, and the key latency of the TUI while both views refresh.

One namesrv + one broker (256 MiB heap) on loopback.  Each group has committed offsets on 5
topics, 1 message behind on each, and its %RETRY% topic (so mqadmin lists it).  Then:
1. rocketui: `ops.admin.topics()` + `ops.admin.groups()` (what `t` and `g` load), 5 rounds;
2. mqadmin: `topicList` then `consumerProgress` (every group), 2 rounds;
3. key latency: the real TopicsScreen and GroupsScreen in a headless app, refreshing back to back,
   while a key is posted every 20 ms; the delay until the screen's handler runs is recorded.
Usage: flock /tmp/rocketui-jvm.lock python bench/lag_view.py
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

TOPICS = 1000
GROUPS = 200
TOPICS_PER_GROUP = 5


async def populate(namesrv: str, broker: str) -> None:
    from rocketui.rocketmq.remoting import BrokerClient
    from rocketui.rocketmq.remoting.admin_bodies import SubscriptionGroup
    from rocketui.services.admin_clients import gather_limited

    async with BrokerClient(broker, timeout=30.0) as client:
        topics = [f"BenchTopic{i:04d}" for i in range(TOPICS)]
        await gather_limited(topics, lambda t: client.create_topic(t, read_queue_nums=4, write_queue_nums=4), 16)
        groups = [f"bench_group_{i:03d}" for i in range(GROUPS)]

        async def group(i: int) -> None:
            name = groups[i]
            await client.create_subscription_group(SubscriptionGroup(name))
            await client.create_topic(f"%RETRY%{name}", read_queue_nums=1, write_queue_nums=1)
            for k in range(TOPICS_PER_GROUP):
                topic = topics[(i * TOPICS_PER_GROUP + k) % TOPICS]
                result = await client.send_v2(topic, b"x" * 64, queue_id=0)
                await client.update_consumer_offset(name, topic, 0, result.queue_offset)

        await gather_limited(list(range(GROUPS)), group, 8)


async def rocketui_rounds(cluster_file: Path, rounds: int) -> list[tuple[float, float, int, int]]:
    from rocketui.model.loader import load_cluster
    from rocketui.usecases.operations import Operations

    ops = Operations(load_cluster(str(cluster_file)))
    out = []
    try:
        for _ in range(rounds):
            t0 = time.perf_counter()
            topics = await ops.admin.topics()
            t1 = time.perf_counter()
            groups = await ops.admin.groups()
            t2 = time.perf_counter()
            assert not topics.errors and not groups.errors, (topics.errors[:3], groups.errors[:3])
            out.append((t1 - t0, t2 - t1, len(topics.rows), len(groups.rows)))
    finally:
        await ops.close()
    return out


def mqadmin_round(home: Path, namesrv: str) -> tuple[float, float, int]:
    env = {**os.environ, "ROCKETMQ_HOME": str(home)}
    t0 = time.perf_counter()
    topics = subprocess.run(
        [str(home / "bin/mqadmin"), "topicList", "-n", namesrv], capture_output=True, text=True, env=env, timeout=300
    )
    t1 = time.perf_counter()
    progress = subprocess.run(
        [str(home / "bin/mqadmin"), "consumerProgress", "-n", namesrv],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    t2 = time.perf_counter()
    assert topics.returncode == 0 and progress.returncode == 0, topics.stderr + progress.stderr
    groups = sum(1 for line in progress.stdout.splitlines() if line.startswith("bench_group_"))
    return t1 - t0, t2 - t1, groups


async def key_latency(cluster_file: Path, seconds: float) -> tuple[float, float, int, int]:
    from textual import events
    from textual.binding import Binding

    from rocketui.app import RocketUI
    from rocketui.model.loader import load_cluster
    from rocketui.screens.groups import GroupsScreen
    from rocketui.screens.topics import TopicsScreen

    latencies: list[float] = []
    sent: dict[int, float] = {}
    refreshes = [0]

    def ping() -> None:
        now = time.perf_counter()
        if sent:
            latencies.append(now - sent.pop(min(sent)))

    class TimedTopics(TopicsScreen):
        BINDINGS = [*TopicsScreen.BINDINGS, Binding("f9", "ping", show=False)]

        def action_ping(self) -> None:
            ping()

        async def fill(self) -> None:
            await super().fill()
            refreshes[0] += 1
            self.action_refresh()  # back to back: the worst case, not the 5 s timer

    class TimedGroups(GroupsScreen):
        BINDINGS = [*GroupsScreen.BINDINGS, Binding("f9", "ping", show=False)]

        def action_ping(self) -> None:
            ping()

        async def fill(self) -> None:
            await super().fill()
            refreshes[0] += 1
            self.action_refresh()

    app = RocketUI(load_cluster(str(cluster_file)), poll_interval=0)
    async with app.run_test(size=(180, 50)) as pilot:
        await pilot.pause()
        for screen in (TimedTopics(app.ops), TimedGroups(app.ops)):
            app.push_screen(screen)
            await pilot.pause(0.5)
            end = time.monotonic() + seconds / 2
            seq = 0
            while time.monotonic() < end:
                seq += 1
                sent[seq] = time.perf_counter()
                app.post_message(events.Key("f9", None))
                await asyncio.sleep(0.02)
            app.pop_screen()
            await pilot.pause(0.2)
            sent.clear()
    p50 = statistics.median(latencies) * 1000
    p99 = statistics.quantiles(latencies, n=100)[98] * 1000
    return p50, p99, len(latencies), refreshes[0]


def main() -> None:
    from tests.services import mq_jvms

    root = Path(tempfile.mkdtemp(prefix="rocketui-bench-lag-"))
    try:
        jvms = mq_jvms.start(root, auto_create_topic=False)
        t0 = time.monotonic()
        asyncio.run(populate(jvms.namesrv, jvms.broker))
        print(f"created {TOPICS} topics and {GROUPS} groups in {time.monotonic() - t0:.0f}s", flush=True)
        ours = asyncio.run(rocketui_rounds(jvms.cluster_file, 5))
        theirs = [mqadmin_round(jvms.home, jvms.namesrv) for _ in range(2)]
        p50, p99, keys, refreshes = asyncio.run(key_latency(jvms.cluster_file, 20.0))
    finally:
        mq_jvms.stop(root)
    warm = ours[1:]
    topics_s = statistics.median(t for t, _, _, _ in warm)
    groups_s = statistics.median(g for _, g, _, _ in warm)
    ours_total = statistics.median(t + g for t, g, _, _ in warm)
    theirs_total = statistics.median(a + b for a, b, _ in theirs)
    print(f"rows: {ours[-1][2]} topics, {ours[-1][3]} groups (mqadmin consumerProgress listed {theirs[-1][2]} groups)")
    print(
        f"rocketui refresh (median of {len(warm)} warm rounds; first {ours[0][0] + ours[0][1]:.2f}s): "
        f"topics {topics_s:.2f}s + groups {groups_s:.2f}s = {ours_total:.2f}s"
    )
    print(
        "mqadmin (median of 2): "
        f"topicList {statistics.median(a for a, _, _ in theirs):.2f}s + "
        f"consumerProgress {statistics.median(b for _, b, _ in theirs):.2f}s = {theirs_total:.2f}s"
    )
    print(f"speed-up: {theirs_total / ours_total:.1f}x")
    print(
        f"key latency while refreshing back to back: p50 {p50:.1f} ms, p99 {p99:.1f} ms ({keys} keys, {refreshes} refreshes)"
    )


if __name__ == "__main__":
    main()
