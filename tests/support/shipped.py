"""Test copies of the shipped cluster files (clusters/*.yaml): the same topology, moved onto one
free block of this worker's test ports, with its work dir and broker files in the test's temp
dir and the test distribution as home; the broker files written by rocketui's own `generate`."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from rocketui.model.loader import load_cluster
from tests.support.ports import free_port
from tests.support.rocketmq import rocketmq_home

REPO = Path(__file__).resolve().parents[2]

# Offsets from the block's base (brokers take base-2 … base+31 at port_step 10).
PORT_KEYS = {"broker_port": 0, "namesrv_port": 50, "controller_port": 53, "proxy_port": 80, "grpc_port": 85}


def shipped_copy(tmp: Path, name: str, *, extra_topology: str = "", extra_properties: str = "") -> Path:
    """clusters/<name>.yaml as a test cluster file under `tmp` (its broker files generated)."""
    text = (REPO / "clusters" / f"{name}.yaml").read_text()
    base = free_port(offsets=tuple(range(-2, 100)))
    text = re.sub(r"(?m)^  home: .*$", f"  home: {rocketmq_home()}", text)
    text = re.sub(r"(?m)^work_dir: .*$", f"work_dir: {tmp / 'work'}", text)
    text = re.sub(r"(?m)^cluster: .*$", "cluster: PcTest", text)
    for key, offset in PORT_KEYS.items():
        line = f"  {key}: {base + offset}"
        if re.search(rf"(?m)^  {key}: ", text):
            text = re.sub(rf"(?m)^  {key}: .*$", line, text)
        else:
            text = re.sub(r"(?m)^topology:\n", f"topology:\n{line}\n", text, count=1)
    text = re.sub(r"(?m)^  config_dir: .*$", "  config_dir: conf", text)
    # small heaps and no pre-touch: many JVMs share two cores in CI
    text = re.sub(
        r"(?m)^  jvm: \{xms: 256m.*$",
        '  jvm: {xms: 256m, xmx: 256m, xmn: 128m, max_direct: 256m, extra: ["-XX:-AlwaysPreTouch"]}',
        text,
    )
    props = "  properties: {mappedFileSizeCommitLog: 134217728" + (f", {extra_properties}" if extra_properties else "")
    text = re.sub(r"(?m)^topology:\n", lambda _: f"topology:\n{props}}}\n{extra_topology}", text, count=1)
    path = tmp / f"{name}.yaml"
    path.write_text(text)
    cluster = load_cluster(str(path))

    async def generate() -> None:
        from rocketui.usecases.operations import Operations

        ops = Operations(cluster)
        try:
            outcome = await ops.provision.generate(await ops.provision.plan_generate())
        finally:
            await ops.close()
        assert outcome.ok, outcome.summary

    asyncio.run(generate())
    return path
