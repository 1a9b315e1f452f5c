"""Opening a session channel on an SSH connection, for the exec channels and the resident shell.

sshd refuses a session beyond its MaxSessions (OpenSSH: "open failed", code 2; other servers say
administratively prohibited), also while channels rocketui already closed are still closing on
its side.  Nothing ran on a refused open, so it is tried again after short pauses while the
connection lives.
"""

from __future__ import annotations

import asyncio

import asyncssh

OPEN_RETRY_DELAYS = (0.05, 0.1, 0.2, 0.4, 0.8, 1.6)
_SESSION_REFUSED = (asyncssh.OPEN_CONNECT_FAILED, asyncssh.OPEN_ADMINISTRATIVELY_PROHIBITED)


async def open_session(conn: asyncssh.SSHClientConnection, command: str) -> asyncssh.SSHClientProcess[bytes]:
    for delay in (*OPEN_RETRY_DELAYS, None):
        try:
            return await conn.create_process(command, encoding=None)
        except asyncssh.ChannelOpenError as exc:
            if delay is None or conn.is_closed() or exc.code not in _SESSION_REFUSED:
                raise
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")
