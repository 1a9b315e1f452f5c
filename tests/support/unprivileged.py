"""Run rocketui's code as an unprivileged user, on files made for that user.

`as_user(user, fn, *args)` forks; the child drops to the user's uid, gid and groups exactly as
`setpriv --reuid U --regid G --init-groups/--clear-groups` does (setgroups, setgid, setuid, in
that order, so nothing of root is left), runs `fn(*args)` and sends back its return value or
exception through a pipe.  A fork instead of exec'ing a new interpreter: this Python lives under
/root (mode 0700), where `nobody` cannot even start it; the code under test is already imported,
and what is imported later comes from the worktree, which every user may read.

Only root can switch users, so the fixtures skip (fail under CI) elsewhere.  The dedicated test
user (`login_user`) is created for the session when missing and removed at the end only if this
run created it; nothing the machine had is changed.
"""

from __future__ import annotations

import grp
import importlib
import os
import pickle
import pwd
import shutil
import subprocess
import tempfile
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


@dataclass(frozen=True)
class User:
    name: str
    uid: int
    gid: int
    groups: tuple[int, ...] = ()  # supplementary groups; () = --clear-groups


def nobody() -> User:
    pw = pwd.getpwnam("nobody")
    return User("nobody", pw.pw_uid, pw.pw_gid)


class ChildFailed(Exception):
    """The child raised: `kind` is the exception's class name, the message its text."""

    def __init__(self, kind: str, message: str, trace: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message
        self.trace = trace


# Modules the code under test imports lazily from places `nobody` cannot read (the standard
# library and site-packages of this Python under /root): imported before the fork.
PRELOAD = (
    "concurrent.futures.thread",
    "rocketui.backends.local_files",
    "rocketui.cli",
    "rocketui.commands.config",
    "rocketui.commands.jvm",
    "rocketui.commands.context",
    "rocketui.usecases.journal",
    "getpass",
    "difflib",
)


def as_user(user: User, fn: Callable[..., Any], *args: Any) -> Any:
    """fn(*args) in a child running as `user`; its return value, or ChildFailed."""
    for name in PRELOAD:
        importlib.import_module(name)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never returns
        os.close(read_end)
        code = 0
        try:
            os.setgroups(list(user.groups))
            os.setgid(user.gid)
            os.setuid(user.uid)
            assert (os.geteuid(), os.getegid()) == (user.uid, user.gid)
            result: tuple[str, Any] = ("ok", fn(*args))
        except BaseException as exc:  # everything goes back to the test
            result = ("error", (type(exc).__name__, str(exc), traceback.format_exc()))
            code = 1
        try:
            with os.fdopen(write_end, "wb") as out:
                pickle.dump(result, out)
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as inp:
        data = inp.read()
    os.waitpid(pid, 0)
    status, value = pickle.loads(data)
    if status == "error":
        raise ChildFailed(*value)
    return value


def require_root() -> None:
    if os.geteuid() != 0:
        message = "switching to an unprivileged user needs root"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@contextmanager
def shared_dir(prefix: str = "rocketui-unpriv-") -> Iterator[Path]:
    """A temp dir every user can reach (pytest's tmp_path is root's, mode 0700); removed after."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def owned(path: Path, user: User, mode: int, *, group: int | None = None) -> Path:
    """chown/chmod a path for a test (as root)."""
    os.chown(path, user.uid, user.gid if group is None else group)
    path.chmod(mode)
    return path


@contextmanager
def login_user(home_parent: Path) -> Iterator[User]:
    """A dedicated login user for this test process (`rocketui-t<pid>`: parallel workers and test
    runs never share one), with its own group and a home under `home_parent`, unlocked for key
    logins (sshd with UsePAM no refuses a locked '!' password field: usermod -p '*').  Removed at
    the end only if created here."""
    name = f"rocketui-t{os.getpid()}"
    home = home_parent / name
    home.mkdir(mode=0o755)
    created = False
    try:
        pwd.getpwnam(name)
        subprocess.run(["usermod", "-d", str(home), "-p", "*", name], check=True)
    except KeyError:
        subprocess.run(
            ["useradd", "--no-create-home", "--home-dir", str(home), "--shell", "/bin/sh", "--user-group", name],
            check=True,
        )
        subprocess.run(["usermod", "-p", "*", name], check=True)
        created = True
    pw = pwd.getpwnam(name)
    os.chown(home, pw.pw_uid, pw.pw_gid)
    try:
        yield User(name, pw.pw_uid, pw.pw_gid, (pw.pw_gid,))
    finally:
        if created:
            subprocess.run(["userdel", name], check=False)
            try:
                grp.getgrnam(name)
                subprocess.run(["groupdel", name], check=False)
            except KeyError:
                pass


@contextmanager
def sshd_for(user: User, shared: Path) -> Iterator[Any]:
    """A test sshd (tests/support/sshd.py) that `user` can log in to: its authorized_keys and
    client key live under `shared`, where the user may read them (sshd opens authorized_keys as
    the login user).  Yields the SSHServer; killed at the end with every session."""
    from tests.support.sshd import ClientKeys, SSHFarm, sshd_available

    if not sshd_available():
        message = "OpenSSH server missing (/usr/sbin/sshd)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    keys = ClientKeys.create(shared / "client-keys")
    (shared / "client-keys").chmod(0o755)
    keys.authorized_keys.chmod(0o644)
    farm = SSHFarm(shared / "sshd", keys)
    try:
        yield farm.start(1)[0]
    finally:
        farm.close()


def run_cli(argv: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    """`rocketui ARGV` in this process (meant to run inside `as_user`): exit code, stdout, stderr."""
    import io
    from contextlib import redirect_stderr, redirect_stdout

    from rocketui.cli import main

    os.environ.update(env)
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def user_tree(shared: Path, user: User) -> dict[str, str]:
    """Everything `user` may write under `shared` made theirs; the env a CLI child needs (its journal)."""
    for path in [shared, *shared.rglob("*")]:
        if not path.is_symlink():
            os.chown(path, user.uid, user.gid)
    state = shared / "state"
    state.mkdir(exist_ok=True)
    os.chown(state, user.uid, user.gid)
    return {"ROCKETUI_JOURNAL": str(state / "journal.jsonl"), "HOME": str(shared), "XDG_STATE_HOME": str(state)}
