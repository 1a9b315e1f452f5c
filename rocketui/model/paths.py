"""Which paths a cluster file may give, checked at load time.

Paths reach places that split words: `-Duser.home=<dir>` goes into JAVA_OPT_EXT, which the
launchers expand unquoted (a space makes a second JVM option, `-XX:OnOutOfMemoryError=…` would
run a command on the host), and the official scripts pass `$ROCKETMQ_HOME`/`-c <file>` unquoted
too.  So a path may hold only characters that survive word splitting and globbing unchanged;
anything else is refused with the character named, before anything runs.

`~user/…` on a host of backend local is looked up in this machine's user database
(`home_user_problem`): the one thing here that is not pure, see there why.
"""

from __future__ import annotations

import pwd
import re

_SAFE = re.compile(r"[A-Za-z0-9_./~+,@%=:-]")
_HOME_USER = re.compile(r"^~([a-z_][a-z0-9_.-]{0,31})?(/|$)")
_NAMES = {
    " ": "a space",
    "\t": "a tab",
    "\n": "a line break",
    "$": "'$' (shell expansion)",
    "`": "'`' (command substitution)",
    ";": "';'",
    "&": "'&'",
    "|": "'|'",
    "*": "'*' (a glob)",
    "?": "'?' (a glob)",
    "[": "'[' (a glob)",
    "'": "a quote",
    '"': "a quote",
    "\\": "a backslash",
}


def path_problem(value: str) -> str | None:
    """Why `value` cannot be used as a path of a node (None when it can)."""
    for ch in value:
        if not _SAFE.match(ch):
            name = _NAMES.get(ch) or (f"control character U+{ord(ch):04X}" if not ch.isprintable() else f"{ch!r}")
            return (
                f"contains {name}, which the RocketMQ launchers would split or expand (the path reaches "
                "JAVA_OPT unquoted); use a path of letters, digits and . _ - / + , @ % = : only"
            )
    if "~" in value and not _HOME_USER.match(value):
        return "has '~' other than at the start ('~/dir' or '~user/dir'); write the path out"
    return None


def home_user_problem(value: str) -> str | None:
    """Why `value`, a path used on this machine (a local host's), cannot be: its `~user` names no
    user here (None when it can, or has no `~user`).

    A lookup, not a pure check: local paths go through `os.path.expanduser`, which leaves
    `~nosuchuser/x` as it is, so the node would silently get `<cwd>/~nosuchuser/x`.  Asking the
    user database once at load time reports it at its `file:line` instead.  Paths of ssh hosts are
    resolved on their host, so they are not looked up here."""
    m = _HOME_USER.match(value)
    user = m.group(1) if m else None
    if not user:
        return None
    try:
        pwd.getpwnam(user)
    except KeyError:
        return f"starts with '~{user}', but there is no user {user!r} on this machine; write the path out"
    return None
