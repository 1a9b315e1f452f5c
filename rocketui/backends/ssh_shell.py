"""A resident /bin/sh on one session channel, for the backend's own frequent scripts.

Every exec channel makes sshd start the user's login shell, and bash then reads ~/.bashrc (it
does so for any command run by sshd); on a host whose .bashrc is heavy (pyenv, conda, nvm) that
is 100+ ms of remote CPU per status poll.  The resident shell pays it once per connection and
then runs each script in a subshell (so `exit`, `cd` and variables never leak), one at a time.
Output is framed by a random marker on both stdout and stderr, so nothing a script prints
(process arguments included) can end a frame early.  The marker is drawn once per shell: calls
are one at a time, an interrupted call ends the shell, and asyncssh compiles a pattern for every
new separator (one per call was 1 ms of CPU per host per poll, and flushed `re`'s cache).  A
call that is interrupted (timeout, cancel, EOF) leaves the shell unusable: it is marked broken
and its process group killed.
Operator commands (`Backend.run`) never come here: they keep a fresh, clean shell each.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets

import asyncssh

from rocketui.backends.ssh_scripts import PID_PREFIX, kill_group_script, split_pid_line
from rocketui.backends.ssh_sessions import open_session


class ShellBroken(Exception):
    """The resident shell ended or its output lost framing; use a fresh one.  `started` is False
    when the call's script was certainly not run (the shell was gone before it was sent)."""

    def __init__(self, message: str, *, started: bool = True) -> None:
        super().__init__(message)
        self.started = started


class RemoteShell:
    def __init__(self, conn: asyncssh.SSHClientConnection, proc: asyncssh.SSHClientProcess[bytes]) -> None:
        self.conn = conn
        self._proc = proc
        self.pid: int | None = None
        self.broken = False
        self.lock = asyncio.Lock()
        self._killer: asyncio.Task[object] | None = None
        marker = secrets.token_hex(16)  # never sent in argv: the shell's printf is a builtin
        self._marker = marker
        self._out_end = f"\n{marker} ".encode()
        self._err_end = f"\n{marker}\n".encode()

    @classmethod
    async def start(cls, conn: asyncssh.SSHClientConnection) -> RemoteShell:
        proc = await open_session(conn, PID_PREFIX + "exec /bin/sh")
        shell = cls(conn, proc)
        try:
            async with shell.lock:
                while shell.pid is None:
                    line = await proc.stderr.readline()
                    if not line:
                        raise ShellBroken("the shell exited at start", started=False)
                    shell.pid = split_pid_line(line)
                await shell._call(":")  # swallows whatever the login shell printed first
        except BaseException:
            shell.close(kill=True)
            raise
        return shell

    async def call(self, script: str) -> tuple[int, bytes, bytes]:
        """(exit status, stdout, stderr) of `script`, run in a subshell of the resident shell."""
        async with self.lock:
            return await self._call(script)

    async def _call(self, script: str) -> tuple[int, bytes, bytes]:
        if self.broken or self._proc.stdout.at_eof() or self._proc.stdin.is_closing():
            self.close()
            raise ShellBroken("the resident shell has ended", started=False)  # e.g. sshd's ChannelTimeout
        marker, out_end, err_end = self._marker, self._out_end, self._err_end
        request = f"(\n{script}\n) </dev/null; printf '\\n%s %s\\n' {marker} \"$?\"; printf '\\n%s\\n' {marker} >&2\n"
        done = False
        try:
            self._proc.stdin.write(request.encode())
            out, err = await asyncio.gather(self._proc.stdout.readuntil(out_end), self._proc.stderr.readuntil(err_end))
            status = await self._proc.stdout.readline()
            done = status.endswith(b"\n") and status.strip().isdigit()
            if not done:
                raise ShellBroken(f"unexpected status line {status[:80]!r}")
        except asyncio.IncompleteReadError:
            raise ShellBroken("the resident shell exited") from None
        finally:
            if not done:
                self.close(kill=True)
        return int(status), out[: -len(out_end)], err[: -len(err_end)]

    def close(self, *, kill: bool = False) -> None:
        """Stop the shell; with `kill`, also the processes of a script still running in it."""
        if self.broken:
            return
        self.broken = True
        self._proc.close()
        if kill and self.pid is not None and not self.conn.is_closed():
            self._killer = asyncio.ensure_future(self._kill(self.pid))

    async def _kill(self, pid: int) -> None:
        with contextlib.suppress(Exception):
            async with asyncio.timeout(5):
                await self.conn.run(kill_group_script(pid))
