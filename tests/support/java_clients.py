"""The standard Java producer / push consumer of tests/java/StdClients.java: compiled at test time
against the assembled distribution's client jar (javac into a temp dir), run as child processes
that write one line per send or message, and stopped by creating their stop file."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parent.parent / "java" / "StdClients.java"


def compile_clients(home: Path, out_dir: Path) -> Path:
    javac = shutil.which("javac")
    if javac is None:
        message = "javac not found (needed for the standard Java producer)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    out_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [javac, "-nowarn", "-cp", f"{home}/lib/*", "-d", str(out_dir), str(SOURCE)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return out_dir


@dataclass
class JavaClient:
    proc: subprocess.Popen[bytes]
    out: Path
    stop_file: Path
    log: Path

    def lines(self) -> list[str]:
        return self.out.read_text(errors="replace").splitlines() if self.out.exists() else []

    def wait_started(self, timeout: float = 60.0) -> None:
        self._wait_for_line("STARTED", "did not start", timeout)

    def wait_sending(self, timeout: float = 60.0) -> None:
        """Until a producer's first SEND_OK: its route is loaded and its connections are open.  A
        test around an operation starts it only then: on the loaded 2-core machine the first send
        of a cold client JVM can outlast the 3 s send timeout before anything was done (seen once:
        message 1 timed out while another worker started a cluster)."""
        self._wait_for_line("OK ", "had no SEND_OK", timeout)

    def _wait_for_line(self, prefix: str, failure: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not any(line.startswith(prefix) for line in self.lines()):
            if self.proc.poll() is not None:
                raise RuntimeError(f"java client exited {self.proc.returncode}: {self.log.read_text()[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"java client {failure} within {timeout:g}s: {self.log.read_text()[-2000:]}")
            time.sleep(0.1)

    def stop(self, timeout: float = 30.0) -> None:
        self.stop_file.touch()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@dataclass
class ProducerResult:
    ok: list[tuple[str, str]] = field(default_factory=list)  # (msg id, broker name)
    failed: list[str] = field(default_factory=list)
    # answered SYSTEM_BUSY: a broker shedding load (a send that waited > 200 ms in its queue on
    # these 2 shared cores), not a broker that went away; the Java client resends these itself
    # (5.x, default retries), a retries-0 producer cannot
    busy: list[str] = field(default_factory=list)
    not_ok: list[str] = field(default_factory=list)
    # failed before the first SEND_OK (a cold client; see JavaClient.wait_sending), not in `failed`
    cold: list[str] = field(default_factory=list)


def start_client(classes: Path, home: Path, workdir: Path, name: str, *args: str) -> JavaClient:
    workdir.mkdir(parents=True, exist_ok=True)
    out, stop_file, log = workdir / f"{name}.out", workdir / f"{name}.stop", workdir / f"{name}.log"
    stop_file.unlink(missing_ok=True)
    argv = [
        "java", "-Xmx64m", "-XX:+UseSerialGC", "-Drocketmq.client.logUseSlf4j=false",
        f"-Duser.home={workdir}", "-cp", f"{classes}:{home}/lib/*", "StdClients", *args, str(out), str(stop_file),
    ]  # fmt: skip
    with open(log, "wb") as log_file:
        proc = subprocess.Popen(argv, stdout=log_file, stderr=subprocess.STDOUT, cwd=workdir, start_new_session=True)
    return JavaClient(proc, out, stop_file, log)


def producer_result(client: JavaClient) -> ProducerResult:
    result = ProducerResult()
    for line in client.lines():
        kind, _, rest = line.partition(" ")
        if kind == "OK":
            msg_id, _, broker = rest.partition(" ")
            result.ok.append((msg_id, broker))
        elif kind == "FAIL":
            (result.busy if " code=2 " in rest else result.failed if result.ok else result.cold).append(rest)
        elif kind == "NOTOK":
            result.not_ok.append(rest)
    return result
