"""Errors raised by the remoting client. Every message names the peer address so a failure in a
multi-node table can be attributed without extra context."""

from __future__ import annotations

from rocketui.rocketmq.remoting.codes import code_name


class RemotingError(Exception):
    """A remoting call to `addr` failed. `code`/`remark` are set when the peer answered with an
    error response code (e.g. TOPIC_NOT_EXIST); both are None for transport-level failures."""

    def __init__(
        self,
        addr: str,
        message: str,
        *,
        code: int | None = None,
        remark: str | None = None,
        request_code: int | None = None,
    ) -> None:
        self.addr = addr
        self.code = code
        self.remark = remark
        self.request_code = request_code
        super().__init__(f"{addr}: {message}")

    @classmethod
    def from_response(cls, addr: str, request_code: int, code: int, remark: str | None) -> RemotingError:
        text = f"{code_name(request_code, request=True)} answered {code_name(code)} ({code})"
        if remark:
            text += f": {remark}"
        return cls(addr, text, code=code, remark=remark, request_code=request_code)


class RemotingTimeout(RemotingError):
    """No response within the per-request timeout (the connection stays usable)."""


class ConnectionLost(RemotingError):
    """The connection closed or broke; every pending request on it fails with this."""


class ConnectFailed(ConnectionLost):
    """The connection could not be opened (refused, unreachable, tunnel failure, timeout)."""


class ProtocolError(ConnectionLost):
    """The peer sent bytes that are not a valid remoting frame; the connection is dropped."""
