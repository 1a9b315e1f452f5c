"""Start, stop and observe the nodes of a cluster through their hosts' backends.

This is the one place that decides *how* a node is started and stopped:
- start runs the distribution's own scripts (`sh bin/mqnamesrv -c …`, `sh bin/mqbroker -c … -n …`)
  detached in their own session, with ROCKETMQ_HOME / JAVA_HOME and the node's JVM options in
  JAVA_OPT_EXT (which the scripts append after their defaults, so ours win), stdout+stderr
  captured to `<run_dir>/stdout.log`;
- stop signals exactly that node's JVM (never `mqshutdown`, which kills every broker of the host):
  SIGTERM, wait for exit and closed port, SIGKILL after a timeout with a warning.
These are mechanics: read-only mode, journaling and the order of multi-node actions belong to
the use-case layer (`rocketui.usecases.lifecycle`), which runs every call here through the gate.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections.abc import Callable
from typing import TypeVar

from rocketui.backends.base import (
    EXIT_MARKER,
    Backend,
    BackendError,
    Command,
    HostPool,
    HostUnreachable,
    ProcessInfo,
)
from rocketui.model.cluster import BackendKind, Cluster, Node, NodeKind
from rocketui.rocketmq.layout import BOOT_LINE, START_SCRIPT, explain_failure
from rocketui.services.broker_config_check import check_broker_config
from rocketui.services.host_listings import HostListings, Pending
from rocketui.services.node_match import find_jvm, node_config_path
from rocketui.services.node_status import NodeState, NodeStatus
from rocketui.services.registration import RegistrationProbe

Progress = Callable[[str, str], None]  # (node name, message)
T = TypeVar("T")


class NodeError(Exception):
    """An operation on a node failed; the message says which node, on which host, and why."""


def _noop(node: str, message: str) -> None:
    return None


class NodeService:
    def __init__(self, cluster: Cluster, pool: HostPool) -> None:
        self.cluster = cluster
        self.pool = pool
        self.registration = RegistrationProbe(cluster, pool)
        self._transient: dict[str, tuple[NodeState, str]] = {}
        self._expanded: dict[str, str] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._leaders: dict[str, tuple[float, int | None]] = {}
        self.listings = HostListings(
            self._jvms, hopeless=lambda host: self.pool.connection_state(host).startswith("unreachable")
        )

    async def close(self) -> None:
        """Close namesrv connections and every host backend."""
        self.listings.close()
        await self.registration.close()
        await self.pool.close_all()

    # ----------------------------------------------------------------- helpers
    def backend(self, node: Node) -> Backend:
        return self.pool.get(node.host)

    async def _expand(self, node: Node, path: str) -> str:
        key = f"{node.host}\0{path}"
        if key not in self._expanded:
            self._expanded[key] = await self.backend(node).expand_path(path)
        return self._expanded[key]

    async def config_path(self, node: Node) -> str:
        return await self._expand(node, node_config_path(self.cluster, node))

    async def run_dir(self, node: Node) -> str:
        return await self._expand(node, self.cluster.run_dir(node))

    def _lock(self, node: Node) -> asyncio.Lock:
        return self._locks.setdefault(node.name, asyncio.Lock())

    # ----------------------------------------------------------------- commands
    def start_command(self, node: Node, *, home: str, config: str, user_home: str, run_dir: str) -> Command:
        """The exact command that starts `node` (paths already expanded on its host)."""
        host = self.cluster.host(node.host)
        env = {
            "ROCKETMQ_HOME": home,
            "JAVA_OPT_EXT": " ".join(filter(None, [node.jvm.java_opt_ext(), f"-Duser.home={user_home}"])),
        }
        java_home = self.cluster.java_home(host)
        if java_home:
            env["JAVA_HOME"] = java_home
        argv = ["sh", f"{home}/{START_SCRIPT[node.kind]}", "-c", config]
        if node.kind is NodeKind.BROKER:
            argv += ["-n", self.cluster.namesrv_addr()]
        return Command.of(argv, env, run_dir)

    async def planned_start(self, node: Node) -> Command:
        host = self.cluster.host(node.host)
        home = await self._expand(node, self.cluster.rocketmq_home(host))
        user_home = await self._expand(node, self.cluster.user_home(node))
        return self.start_command(
            node, home=home, config=await self.config_path(node), user_home=user_home, run_dir=await self.run_dir(node)
        )

    async def plan(self, action: str, node: Node) -> list[str]:
        """The exact commands `action` ("start" | "stop" | "restart") would run on the node's
        host, as the journal records them: what confirmations and `--dry-run` show."""
        backend = self.backend(node)
        lines: list[str] = []
        if action in ("stop", "restart"):
            jvm = await self.find(node)
            if jvm is not None:
                lines.append(f"{backend.name}: kill -TERM {jvm.pid}")
        if action in ("start", "restart"):
            if action == "start" and await self.find(node) is not None:
                return []  # already running: start does nothing
            command = await self.planned_start(node)
            out = f"{await self.run_dir(node)}/stdout.log"
            lines.append(f"{backend.name}: {backend.detached_line(command, out)}")
        return lines

    # ----------------------------------------------------------------- status
    async def _jvms(self, host_name: str) -> list[ProcessInfo]:
        return await self.pool.get(host_name).processes("java")

    async def find(self, node: Node, processes: list[ProcessInfo] | None = None) -> ProcessInfo | None:
        if processes is None:
            processes = await self._jvms(node.host)
        leader = await self._leader(node)
        return find_jvm(node, await self.config_path(node), processes, leader=leader)

    async def _leader(self, node: Node) -> int | None:
        """Session leader of the last start (from the pid file; cached so a poll does not read
        one file per node per second)."""
        cached = self._leaders.get(node.name)
        if cached and time.monotonic() - cached[0] < 10.0:
            return cached[1]
        try:
            data = json.loads(await self.backend(node).read_file(f"{await self.run_dir(node)}/rocketui.pid"))
            leader: int | None = int(data["leader"])
        except (FileNotFoundError, ValueError, KeyError, TypeError, BackendError, OSError):
            leader = None
        self._leaders[node.name] = (time.monotonic(), leader)
        return leader

    async def status_all(self) -> dict[str, NodeStatus]:
        """Status of every node: one process listing per host, one cluster query per namesrv.
        A host that does not answer within `listings.wait` is reported as such (its listing goes
        on in the background), and its namesrvs are not asked: the other hosts' rows stay live."""
        by_host = await self.listings.poll(sorted({n.host for n in self.cluster.nodes}))
        silent = {h for h, listing in by_host.items() if isinstance(listing, (Pending, HostUnreachable))}
        registered = await self.registration.registered_addresses(skip_hosts=silent)
        results = await asyncio.gather(*(self._status(n, by_host[n.host], registered) for n in self.cluster.nodes))
        # what the namesrvs say against the cluster file: "master down", wrong id, …
        from rocketui.services.topology_check import annotate  # lazy: not needed for the first frame

        return annotate(self.cluster, {s.node: s for s in results}, self.registration.views)

    async def status(self, node: Node) -> NodeStatus:
        try:
            procs: list[ProcessInfo] | BaseException = await self._jvms(node.host)
        except BackendError as exc:
            procs = exc
        registered = await self.registration.registered_addresses() if node.kind is NodeKind.BROKER else None
        return await self._status(node, procs, registered)

    async def _status(
        self, node: Node, procs: list[ProcessInfo] | BaseException, registered: dict[str, set[str]] | None
    ) -> NodeStatus:
        host_state = self.pool.connection_state(node.host)
        transient = self._transient.get(node.name)
        if isinstance(procs, BaseException):
            return NodeStatus(
                node.name, NodeState.UNKNOWN, message=str(procs), host_state=self._host_down(host_state, procs)
            )
        try:
            jvm = await self.find(node, procs)
        except BackendError as exc:
            return NodeStatus(node.name, NodeState.UNKNOWN, message=str(exc), host_state=f"unreachable: {exc}")
        address = self.cluster.advertised_address(node)
        port_open = await self.backend(node).port_open(address, node.port, timeout=0.5) if jvm else False
        reg: tuple[str, ...] | None = None
        if node.kind is NodeKind.BROKER and registered is not None and jvm:
            me = f"{address}:{node.port}"
            reg = tuple(sorted(ns for ns, addrs in registered.items() if me in addrs))
        if jvm is None:
            state = NodeState.STOPPED
        elif port_open:
            state = NodeState.RUNNING
        else:
            state = NodeState.STARTING
        message = ""
        if transient:
            t_state, t_msg = transient
            if t_state in (NodeState.STARTING, NodeState.STOPPING) or t_state is NodeState.FAILED and jvm is None:
                state, message = t_state, t_msg
        return NodeStatus(
            node.name,
            state,
            pid=jvm.pid if jvm else None,
            started_at=jvm.started_at if jvm else None,
            port_open=port_open,
            registered_at=reg,
            namesrv_count=len(self.cluster.namesrvs),
            message=message,
            host_state=host_state,
        )

    @staticmethod
    def _host_down(connection: str, error: BaseException) -> str:
        """The host column's words for a host whose processes could not be listed."""
        if isinstance(error, Pending):
            if connection == "connected":  # the link is up but says nothing: a hung host
                return f"unreachable: no answer for {error.age:.0f}s"
            return connection if connection.startswith("unreachable: ") else "connecting"
        if connection.startswith("unreachable: "):  # the connect failure, without the host's label
            return connection
        return f"unreachable: {error}"

    # ----------------------------------------------------------------- start
    async def start(
        self, node: Node, *, wait: bool = True, timeout: float = 90.0, progress: Progress = _noop
    ) -> NodeStatus:
        async with self._lock(node):
            return await self._start(node, wait=wait, timeout=timeout, progress=progress)

    async def _start(self, node: Node, *, wait: bool, timeout: float, progress: Progress) -> NodeStatus:
        backend = self.backend(node)
        running = await self.find(node)
        if running:
            progress(node.name, f"already running (pid {running.pid}); nothing to do")
            return await self.status(node)
        command = await self.planned_start(node)
        home = dict(command.env)["ROCKETMQ_HOME"]
        script = command.argv[1]
        if await backend.stat(script) is None:
            remote = f" --host {node.host}" if self.cluster.host(node.host).backend is BackendKind.SSH else ""
            raise NodeError(
                f"node '{node.name}': RocketMQ is not installed at {home} on host '{node.host}' "
                f"({script} is missing); run: rocketui install --cluster {self.cluster.source}{remote}"
            )
        run_dir = await self.run_dir(node)
        await backend.makedirs(run_dir)
        config = await self.config_path(node)
        if node.kind is NodeKind.BROKER:
            try:
                text = await backend.read_file(config)
            except FileNotFoundError:
                hint = (
                    f"; write it with: rocketui {self.cluster.source} generate"
                    if self.cluster.topology and node.name in self.cluster.topology.generated
                    else ""
                )
                raise NodeError(
                    f"node '{node.name}': broker config {config} does not exist on host '{node.host}' "
                    f"(cluster file {node.pos}){hint}"
                ) from None
            problems = check_broker_config(self.cluster, node, config, text)
            if problems:
                raise NodeError("\n".join(problems))
        else:
            await backend.write_file(config, self._namesrv_properties(node).encode("latin-1"))
        address = self.cluster.advertised_address(node)
        if await backend.port_open(address, node.port, timeout=0.5):
            raise NodeError(
                f"node '{node.name}': port {address}:{node.port} on host '{node.host}' is already in use "
                "by another process; stop it or change the port"
            )
        out_path = f"{run_dir}/stdout.log"
        out_stat = await backend.stat(out_path)
        offset = out_stat.size if out_stat else 0
        self._transient[node.name] = (NodeState.STARTING, "starting")
        try:
            progress(node.name, f"starting: {command.shell()}")
            leader = await backend.start_detached(command, output=out_path)
            self._leaders[node.name] = (time.monotonic(), leader)
            await backend.write_file(
                f"{run_dir}/rocketui.pid", json.dumps({"leader": leader, "started": time.time()}).encode()
            )
            if not wait:
                return await self.status(node)
            return await self._wait_ready(node, leader, out_path, offset, timeout, progress)
        except Exception as exc:
            self._transient[node.name] = (NodeState.FAILED, f"start failed: {exc}")
            raise
        finally:
            if self._transient.get(node.name, (None,))[0] is NodeState.STARTING:
                del self._transient[node.name]

    def _namesrv_properties(self, node: Node) -> str:
        lines = [
            "# Generated by rocketui from the cluster file; edit the cluster file instead.",
            f"listenPort={node.port}",
        ]
        if node.listen_address:
            lines.append(f"bindAddress={node.listen_address}")
        lines += [f"{k}={v}" for k, v in node.properties]
        return "\n".join(lines) + "\n"

    async def _wait_ready(
        self, node: Node, leader: int, out_path: str, offset: int, timeout: float, progress: Progress
    ) -> NodeStatus:
        backend = self.backend(node)
        deadline = time.monotonic() + timeout
        boot_seen = False
        dead_polls = 0
        announced: set[str] = set()
        while True:
            procs = await self._jvms(node.host)
            jvm = find_jvm(node, await self.config_path(node), procs, leader=leader)
            out = await self._output_since(backend, out_path, offset)
            boot_seen = boot_seen or bool(BOOT_LINE[node.kind].search(out))
            if jvm and "jvm" not in announced:
                announced.add("jvm")
                progress(node.name, f"JVM running (pid {jvm.pid}), waiting for port {node.port}")
            gone = jvm is None and not await self._leader_alive(backend, leader)
            dead_polls = dead_polls + 1 if gone else 0
            if EXIT_MARKER in out or dead_polls >= 2:  # two looks apart: never judge a launch mid-exec
                return self._failed(node, out)
            port_open = bool(jvm) and await backend.port_open(
                self.cluster.advertised_address(node), node.port, timeout=0.5
            )
            if jvm and port_open and boot_seen:
                if node.kind is NodeKind.BROKER:
                    if await self._registered_everywhere(node):
                        progress(node.name, f"running (pid {jvm.pid}), registered at every namesrv")
                        break
                    if "reg" not in announced:
                        announced.add("reg")
                        progress(node.name, "boot line seen, waiting for registration at the namesrv")
                else:
                    progress(node.name, f"running (pid {jvm.pid}), accepting connections on port {node.port}")
                    break
            if time.monotonic() > deadline:
                what = (
                    "the JVM did not appear"
                    if not jvm
                    else "the port did not open"
                    if not port_open
                    else "no boot line in its output"
                    if not boot_seen
                    else "not registered at every namesrv"
                )
                self._transient[node.name] = (NodeState.FAILED, f"not ready after {timeout:g}s: {what}")
                return NodeStatus(
                    node.name,
                    NodeState.FAILED,
                    pid=jvm.pid if jvm else None,
                    message=f"node '{node.name}' not ready after {timeout:g}s: {what} (see {out_path})",
                )
            await asyncio.sleep(0.25)
        self._transient.pop(node.name, None)
        return await self.status(node)

    async def _registered_everywhere(self, node: Node) -> bool:
        registered = await self.registration.registered_addresses()
        if registered is None:
            return True  # no namesrv client available: port + boot line are the best we know
        me = self.cluster.endpoint(node)
        return all(me in addrs for addrs in registered.values()) and bool(registered)

    @staticmethod
    async def _output_since(backend: Backend, path: str, offset: int) -> str:
        try:
            data = await backend.read_range(path, offset, 4 * 1024 * 1024)
        except FileNotFoundError:
            return ""
        return data.decode(errors="replace")

    @staticmethod
    async def _leader_alive(backend: Backend, leader: int) -> bool:
        """Is the session leader of the start still there?  Asked with signal 0, not by name:
        while the launch line execs sh → setsid → env → sh, the process's name and even its
        /proc cmdline change (and can be empty for a moment)."""
        return await backend.signal(leader, 0)

    def _failed(self, node: Node, output: str) -> NodeStatus:
        status = ""
        if EXIT_MARKER in output:
            status = output.split(EXIT_MARKER)[-1].split()[0] if output.split(EXIT_MARKER)[-1].split() else "?"
        reasons = explain_failure(output)
        tail = [line for line in output.strip().splitlines() if EXIT_MARKER not in line][-5:]
        detail = "; ".join(reasons) if reasons else (" | ".join(tail) if tail else "no output")
        message = f"node '{node.name}' failed to start" + (f" (exit status {status})" if status else "") + f": {detail}"
        self._transient[node.name] = (NodeState.FAILED, message)
        return NodeStatus(node.name, NodeState.FAILED, message=message)

    # ----------------------------------------------------------------- stop
    async def stop(self, node: Node, *, timeout: float = 30.0, progress: Progress = _noop) -> NodeStatus:
        async with self._lock(node):
            return await self._stop(node, timeout=timeout, progress=progress)

    async def _stop(self, node: Node, *, timeout: float, progress: Progress) -> NodeStatus:
        backend = self.backend(node)
        jvm = await self.find(node)
        self._transient.pop(node.name, None)
        if jvm is None:
            progress(node.name, "not running; nothing to do")
            return await self.status(node)
        self._transient[node.name] = (NodeState.STOPPING, f"SIGTERM sent to pid {jvm.pid}")
        try:
            progress(node.name, f"stopping: SIGTERM to JVM pid {jvm.pid}")
            await backend.signal(jvm.pid, signal.SIGTERM, start_ticks=jvm.start_ticks)
            address = self.cluster.advertised_address(node)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if not await self._alive(node, jvm) and not await backend.port_open(address, node.port, timeout=0.3):
                    progress(node.name, "stopped")
                    break
                await asyncio.sleep(0.25)
            else:
                progress(
                    node.name,
                    f"WARNING: pid {jvm.pid} did not exit within {timeout:g}s; sending SIGKILL "
                    "(the store will recover abnormally on next start)",
                )
                await backend.signal(jvm.pid, signal.SIGKILL, start_ticks=jvm.start_ticks)
                for _ in range(40):
                    if not await self._alive(node, jvm):
                        break
                    await asyncio.sleep(0.25)
            await self._wait_launcher_gone(node)
        finally:
            self._transient.pop(node.name, None)
        return await self.status(node)

    async def _wait_launcher_gone(self, node: Node, timeout: float = 3.0) -> None:
        """The launch wrapper appends the JVM's exit status to stdout.log just after the JVM is
        gone; wait for it, so a start right after this stop never reads the old exit line as its
        own failure."""
        self._leaders.pop(node.name, None)
        leader = await self._leader(node)
        deadline = time.monotonic() + timeout
        while leader and time.monotonic() < deadline and await self.backend(node).signal(leader, 0):
            await asyncio.sleep(0.05)

    async def _alive(self, node: Node, jvm: ProcessInfo) -> bool:
        return any(p.pid == jvm.pid and p.start_ticks == jvm.start_ticks for p in await self._jvms(node.host))

    # ----------------------------------------------------------------- all
    def start_levels(self) -> list[list[Node]]:
        """Start order: namesrvs, then masters, then slaves (each level waits for the previous)."""
        levels = [
            list(self.cluster.namesrvs),
            [b for b in self.cluster.brokers if b.broker_id == 0],
            [b for b in self.cluster.brokers if b.broker_id > 0],
        ]
        return [level for level in levels if level]
