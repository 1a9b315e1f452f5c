"""One request at a time on a blocking socket, for a caller with a thread of its own.

Why not the asyncio client: with one request in flight every answer costs a wake-up of the event
loop (epoll → protocol → the waiting task), which is most of what a request costs; a thread
blocked in recv() is woken by the kernel straight away (bench/RESULTS.md, produce: ~1.4x the
messages per second at one in flight).  The produce test's sync mode on a direct connection uses
it; everything else keeps RemotingClient.  Answers are matched by opaque as there: an answer that
arrives after its request timed out is skipped, requests the server sends are left unanswered
(a producer's connection serves none).  `close()` may be called from another thread: it wakes a
blocked call, which then fails with ConnectionLost.
"""

from __future__ import annotations

import itertools
import socket
import threading
import time
from collections import deque
from collections.abc import Collection

from rocketui.rocketmq.remoting.client import DEFAULT_TIMEOUT, SUCCESS_ONLY, connect_failed, split_addr
from rocketui.rocketmq.remoting.codec import MAX_FRAME_BYTES, CodecError, RemotingCommand, decode_payload, encode_frame
from rocketui.rocketmq.remoting.codec import ext_fields as wire_fields
from rocketui.rocketmq.remoting.codes import ResponseCode, code_name
from rocketui.rocketmq.remoting.errors import (
    ConnectionLost,
    ProtocolError,
    RemotingError,
    RemotingTimeout,
)
from rocketui.rocketmq.remoting.framing import FrameBuffer


class BlockingChannel:
    def __init__(
        self, addr: str, *, connect_timeout: float = DEFAULT_TIMEOUT, max_frame: int = MAX_FRAME_BYTES
    ) -> None:
        self.addr = addr
        self.host, self.port = split_addr(addr)
        self.connect_timeout = connect_timeout
        self.max_frame = max_frame
        self._sock: socket.socket | None = None
        self._frames = FrameBuffer(max_frame)
        self._ready: deque[bytes] = deque()  # payloads received, not yet read
        self._opaques = itertools.count(1)
        self._lock = threading.Lock()  # close() against the calling thread's connect
        self._closed = False
        self._busy = False  # a call is using the socket (only its thread may close it then)

    def invoke(
        self,
        code: int,
        ext_fields: dict[str, str],
        body: bytes,
        *,
        timeout: float,
        expect: Collection[int] | None = SUCCESS_ONLY,
    ) -> RemotingCommand:
        """Send a request and wait up to `timeout` for its answer; the errors of RemotingClient."""
        deadline = time.monotonic() + timeout
        sock = self._connect()
        try:
            return self._exchange(sock, deadline, code, ext_fields, body, timeout, expect)
        finally:
            with self._lock:
                self._busy = False
                if self._closed:
                    self._drop()  # closed from another thread meanwhile: the socket is ours to close

    def close(self) -> None:
        """Close the connection; a call waiting in another thread is woken (ConnectionLost) and
        closes the socket itself, so no descriptor is closed under a thread still reading it."""
        with self._lock:
            self._closed = True
            sock = self._sock
            if sock is None:
                return
            if not self._busy:
                self._drop()
                return
            try:
                sock.shutdown(socket.SHUT_RDWR)  # the waiting recv() returns at once
            except OSError:
                pass

    def _exchange(
        self,
        sock: socket.socket,
        deadline: float,
        code: int,
        ext_fields: dict[str, str],
        body: bytes,
        timeout: float,
        expect: Collection[int] | None,
    ) -> RemotingCommand:
        opaque = next(self._opaques) & 0x7FFFFFFF or next(self._opaques)
        try:
            frame = encode_frame(
                RemotingCommand(code=code, opaque=opaque, ext_fields=wire_fields(ext_fields), body=body)
            )
        except CodecError as exc:
            what = f"cannot encode {code_name(code, request=True)}: {exc}"
            raise RemotingError(self.addr, what, request_code=code) from None
        try:
            sock.sendall(frame)
        except OSError as exc:
            self._drop()
            raise self._lost(f"write failed: {exc.strerror or exc}") from None
        while True:
            response = self._read(sock, deadline, code, timeout)
            if response.is_response and response.opaque == opaque:
                break  # else: a late answer to a timed-out request, or a request of the server
        if response.code == ResponseCode.GO_AWAY and (expect is None or response.code not in expect):
            self._drop()  # the server is going away: the next request opens a new connection
        if expect is not None and response.code not in expect:
            raise RemotingError.from_response(self.addr, code, response.code, response.remark)
        return response

    # ------------------------------------------------------------------ internals
    def _connect(self) -> socket.socket:
        with self._lock:
            if self._closed:
                raise ConnectionLost(self.addr, "connection closed by client")
            if self._sock is not None:
                self._busy = True
                return self._sock
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
        except (TimeoutError, OSError) as exc:
            raise connect_failed(self.addr, exc, self.connect_timeout) from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._lock:
            if self._closed:
                sock.close()
                raise ConnectionLost(self.addr, "connection closed by client")
            self._sock, self._frames, self._ready = sock, FrameBuffer(self.max_frame), deque()
            self._busy = True
        return sock

    def _drop(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            sock.close()

    def _lost(self, reason: str) -> ConnectionLost:
        return ConnectionLost(self.addr, "connection closed by client" if self._closed else reason)

    def _read(self, sock: socket.socket, deadline: float, code: int, timeout: float) -> RemotingCommand:
        """The next frame; RemotingTimeout past `deadline` (the connection stays usable)."""
        while not self._ready:
            left = deadline - time.monotonic()
            if left <= 0:
                raise RemotingTimeout(
                    self.addr, f"{code_name(code, request=True)} got no response within {timeout:g}s", request_code=code
                )
            try:
                sock.settimeout(left)
                data = sock.recv(65536)
            except TimeoutError:
                continue  # the deadline check above says so
            except OSError as exc:
                self._drop()
                raise self._lost(f"connection broken: {exc.strerror or exc}") from None
            if not data:
                cut = self._frames.cut_short()
                self._drop()
                if cut is not None:
                    raise ProtocolError(self.addr, cut)
                raise self._lost("connection closed by peer")
            try:
                self._ready.extend(self._frames.feed(data))
            except CodecError as exc:
                self._drop()
                raise ProtocolError(self.addr, f"malformed frame from peer: {exc}") from None
        try:
            return decode_payload(self._ready.popleft())
        except CodecError as exc:
            self._drop()
            raise ProtocolError(self.addr, f"malformed frame from peer: {exc}") from None
