"""One persistent asyncssh connection per host: opened lazily, kept alive, reopened with backoff.

Operations borrow the live connection (`connection()`), open channels on it (at most
`max_channels` exec sessions at once: sshd's MaxSessions defaults to 10, and the SFTP session,
the resident shell and a timed-out command's kill take one each), and report a lost connection
with `lost()`, so the next caller reconnects.  After a failed attempt, callers inside the backoff
window get the same error at once instead of each waiting for a connect timeout.  Every asyncssh
error leaves here as HostUnreachable with the host's name and a one-line reason.
"""

from __future__ import annotations

import asyncio
import errno
import inspect
import logging
import os
import time
from collections.abc import Awaitable, Callable

import asyncssh

from rocketui.backends.base import BackendError, BackendStats, HostKeyTrusted, HostUnreachable
from rocketui.backends.ssh_hostkeys import HostKeyPolicy
from rocketui.backends.ssh_shell import RemoteShell, ShellBroken
from rocketui.model.cluster import Host

Tunnel = Callable[[], Awaitable[asyncssh.SSHClientConnection]]
TrustListener = Callable[[HostKeyTrusted], Awaitable[None] | None]
log = logging.getLogger(__name__)


class SSHTimeout(BackendError):
    """An operation on a reachable host did not finish in time."""


# Errors that mean "this connection is gone" (as opposed to "this operation failed").
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    asyncssh.DisconnectError,
    asyncssh.ConnectionLost,
    asyncssh.sftp.SFTPNoConnection,
    asyncssh.sftp.SFTPConnectionLost,
    ConnectionError,
    BrokenPipeError,
    EOFError,
)


def reason(exc: BaseException) -> str:
    """One line for the operator: errno text or asyncssh's reason, never a traceback."""
    if isinstance(exc, asyncssh.Error):
        return exc.reason or type(exc).__name__
    if isinstance(exc, OSError):
        if exc.errno and exc.errno > 0:
            return os.strerror(exc.errno).lower()
        return exc.strerror or str(exc) or type(exc).__name__
    return str(exc) or type(exc).__name__


class HostConnection:
    def __init__(
        self,
        host: Host,
        stats: BackendStats,
        *,
        tunnel: Tunnel | None = None,
        keepalive_interval: float = 10.0,
        keepalive_count_max: int = 3,
        max_channels: int = 7,
        backoff: tuple[float, float] = (0.5, 15.0),
        on_trusted: list[TrustListener] | None = None,
    ) -> None:
        self.host = host
        self.stats = stats
        # host keys accepted on first use on this connection's host, and who is told (use cases)
        self.trusted: list[HostKeyTrusted] = []
        self.on_trusted: list[TrustListener] = on_trusted if on_trusted is not None else []
        self._tunnel = tunnel
        self._keepalive = (keepalive_interval, keepalive_count_max)
        self._conn: asyncssh.SSHClientConnection | None = None
        self._sftp: asyncssh.SFTPClient | None = None
        self._sftp_conn: asyncssh.SSHClientConnection | None = None
        self._lock = asyncio.Lock()
        self._sftp_lock = asyncio.Lock()
        self._shell: RemoteShell | None = None
        self._shell_lock = asyncio.Lock()
        self.channels = asyncio.Semaphore(max_channels)
        self._closing: set[asyncio.Task[None]] = set()  # channels whose slot returns once closed
        self._backoff = backoff
        self._delay = 0.0
        self._retry_at = 0.0
        self._failure: str | None = None
        self._connecting = False
        self._ever_connected = False

    @property
    def label(self) -> str:
        return f"{self.host.name} ({self.host.address}:{self.host.port})"

    def state(self) -> str:
        """connected | connecting | unreachable: <why the last connect failed> | disconnected |
        not connected.  A host that failed stays "unreachable" while it is retried."""
        if self._conn is not None and not self._conn.is_closed():
            return "connected"
        if self._failure:
            return f"unreachable: {self._failure}"
        if self._connecting:
            return "connecting"
        return "disconnected" if self._ever_connected else "not connected"

    async def connection(self) -> asyncssh.SSHClientConnection:
        conn = self._conn
        if conn is not None and not conn.is_closed():
            return conn
        async with self._lock:
            conn = self._conn
            if conn is not None and not conn.is_closed():
                return conn
            self._conn = None
            if self._failure and time.monotonic() < self._retry_at:
                raise HostUnreachable(f"{self.label}: {self._failure}")
            self._connecting = True
            try:
                conn = await self._open()
            except HostUnreachable as exc:
                self._failure = str(exc).removeprefix(f"{self.label}: ")
                self._delay = min(max(self._delay * 2, self._backoff[0]), self._backoff[1])
                self._retry_at = time.monotonic() + self._delay
                raise
            finally:
                self._connecting = False
            self._failure = None
            self._delay = 0.0
            self._conn = conn
            self._ever_connected = True
            self.stats.connections += 1
            return conn

    def _options(self, policy: HostKeyPolicy) -> dict[str, object]:
        """asyncssh.connect options from the cluster file; HostUnreachable names what is wrong."""
        host = self.host
        options: dict[str, object] = {
            "port": host.port,
            "known_hosts": policy.known,
            "client_factory": policy.client,
            "config": None,  # the cluster file, not ~/.ssh/config, says how to reach a host
            "connect_timeout": host.connect_timeout,
            "keepalive_interval": self._keepalive[0],
            "keepalive_count_max": self._keepalive[1],
        }
        if host.user:
            options["username"] = host.user
        if host.identity_file:
            options["client_keys"] = [self._identity_file(os.path.expanduser(host.identity_file))]
        if host.password_env:
            password = os.environ.get(host.password_env)
            if password is None:
                raise HostUnreachable(
                    f"{self.label}: password_env {host.password_env} is not set in rocketui's environment"
                )
            options["password"] = password
        return options

    def _identity_file(self, path: str) -> str:
        """`path` when it is a readable file, else HostUnreachable saying what it is."""
        if not os.path.exists(path):
            raise HostUnreachable(f"{self.label}: identity_file {path} does not exist")
        if os.path.isdir(path):
            raise HostUnreachable(f"{self.label}: identity_file {path} is a directory, not a private key file")
        try:
            with open(path, "rb"):
                pass
        except OSError as exc:
            raise HostUnreachable(
                f"{self.label}: identity_file {path} cannot be read by user {_local_user()}: {reason(exc)}"
            ) from None
        return path

    async def _open(self) -> asyncssh.SSHClientConnection:
        host = self.host
        try:
            policy = HostKeyPolicy(host)
        except ValueError as exc:
            raise HostUnreachable(f"{self.label}: {exc}") from None
        options = self._options(policy)
        if self._tunnel is not None:
            try:
                options["tunnel"] = await self._tunnel()
            except BackendError as exc:
                raise HostUnreachable(f"{self.label}: via jump host {host.jump_host}: {exc}") from None
        try:
            # connect_timeout covers TCP, key exchange and auth; the outer bound also covers
            # a tunnel that stops answering.
            async with asyncio.timeout(host.connect_timeout + 0.5):
                conn = await asyncssh.connect(host.address, **options)
        except asyncssh.HostKeyNotVerifiable:
            raise HostUnreachable(f"{self.label}: {policy.refusal()}") from None
        except asyncssh.PermissionDenied as exc:
            raise HostUnreachable(
                f"{self.label}: authentication failed for user "
                f"{host.user or _local_user()}: {reason(exc)} (tried {self._auth_methods()})"
            ) from None
        except asyncssh.KeyImportError as exc:
            raise HostUnreachable(
                f"{self.label}: cannot load identity_file {os.path.expanduser(host.identity_file or '')}: "
                f"{reason(exc)} (an encrypted key must be loaded into ssh-agent)"
            ) from None
        except TimeoutError:
            raise HostUnreachable(f"{self.label}: no SSH answer within {host.connect_timeout:g}s") from None
        except (OSError, asyncssh.Error) as exc:
            changed = await self._changed_key_type(options)
            if changed:
                raise HostUnreachable(f"{self.label}: {changed}") from None
            what = "cannot connect" if isinstance(exc, OSError) else "SSH connection failed"
            raise HostUnreachable(f"{self.label}: {what}: {reason(exc)}") from None
        await self._remember(policy, conn)
        return conn

    async def _remember(self, policy: HostKeyPolicy, conn: asyncssh.SSHClientConnection) -> None:
        """Record a key accepted on first use, and tell the listeners (shown, journaled)."""
        try:
            trusted = policy.remember()
        except OSError as exc:
            conn.close()
            raise HostUnreachable(
                f"{self.label}: cannot record the trusted key in {policy.path}: {reason(exc)}"
            ) from None
        if trusted is None:
            return
        self.trusted.append(trusted)
        for listener in list(self.on_trusted):
            try:
                result = listener(trusted)
                if inspect.isawaitable(result):
                    await result
            except Exception:  # a listener's failure (the journal's) is its own to report
                log.exception("host key listener failed")

    async def _changed_key_type(self, options: dict[str, object]) -> str | None:
        """When known_hosts lists keys for this host, asyncssh offers the server only those key
        types; a server whose key type changed then drops the handshake with no word about
        keys.  Ask once more for any type, only to name the key it offers (never trusted)."""
        probe = HostKeyPolicy(self.host)
        if not probe.known_keys(self.host.address, self.host.address, self.host.port):
            return None
        try:
            async with asyncio.timeout(self.host.connect_timeout + 0.5):
                conn = await asyncssh.connect(
                    self.host.address,
                    **{
                        **options,
                        "known_hosts": probe.known,
                        "client_factory": probe.client,
                        "server_host_key_algs": "default",
                    },
                )
        except asyncssh.HostKeyNotVerifiable:
            return probe.refusal() if probe.offered is not None else None
        except (OSError, asyncssh.Error, TimeoutError):
            return None
        conn.close()  # it did accept a listed key after all: the first failure was something else
        return None

    def _auth_methods(self) -> str:
        tried = [f"identity_file {self.host.identity_file}" if self.host.identity_file else "default keys ~/.ssh/id_*"]
        if os.environ.get("SSH_AUTH_SOCK"):
            tried.append("ssh-agent")
        if self.host.password_env:
            tried.append(f"password from ${self.host.password_env}")
        return ", ".join(tried)

    async def sftp(self, conn: asyncssh.SSHClientConnection) -> asyncssh.SFTPClient:
        """The SFTP session on `conn` (one per connection, shared by all file operations)."""
        if self._sftp is not None and self._sftp_conn is conn:
            return self._sftp
        async with self._sftp_lock:
            if self._sftp is None or self._sftp_conn is not conn:
                self._sftp = await conn.start_sftp_client()
                self._sftp_conn = conn
            return self._sftp

    async def shell(self, conn: asyncssh.SSHClientConnection) -> RemoteShell | None:
        """The resident shell on `conn` (started on first use); None while it is busy or cannot
        be had, so the caller takes an exec channel instead of queueing."""
        shell = self._shell
        if shell is None or shell.conn is not conn or shell.broken:
            async with self._shell_lock:
                shell = self._shell
                if shell is None or shell.conn is not conn or shell.broken:
                    if shell is not None:
                        shell.close()
                    self._shell = None
                    try:
                        shell = self._shell = await RemoteShell.start(conn)
                    except (asyncssh.ChannelOpenError, ShellBroken):
                        if conn.is_closed():
                            raise
                        return None
        return None if shell.lock.locked() else shell

    def release_when_closed(self, channel: asyncssh.SSHClientProcess[bytes], wait: float) -> None:
        """Give `channel`'s slot back once sshd has closed its end too (at most `wait` seconds):
        a slot freed at our close alone lets a burst of short commands find every one of sshd's
        MaxSessions still taken.  The caller has its answer already and does not wait."""

        async def release() -> None:
            try:
                async with asyncio.timeout(wait):
                    await channel.wait_closed()
            except (TimeoutError, OSError, asyncssh.Error):
                pass
            finally:
                self.channels.release()

        task = asyncio.get_running_loop().create_task(release())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    def lost(self, conn: asyncssh.SSHClientConnection) -> None:
        """`conn` failed at the connection level: forget it so the next caller reconnects."""
        if self._conn is conn:
            self._conn = None
            self._sftp = None
            self._sftp_conn = None
        if self._shell is not None and self._shell.conn is conn:
            self._shell.close()
            self._shell = None
        conn.close()

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        self._sftp = None
        self._sftp_conn = None
        if self._shell is not None:
            self._shell.close()
            self._shell = None
        if conn is not None:
            conn.close()
            try:
                async with asyncio.timeout(2):
                    await conn.wait_closed()
            except (TimeoutError, OSError, asyncssh.Error):
                pass
        if self._closing:  # their channels closed with the connection
            await asyncio.gather(*self._closing, return_exceptions=True)


def _local_user() -> str:
    try:
        import getpass

        return getpass.getuser()
    except (KeyError, OSError):
        return "?"


def refused(host: str, port: int, exc: asyncssh.ChannelOpenError) -> ConnectionRefusedError:
    return ConnectionRefusedError(errno.ECONNREFUSED, f"{host}:{port}: {reason(exc)}")
