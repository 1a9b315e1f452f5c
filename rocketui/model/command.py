"""A command as data: argv, environment and working directory (never a pre-joined string), so
one command can be executed without a shell locally, quoted once for a remote shell, and shown
verbatim to the operator."""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    """A command as argv plus environment and working directory."""

    argv: tuple[str, ...]
    env: tuple[tuple[str, str], ...] = ()
    cwd: str | None = None

    @classmethod
    def of(cls, argv: Sequence[str], env: Mapping[str, str] | None = None, cwd: str | None = None) -> Command:
        return cls(tuple(argv), tuple((env or {}).items()), cwd)

    def shell(self) -> str:
        """The command as one POSIX shell line; every value is quoted."""
        parts: list[str] = []
        if self.cwd:
            parts.append(f"cd {shlex.quote(self.cwd)} &&")
        parts.extend(f"{k}={shlex.quote(v)}" for k, v in self.env)
        parts.append(shlex.join(self.argv))
        return " ".join(parts)
