"""Status poll of many SSH hosts: rocketui's SSHBackend vs one `ssh host cmd` per host in sequence.

Starts N real sshd (tests/support/sshd.py: loopback aliases 127.0.0.2-9, ports 22220-22239, own
host keys, one client key).  One poll = the process listing (`processes("java")`) of every host.
  anchor:   the OpenSSH client, `ssh host <the same listing script>` per host, one after the other
            (a fresh connection each time, as a shell loop over hosts would do);
  rocketui: one SSHBackend per host, all hosts polled concurrently over each host's persistent
            connection, the listing run by the resident shell (ssh_shell.py); the first poll
            includes connecting and starting that shell.
Prints wall time per full poll (median of --polls), connections opened, and the ratio.
Usage: python bench/ssh_fanout.py [--hosts 20] [--polls 7]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from rocketui.backends import ssh_scripts
from rocketui.backends.base import Command
from rocketui.backends.ssh import SSHBackend
from rocketui.model.cluster import BackendKind, Host, Pos
from tests.support.sshd import ClientKeys, SSHFarm, sshd_available


def anchor_poll(argvs: list[list[str]], script: str) -> float:
    started = time.perf_counter()
    for argv in argvs:
        out = subprocess.run([*argv, script], capture_output=True)
        if out.returncode != 0 or not out.stdout.startswith(b"rocketui-procs "):
            raise RuntimeError(f"ssh failed: {out.stderr.decode(errors='replace')}")
    return time.perf_counter() - started


async def rocketui_poll(backends: list[SSHBackend]) -> float:
    started = time.perf_counter()
    await asyncio.gather(*(b.processes("java") for b in backends))
    return time.perf_counter() - started


async def exec_floor(backend: SSHBackend, runs: int = 5) -> float:
    """Median of `true` over an open connection: channel + the remote login shell's start."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await backend.run(Command.of(["true"]))
        times.append(time.perf_counter() - started)
    return statistics.median(times)


async def close_all(backends: list[SSHBackend]) -> None:
    await asyncio.gather(*(b.close() for b in backends))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--polls", type=int, default=7)
    args = parser.parse_args()
    if not sshd_available():
        sys.exit("needs /usr/sbin/sshd and ssh-keygen (apt-get install -y openssh-server)")
    with tempfile.TemporaryDirectory(prefix="rocketui-ssh-fanout-") as tmp:
        root = Path(tmp)
        farm = SSHFarm(root / "sshd", ClientKeys.create(root / "keys"))
        try:
            servers = farm.start(args.hosts)
            known = root / "known_hosts"
            known.write_text("".join(s.host_key_line for s in servers))
            argvs = [[*s.ssh_argv(known_hosts=known), "-o", "ControlMaster=no"] for s in servers]
            script = ssh_scripts.processes_script("java")
            hosts = [
                Host(
                    f"h{i}",
                    BackendKind.SSH,
                    s.address,
                    Pos("bench", 0),
                    port=s.port,
                    identity_file=str(s.keys.key),
                    known_hosts=str(known),
                )
                for i, s in enumerate(servers)
            ]
            backends = [SSHBackend(h) for h in hosts]

            anchor_poll(argvs[:1], script)  # warm the client binary and page cache
            anchors: list[float] = []
            warm: list[float] = []
            loop = asyncio.new_event_loop()
            try:
                cold = loop.run_until_complete(rocketui_poll(backends))
                for _ in range(args.polls):  # interleaved, so both see the same machine load
                    anchors.append(anchor_poll(argvs, script))
                    warm.append(loop.run_until_complete(rocketui_poll(backends)))
                connections = sum(b.stats.connections for b in backends)
                floor = loop.run_until_complete(exec_floor(backends[0]))
                loop.run_until_complete(close_all(backends))
            finally:
                loop.close()
        finally:
            farm.close()
    a, w = statistics.median(anchors), statistics.median(warm)
    print(f"hosts: {args.hosts}, polls: {args.polls} (medians), remote command: process listing (one script)")
    print(f"anchor  ssh per host, sequential   {a * 1000:8.1f} ms/poll   connections per poll: {args.hosts}")
    print(f"rocketui first poll (connects)      {cold * 1000:8.1f} ms")
    print(
        f"rocketui later polls                {w * 1000:8.1f} ms/poll   connections opened in all "
        f"{args.polls + 1} polls: {connections}"
    )
    print(f"one exec of `true` over an open connection (channel + remote login shell): {floor * 1000:.1f} ms")
    print(f"ratio (anchor / rocketui later poll): {a / w:.1f}x faster; first poll {a / cold:.1f}x")


if __name__ == "__main__":
    main()
