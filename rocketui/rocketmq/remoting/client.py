"""RemotingClient: one connection to a namesrv or broker, requests matched to responses by opaque.

The socket is opened through an injectable `connector` (default `asyncio.open_connection`) so
the SSH backend can tunnel: only `readexactly` on the reader and `write`/`drain`/`close`
(`wait_closed` if present) on the writer are used — the subset asyncssh's streams provide.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import Awaitable, Callable, Collection
from typing import Any, Protocol

from rocketui.rocketmq.remoting.codec import (
    MAX_FRAME_BYTES,
    CodecError,
    RemotingCommand,
    SerializeType,
    check_frame_length,
    decode_payload,
    encode_frame,
)
from rocketui.rocketmq.remoting.codec import ext_fields as wire_fields
from rocketui.rocketmq.remoting.codes import FLAG_ONEWAY, FLAG_RESPONSE, ResponseCode, code_name
from rocketui.rocketmq.remoting.errors import (
    ConnectFailed,
    ConnectionLost,
    ProtocolError,
    RemotingError,
    RemotingTimeout,
)
from rocketui.rocketmq.remoting.framing import FrameBuffer, FrameProtocol, open_direct
from rocketui.rocketmq.versions import version_of_ordinal


class Reader(Protocol):
    async def readexactly(self, n: int) -> bytes: ...


class Writer(Protocol):
    def write(self, data: bytes) -> None: ...
    async def drain(self) -> None: ...
    def close(self) -> None: ...


Connector = Callable[[str, int], Awaitable[tuple[Any, Any]]]

DEFAULT_TIMEOUT = 3.0
SUCCESS_ONLY: tuple[int, ...] = (ResponseCode.SUCCESS,)


def split_addr(addr: str) -> tuple[str, int]:
    """'host:port' or '[v6]:port' -> (host, port); a clear ValueError otherwise."""
    host, sep, port = addr.strip().rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"bad address {addr!r}: expected host:port")
    return host.strip("[]"), int(port)


async def _default_connector(host: str, port: int) -> tuple[Any, Any]:
    return await open_direct(host, port)


def _retrieve(fut: asyncio.Future[RemotingCommand]) -> None:
    # A request abandoned by its caller may still get an exception: mark it seen (no log noise).
    if not fut.cancelled():
        fut.exception()


class _Connection:
    """One open connection: a direct one hands its bytes to `_received` (framing.FrameProtocol),
    a tunnelled stream pair gets a reader task; dead for good once `closed` is set."""

    def __init__(self, addr: str, reader: Reader | FrameProtocol, writer: Writer, max_frame: int) -> None:
        self.addr = addr
        self.writer = writer
        self.max_frame = max_frame
        self.pending: dict[int, asyncio.Future[RemotingCommand]] = {}
        self.closed = False
        self.close_reason = ""
        self.write_lock = asyncio.Lock()
        self.task: asyncio.Task[None] | None = None
        if isinstance(reader, FrameProtocol):
            self._frames = FrameBuffer(max_frame)
            reader.attach(self._received, self._ended)
        else:
            self.reader = reader
            self.task = asyncio.get_running_loop().create_task(self._read_loop(), name=f"remoting-read {addr}")

    def _received(self, data: bytes) -> None:
        if self.closed:
            return
        try:
            for payload in self._frames.feed(data):
                self._dispatch(decode_payload(payload))
        except CodecError as exc:
            self.shutdown(ProtocolError, f"malformed frame from peer: {exc}")
        except Exception as exc:  # a callback of the event loop must never raise
            self.shutdown(ProtocolError, f"unexpected error reading from peer: {exc!r}")

    def _ended(self, exc: BaseException | None) -> None:
        if isinstance(exc, OSError):
            self.shutdown(ConnectionLost, f"connection broken: {exc.strerror or exc}")
            return
        cut = self._frames.cut_short()
        self.shutdown(ProtocolError if cut else ConnectionLost, cut or "connection closed by peer")

    async def send(self, frame: bytes) -> None:
        if self.closed:
            raise ConnectionLost(self.addr, self.close_reason)
        async with self.write_lock:
            try:
                self.writer.write(frame)
                await self.writer.drain()
            except Exception as exc:  # any transport failure: the stream is unusable
                self.shutdown(ConnectionLost, f"write failed: {exc or type(exc).__name__}")
                raise ConnectionLost(self.addr, self.close_reason) from exc

    async def _read_loop(self) -> None:
        kind: type[ConnectionLost] = ConnectionLost
        reason = "connection closed by peer"
        try:
            while True:
                try:
                    head = await self.reader.readexactly(4)
                except asyncio.IncompleteReadError as exc:
                    if exc.partial:
                        kind, reason = (
                            ProtocolError,
                            f"connection closed inside a frame length ({len(exc.partial)} of 4 bytes)",
                        )
                    return
                length = int.from_bytes(head, "big", signed=True)
                check_frame_length(length, self.max_frame)
                try:
                    payload = await self.reader.readexactly(length)
                except asyncio.IncompleteReadError as exc:
                    kind, reason = (
                        ProtocolError,
                        f"truncated frame: connection closed after {len(exc.partial)} of {length} bytes",
                    )
                    return
                self._dispatch(decode_payload(payload))
        except CodecError as exc:
            kind, reason = ProtocolError, f"malformed frame from peer: {exc}"
        except asyncio.CancelledError:
            reason = "connection closed by client"
        except OSError as exc:
            reason = f"connection broken: {exc.strerror or exc}"
        except Exception as exc:  # the reader task must never die with an unhandled exception
            kind, reason = ProtocolError, f"unexpected error reading from peer: {exc!r}"
        finally:
            self.shutdown(kind, reason)

    def _dispatch(self, cmd: RemotingCommand) -> None:
        if cmd.is_response:
            fut = self.pending.pop(cmd.opaque, None)
            if fut is not None and not fut.done():
                fut.set_result(cmd)
            return  # else: a late answer to a request that already timed out
        if not cmd.is_oneway:
            # Server-initiated request (e.g. transaction check): we serve none of them.
            reply = RemotingCommand(
                code=ResponseCode.REQUEST_CODE_NOT_SUPPORTED,
                opaque=cmd.opaque,
                flag=FLAG_RESPONSE,
                remark=f"rocketui does not serve request {cmd.code}",
            )
            try:
                self.writer.write(encode_frame(reply))
            except Exception:  # the read loop notices a dead stream by itself
                pass

    def shutdown(self, kind: type[ConnectionLost], reason: str) -> None:
        """Idempotent: mark closed, fail every pending request, close the writer."""
        if self.closed:
            return
        self.closed = True
        self.close_reason = reason
        pending, self.pending = self.pending, {}
        for fut in pending.values():
            if not fut.done():
                fut.set_exception(kind(self.addr, reason))
        try:
            self.writer.close()
        except Exception:
            pass

    async def close(self) -> None:
        self.shutdown(ConnectionLost, "connection closed by client")
        if self.task is not None and not self.task.done() and self.task is not asyncio.current_task():
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)
        wait_closed = getattr(self.writer, "wait_closed", None)
        if wait_closed is not None:
            try:
                await asyncio.wait_for(wait_closed(), 2.0)
            except Exception:
                pass


def connect_failed(addr: str, exc: TimeoutError | OSError, connect_timeout: float) -> ConnectFailed:
    """What a failed connect says: the timeout, or the errno's own text (it beats asyncio's
    "Connect call failed (...)"; a gaierror has errno < 0)."""
    if isinstance(exc, TimeoutError):
        return ConnectFailed(addr, f"connect timed out after {connect_timeout:g}s")
    errno = exc.errno or 0
    reason = os.strerror(errno) if errno > 0 else exc.strerror or str(exc)
    return ConnectFailed(addr, f"cannot connect: {reason}")


class RemotingClient:
    """Request/response client for one address. Connects lazily, reconnects on demand after a
    lost connection, and is safe for concurrent requests from many tasks."""

    def __init__(
        self,
        addr: str,
        *,
        connector: Connector | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        connect_timeout: float | None = None,
        serialize_type: SerializeType = SerializeType.JSON,
        max_frame: int = MAX_FRAME_BYTES,
    ) -> None:
        self.addr = addr
        self.host, self.port = split_addr(addr)
        self.timeout = timeout
        self.connect_timeout = timeout if connect_timeout is None else connect_timeout
        self.serialize_type = serialize_type
        self.max_frame = max_frame
        self._connector: Connector = connector or _default_connector
        self._conn: _Connection | None = None
        self._connect_lock = asyncio.Lock()
        self._opaques = itertools.count(1)
        self.server_version: int | None = None  # MQVersion ordinal the server answers with

    @property
    def server_release(self) -> str | None:
        """'4.9.7', '5.5.0' … of the server, as its last response said (None before one)."""
        return version_of_ordinal(self.server_version) if self.server_version else None

    @property
    def connected(self) -> bool:
        return self._conn is not None and not self._conn.closed

    async def __aenter__(self) -> RemotingClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            await conn.close()

    async def invoke(
        self,
        code: int,
        ext_fields: dict[str, str] | None = None,
        body: bytes = b"",
        *,
        timeout: float | None = None,
        expect: Collection[int] | None = SUCCESS_ONLY,
    ) -> RemotingCommand:
        """Send a request and wait for its response. Raises RemotingError (with code/remark) if
        the response code is not in `expect` (None accepts any), RemotingTimeout, ConnectionLost."""
        conn = await self._ensure_connection()
        opaque = self._next_opaque()
        cmd = RemotingCommand(
            code=code,
            opaque=opaque,
            ext_fields=wire_fields(ext_fields or {}),
            body=body,
            serialize_type=self.serialize_type,
        )
        frame = self._encode(cmd)
        fut: asyncio.Future[RemotingCommand] = asyncio.get_running_loop().create_future()
        fut.add_done_callback(_retrieve)
        conn.pending[opaque] = fut
        limit = self.timeout if timeout is None else timeout
        try:
            async with asyncio.timeout(limit):
                await conn.send(frame)
                response = await fut
        except TimeoutError:
            raise RemotingTimeout(
                self.addr, f"{code_name(code, request=True)} got no response within {limit:g}s", request_code=code
            ) from None
        finally:
            conn.pending.pop(opaque, None)
        if response.version > 0:
            self.server_version = response.version
        if response.code == ResponseCode.GO_AWAY and (expect is None or response.code not in expect):
            # the server is going away: drop this connection so the next request opens a new one
            conn.shutdown(ConnectionLost, "server answered GO_AWAY (shutting down)")
        if expect is not None and response.code not in expect:
            raise RemotingError.from_response(self.addr, code, response.code, response.remark)
        return response

    async def invoke_oneway(self, code: int, ext_fields: dict[str, str] | None = None, body: bytes = b"") -> None:
        """Fire-and-forget request (flag oneway); returns once the frame is written."""
        conn = await self._ensure_connection()
        cmd = RemotingCommand(
            code=code,
            opaque=self._next_opaque(),
            flag=FLAG_ONEWAY,
            ext_fields=wire_fields(ext_fields or {}),
            body=body,
            serialize_type=self.serialize_type,
        )
        await conn.send(self._encode(cmd))

    def _encode(self, cmd: RemotingCommand) -> bytes:
        try:
            return encode_frame(cmd)
        except CodecError as exc:
            raise RemotingError(
                self.addr, f"cannot encode {code_name(cmd.code, request=True)}: {exc}", request_code=cmd.code
            ) from None

    def _next_opaque(self) -> int:
        return next(self._opaques) & 0x7FFFFFFF or next(self._opaques) & 0x7FFFFFFF

    async def _ensure_connection(self) -> _Connection:
        conn = self._conn
        if conn is not None and not conn.closed:
            return conn
        async with self._connect_lock:
            conn = self._conn
            if conn is not None and not conn.closed:
                return conn
            try:
                async with asyncio.timeout(self.connect_timeout):
                    reader, writer = await self._connector(self.host, self.port)
            except (TimeoutError, OSError) as exc:
                raise connect_failed(self.addr, exc, self.connect_timeout) from exc
            except Exception as exc:  # tunnel connectors raise their own error types
                raise ConnectFailed(self.addr, f"cannot connect: {exc}") from exc
            self._conn = _Connection(self.addr, reader, writer, self.max_frame)
            return self._conn
