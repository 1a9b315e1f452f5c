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
import math
import signal
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

from rocketui.backends.base import (
    EXIT_MARKER,
    Backend,
    BackendError,
    Command,
    HostPool,
    HostSnapshot,
    HostUnreachable,
    ProcessInfo,
)
from rocketui.model.cluster import BackendKind, Cluster, Node, NodeKind
from rocketui.rocketmq.dist_version import Distribution
from rocketui.rocketmq.layout import PROXY_CONFIG, boot_lines, explain_failure, launch_argv
from rocketui.rocketmq.versions import CONTROLLER_MODULE_OPTIONS, parse_version, traits
from rocketui.services.broker_config_check import check_broker_config
from rocketui.services.controller_probe import ControllerProbe
from rocketui.services.crash import TAIL_BYTES, CrashCache, CrashInfo, analyse
from rocketui.services.distribution import Distributions
from rocketui.services.host_listings import HostListings, Listing, Pending
from rocketui.services.java_probe import JavaProbe
from rocketui.services.node_files import NodeFileError, generated_config, proxy_json
from rocketui.services.node_match import find_jvm, node_config_path
from rocketui.services.node_status import LATE, NodeState, NodeStatus
from rocketui.services.proxy_probe import ProxyProbe
from rocketui.services.registration import RegistrationProbe
from rocketui.services.run_record import FILE_NAME as RECORD_FILE
from rocketui.services.run_record import RunRecord
from rocketui.services.stragglers import PATIENT, QUICK, Grace, wait_most

RECORD_CACHE_SECONDS = 10.0
# A node's own reads in a poll (run record, version, crash output) on a host that answered its
# listing are quick; a host that froze right after answering must not hold the poll until its
# keepalive gives up (~40 s): the node is shown unknown for that poll instead.
NODE_READS_WAIT = 3.0
# A JVM this young without an open port is taken to be starting (5.x brokers open it in ~5-20 s
# on a busy host); an older one with a closed port is shutting down or hung.
STARTING_GRACE = 180.0

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
        self.distributions = Distributions(cluster, pool)
        self.java = JavaProbe()
        self.controllers = ControllerProbe(cluster, pool)
        self.proxies = ProxyProbe(cluster, pool)
        self._transient: dict[str, tuple[NodeState, str]] = {}
        self._expanded: dict[str, str] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._records: dict[str, tuple[float, RunRecord | None]] = {}
        self._seen_running: set[str] = set()  # adopted nodes seen up in this session (no record)
        self._ports: tuple[Cluster | None, dict[str, frozenset[int]]] = (None, {})
        self._crashes = CrashCache()
        # the last full poll's rows, shown for a late host, and when each node last answered
        # (so a node whose reads keep hanging is kept no longer than a silent host); both belong
        # to the cluster they were polled for and are dropped when the cluster file is reloaded
        self._last: dict[str, NodeStatus] = {}
        self._answered: dict[str, float] = {}
        self._polled: Cluster | None = None
        self.listings = HostListings(
            self._snapshot, hopeless=lambda host: self.pool.connection_state(host).startswith("unreachable")
        )

    async def close(self) -> None:
        """Close namesrv connections and every host backend."""
        self.listings.close()
        await self.registration.close()
        await self.controllers.close()
        await self.proxies.close()
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
    def start_command(
        self,
        node: Node,
        *,
        home: str,
        config: str,
        user_home: str,
        run_dir: str,
        module_options: tuple[str, ...] = (),
        java_home: str | None = None,
    ) -> Command:
        """The exact command that starts `node` (paths already expanded on its host).
        `module_options` / `java_home`: what a distribution whose launchers are not rocketui's
        needs handed over (see `launch_needs`)."""
        host = self.cluster.host(node.host)
        env = {
            "ROCKETMQ_HOME": home,
            "JAVA_OPT_EXT": " ".join(
                filter(None, [*module_options, node.jvm.java_opt_ext(), f"-Duser.home={user_home}"])
            ),
        }
        java_home = self.cluster.java_home(host) or java_home
        if java_home:
            env["JAVA_HOME"] = java_home
        argv = launch_argv(node, home, config, self.cluster.namesrv_addr(), f"{run_dir}/{PROXY_CONFIG}")
        return Command.of(argv, env, run_dir)

    async def planned_start(self, node: Node) -> Command:
        host = self.cluster.host(node.host)
        home = await self._expand(node, self.cluster.rocketmq_home(host))
        user_home = await self._expand(node, self.cluster.user_home(node))
        module_options, java_home = await self.launch_needs(node)
        return self.start_command(
            node,
            home=home,
            config=await self.config_path(node),
            user_home=user_home,
            run_dir=await self.run_dir(node),
            module_options=module_options,
            java_home=java_home,
        )

    async def launch_needs(self, node: Node) -> tuple[tuple[str, ...], str | None]:
        """What the node's distribution needs from the start command beyond the cluster file.

        rocketui's own launchers find Java on PATH and add the JDK 9+ module options their release
        needs.  An official (or edited) distribution's launchers do neither for a 4.x release:
        its runserver.sh/runbroker.sh only use a preset JAVA_HOME, and a 4.x (5.0/5.1) broker on
        JDK 9+ cannot unmap its files without --add-opens/--add-exports (each stop leaves `abort`).
        So those get JAVA_HOME (when the cluster file sets none) and the options via JAVA_OPT_EXT,
        the options only when the host's Java is 9 or newer (Java 8 refuses them)."""
        host = self.cluster.host(node.host)
        try:
            dist = await self.distributions.at(node.host, self.cluster.rocketmq_home(host))
        except (BackendError, OSError):
            return (), None
        line = parse_version(dist.version)
        if dist.own_scripts or line is None:
            return (), None
        needs = traits(line)
        options = needs.module_options(node.kind)
        if node.has_controller:  # the official 5.x launchers lack it (rocketui's own add it)
            options = (*options, *CONTROLLER_MODULE_OPTIONS)
        if not options and not needs.official_scripts_need_java_home:
            return (), None
        java = await self.java.java(self.backend(node), self.cluster.java_home(host))
        java_home = java.home if needs.official_scripts_need_java_home and not self.cluster.java_home(host) else None
        return (options if java.major is not None and java.major >= 9 else ()), java_home

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

    async def _snapshot(self, host_name: str) -> HostSnapshot:
        # only the sockets a status asks about (`_status` checks each node's own port)
        return await self.pool.get(host_name).snapshot("java", self._ports_on(host_name))

    def _ports_on(self, host_name: str) -> frozenset[int]:
        """The ports of the nodes on a host, worked out once per cluster (every poll asks)."""
        if self._ports[0] is not self.cluster:
            by_host: dict[str, set[int]] = {}
            for n in self.cluster.nodes:
                by_host.setdefault(n.host, set()).add(n.port)
            self._ports = (self.cluster, {h: frozenset(p) for h, p in by_host.items()})
        return self._ports[1].get(host_name, frozenset())

    async def find(self, node: Node, processes: list[ProcessInfo] | None = None) -> ProcessInfo | None:
        if processes is None:
            processes = await self._jvms(node.host)
        config = await self.config_path(node)
        # by its -c file first: the run record (for the launch's process group) is read only when
        # that does not find it, so a poll of many running nodes reads no files
        return find_jvm(node, config, processes) or find_jvm(node, config, processes, leader=await self._leader(node))

    async def _leader(self, node: Node) -> int | None:
        record = await self.record(node)
        return record.leader if record else None

    async def record(self, node: Node, *, fresh: bool = False) -> RunRecord | None:
        """The node's run record (its last start, a stop asked for, a crash acknowledged); cached
        for a few seconds so a poll does not read one file per node per second."""
        cached = self._records.get(node.name)
        if cached and not fresh and time.monotonic() - cached[0] < RECORD_CACHE_SECONDS:
            return cached[1]
        try:
            record = RunRecord.parse(await self.backend(node).read_file(f"{await self.run_dir(node)}/{RECORD_FILE}"))
        except (FileNotFoundError, BackendError, OSError):
            record = None
        self._records[node.name] = (time.monotonic(), record)
        return record

    async def _write_record(self, node: Node, record: RunRecord) -> None:
        await self.backend(node).write_file(f"{await self.run_dir(node)}/{RECORD_FILE}", record.to_bytes())
        self._records[node.name] = (time.monotonic(), record)

    async def acknowledge(self, node: Node) -> bool:
        """The operator has seen the node's crash: show it stopped from now on (until its next
        start crashes).  False when there was no crash of a start by rocketui to acknowledge."""
        self._seen_running.discard(node.name)
        record = await self.record(node, fresh=True)
        if record is None or record.crash_acknowledged:
            return False
        await self._write_record(node, record.with_acknowledged(time.time()))
        return True

    async def status_all(self) -> dict[str, NodeStatus]:
        """Status of every node: one process listing per host, one cluster query per namesrv.
        A host that does not answer within `listings.wait` is reported as such (its listing goes
        on in the background), and its namesrvs are not asked: the other hosts' rows stay live."""
        # after a first poll a late host's rows stay as they were (marked LATE) until the next
        # one, so the last hosts and nodes need only a short grace: a host that has just died
        # costs this poll a moment (bench/fleet.py); a one-shot poll waits patiently instead
        if self._polled is not self.cluster:
            self._last, self._answered, self._polled = {}, {}, self.cluster
        grace = QUICK if self._last else PATIENT
        by_host = await self.listings.poll(sorted({n.host for n in self.cluster.nodes}), grace)
        silent = {h for h, listing in by_host.items() if isinstance(listing, (Pending, HostUnreachable))}
        registered, controllers = await asyncio.gather(
            self.registration.registered_addresses(skip_hosts=silent), self.controllers.view(skip_hosts=silent)
        )
        results = await self._node_reads(by_host, registered, grace)
        # what the namesrvs and controllers say against the cluster file: "master down", wrong id, …
        from rocketui.services.roles_now import roles_now  # lazy: not needed for the first frame
        from rocketui.services.topology_check import annotate

        statuses = annotate(self.cluster, {s.node: s for s in results}, self.registration.views)
        self._last = await roles_now(self.cluster, statuses, controllers, self.proxies)
        return self._last

    async def status(self, node: Node) -> NodeStatus:
        try:
            snap: HostSnapshot | BaseException = await self._snapshot(node.host)
        except BackendError as exc:
            snap = exc
        registered = await self.registration.registered_addresses() if node.kind is NodeKind.BROKER else None
        return await self._status(node, snap, registered)

    async def _node_reads(
        self, by_host: dict[str, Listing], registered: dict[str, set[str]] | None, grace: Grace
    ) -> list[NodeStatus]:
        """Each node's own reads (see NODE_READS_WAIT); once nine in ten nodes have answered, the
        rest get only a grace (stragglers.wait_most): on a fleet a host that froze right after its
        listing costs the poll a moment, not 3 s (bench/fleet.py).  A node whose host is late
        (connected, silent for less than `listings.wait`) or whose reads were not answered in
        time keeps its last row, marked LATE; with no last row it is shown unknown."""
        results: dict[str, NodeStatus] = {}
        tasks: dict[str, asyncio.Future[NodeStatus]] = {}
        for node in self.cluster.nodes:
            listing = by_host[node.host]
            late = (
                self._late(node, listing.age)
                if isinstance(listing, Pending) and self._still_waiting(node.host, listing.age)
                else None
            )
            if late is not None:
                results[node.name] = late
            else:
                tasks[node.name] = asyncio.ensure_future(self._status(node, listing, registered))
        given = await wait_most(list(tasks.values()), NODE_READS_WAIT, grace)
        for node in self.cluster.nodes:
            task = tasks.get(node.name)
            if task is None:
                continue
            if task.done():
                results[node.name] = task.result()
                self._answered[node.name] = time.monotonic()
                continue
            task.cancel()
            error = BackendError(f"{node.host}: no answer within {given:.1f}s")
            silent = time.monotonic() - self._answered.get(node.name, -math.inf)
            kept = self._late(node, silent) if self._still_waiting(node.host, silent) else None
            results[node.name] = kept or NodeStatus(
                node.name,
                NodeState.UNKNOWN,
                message=str(error),
                host_state=self._host_down(self.pool.connection_state(node.host), error),
            )
        return [results[n.name] for n in self.cluster.nodes]

    def _still_waiting(self, host: str, silent: float) -> bool:
        """Still waiting for a connected host (or a node's reads), not yet long enough to call it
        unreachable."""
        return silent < self.listings.wait and self.pool.connection_state(host) == "connected"

    def _late(self, node: Node, silent: float) -> NodeStatus | None:
        """The node's last row, its host marked LATE with how long it has been silent (None
        before a first poll)."""
        last = self._last.get(node.name)
        return replace(last, host_state=f"{LATE} ({silent:.1f}s)") if last is not None else None

    async def _status(
        self, node: Node, snap: HostSnapshot | BaseException, registered: dict[str, set[str]] | None
    ) -> NodeStatus:
        host_state = self.pool.connection_state(node.host)
        transient = self._transient.get(node.name)
        if isinstance(snap, BaseException):
            return NodeStatus(
                node.name, NodeState.UNKNOWN, message=str(snap), host_state=self._host_down(host_state, snap)
            )
        try:
            jvm = await self.find(node, snap.processes)
        except BackendError as exc:
            return NodeStatus(node.name, NodeState.UNKNOWN, message=str(exc), host_state=f"unreachable: {exc}")
        address = self.cluster.advertised_address(node)
        port_open = False
        if jvm:  # from the host's listening sockets; a connection only where they are unknown
            listens = snap.listens(address, node.port)
            port_open = (
                listens if listens is not None else await self.backend(node).port_open(address, node.port, timeout=0.5)
            )
        reg: tuple[str, ...] | None = None
        if node.kind is NodeKind.BROKER and registered is not None and jvm:
            me = f"{address}:{node.port}"
            reg = tuple(sorted(ns for ns, addrs in registered.items() if me in addrs))
        version = await self._version(node, jvm)
        crash: CrashInfo | None = None
        if transient and (transient[0] in (NodeState.STARTING, NodeState.STOPPING) or jvm is None):
            state, message = transient  # this process is starting/stopping it, or its start failed
        elif jvm is None:
            state, message, crash = await self._gone(node)
        else:
            state, message = await self._up(node, jvm, port_open)
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
            crash=crash,
            version=version,
        )

    async def distribution(self, node: Node) -> Distribution:
        """The distribution the node runs (its JVM's) or would start from."""
        try:
            jvm = await self.find(node)
        except BackendError:
            jvm = None
        return await self.distributions.of_node(node, jvm)

    async def release(self, node: Node) -> str | None:
        """The RocketMQ release the node runs or would start, None when its host cannot tell."""
        try:
            return (await self.distribution(node)).version
        except (BackendError, OSError):
            return None

    async def versions(self) -> dict[str, str | None]:
        """node name -> the RocketMQ release its distribution holds (one process listing per host)."""
        listings: dict[str, list[ProcessInfo] | None] = {}
        out: dict[str, str | None] = {}
        for node in self.cluster.nodes:
            if node.host not in listings:
                try:
                    listings[node.host] = await self._jvms(node.host)
                except BackendError:
                    listings[node.host] = None
            procs = listings[node.host]
            try:
                jvm = await self.find(node, procs) if procs is not None else None
            except BackendError:
                jvm = None
            out[node.name] = await self._version(node, jvm) if procs is not None else None
        return out

    async def _version(self, node: Node, jvm: ProcessInfo | None) -> str | None:
        try:
            return (await self.distributions.of_node(node, jvm)).version
        except (BackendError, OSError):
            return None

    async def _gone(self, node: Node) -> tuple[NodeState, str, CrashInfo | None]:
        """No JVM: stopped, or crashed (started and gone with nobody asking it to stop)."""
        record = await self.record(node)
        if record is not None and _unexplained(record) and not self._crashes.known(node.name, record):
            record = await self.record(node, fresh=True)  # another rocketui may have stopped it
        if record is not None and _unexplained(record):
            assert record.leader is not None
            if await self.backend(node).signal(record.leader, 0):
                return NodeState.STARTING, "starting (its launch is still running)", None
            crash = await self._crash_info(node, record)
            return NodeState.CRASHED, crash.summary(), crash
        if node.name in self._seen_running and record is None:  # adopted (no record): seen up, now gone
            crash = CrashInfo(None, time.time(), ("it was not started by rocketui, so its exit status is unknown",))
            return NodeState.CRASHED, crash.summary(), crash
        return NodeState.STOPPED, "", None

    async def _crash_info(self, node: Node, record: RunRecord) -> CrashInfo:
        backend = self.backend(node)
        run_dir = await self.run_dir(node)
        out = f"{run_dir}/stdout.log"
        st = await backend.stat(out)
        cached = self._crashes.get(node.name, record, st)
        if cached is not None:
            return cached
        output = ""
        if st is not None:
            start = max(0, st.size - TAIL_BYTES)
            output = (await backend.read_range(out, start, st.size - start)).decode("utf-8", "replace")
        hs_err = [n for n in await backend.listdir(run_dir) if n.startswith("hs_err_pid") and n.endswith(".log")]
        info = analyse(
            output,
            mtime=st.mtime_ns / 1e9 if st else None,
            hs_err=f"{run_dir}/{sorted(hs_err)[-1]}" if hs_err else None,
        )
        self._crashes.put(node.name, record, st, info)
        return info

    async def _up(self, node: Node, jvm: ProcessInfo, port_open: bool) -> tuple[NodeState, str]:
        """A JVM is there: running when its port answers; else starting or shutting down."""
        if port_open:
            self._seen_running.add(node.name)
            return NodeState.RUNNING, ""
        record = await self.record(node)
        if record is None or not record.stopping:
            record = await self.record(node, fresh=True)  # a stop asked for by another rocketui
        if record is not None and record.stopping and (record.stop_requested or 0) >= jvm.started_at - 1:
            return NodeState.STOPPING, "shutting down (a stop was asked for)"
        if time.time() - jvm.started_at < STARTING_GRACE:
            return NodeState.STARTING, ""
        return NodeState.STOPPING, "its port is closed but the JVM is still there: shutting down, or hung"

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
        try:
            if node.kind is not NodeKind.BROKER:
                await backend.write_file(config, generated_config(self.cluster, node))
            if node.serves_proxy and node.kind is NodeKind.BROKER:
                await backend.write_file(f"{run_dir}/{PROXY_CONFIG}", proxy_json(self.cluster, node))
        except NodeFileError as exc:
            raise NodeError(str(exc)) from None
        address = self.cluster.advertised_address(node)
        for port, what in node.named_ports():
            if await backend.port_open(address, port, timeout=0.5):
                raise NodeError(
                    f"node '{node.name}': {what} {address}:{port} on host '{node.host}' is already in use "
                    "by another process; stop it or change the port"
                )
        out_path = f"{run_dir}/stdout.log"
        out_stat = await backend.stat(out_path)
        offset = out_stat.size if out_stat else 0
        self._transient[node.name] = (NodeState.STARTING, "starting")
        try:
            progress(node.name, f"starting: {command.shell()}")
            started = time.time()
            leader = await backend.start_detached(command, output=out_path)
            await self._write_record(node, RunRecord(leader, started))
            if not wait:
                return await self.status(node)
            return await self._wait_ready(node, leader, out_path, offset, timeout, progress)
        except Exception as exc:
            self._transient[node.name] = (NodeState.FAILED, f"start failed: {exc}")
            raise
        finally:
            if self._transient.get(node.name, (None,))[0] is NodeState.STARTING:
                del self._transient[node.name]

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
            boot_seen = boot_seen or all(line.search(out) for line in boot_lines(node))
            if jvm and "jvm" not in announced:
                announced.add("jvm")
                progress(node.name, f"JVM running (pid {jvm.pid}), waiting for port {node.port}")
            gone = jvm is None and not await self._leader_alive(backend, leader)
            dead_polls = dead_polls + 1 if gone else 0
            if EXIT_MARKER in out or dead_polls >= 2:  # two looks apart: never judge a launch mid-exec
                return self._failed(node, out)
            port_open = bool(jvm) and await self._serving_ports_open(node)
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

    async def accepts(self, node: Node, port: int | None = None) -> bool:
        """Does the node's own port (or `port` of its address) accept connections (its JVM may
        still be booting)?"""
        address = self.cluster.advertised_address(node)
        return await self.backend(node).port_open(address, port or node.port, timeout=0.5)

    async def _serving_ports_open(self, node: Node) -> bool:
        """The node's own port and the ports it serves clients on (a proxy's remoting and gRPC
        ports, an embedded controller's port) all accept connections."""
        wanted = [p for p in (node.port, node.controller_port, node.proxy_remoting_port, node.grpc_port) if p]
        for port in dict.fromkeys(wanted):
            if not await self.accepts(node, port):
                return False
        return True

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
            record = await self.record(node, fresh=True)
            if record is not None and _unexplained(record):  # it crashed: stopping it settles that
                await self._write_record(node, record.with_stop_requested(time.time()))
            self._seen_running.discard(node.name)
            progress(node.name, "not running; nothing to do")
            return await self.status(node)
        self._transient[node.name] = (NodeState.STOPPING, f"SIGTERM sent to pid {jvm.pid}")
        try:
            # said before the signal, so every rocketui (another terminal, the next session) shows
            # the node stopping and then stopped, never crashed
            record = await self.record(node, fresh=True) or RunRecord(None, jvm.started_at)
            await self._write_record(node, record.with_stop_requested(time.time()))
            self._seen_running.discard(node.name)
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
        leader = await self._leader(node)
        deadline = time.monotonic() + timeout
        while leader and time.monotonic() < deadline and await self.backend(node).signal(leader, 0):
            await asyncio.sleep(0.05)

    async def _alive(self, node: Node, jvm: ProcessInfo) -> bool:
        return any(p.pid == jvm.pid and p.start_ticks == jvm.start_ticks for p in await self._jvms(node.host))

    # ----------------------------------------------------------------- all
    def start_levels(self) -> list[list[Node]]:
        """Start order (each level waits for the previous): namesrvs and controllers, then masters,
        then slaves (in controller mode the first broker of a name to register is elected, so the
        intended master starts first), then Cluster-mode proxies, which need brokers to route to."""
        levels = [
            [n for n in self.cluster.nodes if n.kind in (NodeKind.NAMESRV, NodeKind.CONTROLLER)],
            [b for b in self.cluster.brokers if b.broker_id == 0],
            [b for b in self.cluster.brokers if b.broker_id > 0],
            [n for n in self.cluster.nodes if n.kind is NodeKind.PROXY],
        ]
        return [level for level in levels if level]


def _unexplained(record: RunRecord | None) -> bool:
    """A start by rocketui that nobody asked to stop and whose crash nobody acknowledged."""
    return record is not None and bool(record.leader) and not record.stopping and not record.crash_acknowledged
