"""The broker keys a distribution knows, asked from its own `mqbroker -p` on the node's host."""

from __future__ import annotations

from rocketui.backends.base import Backend
from rocketui.rocketmq.broker_keys import (
    KnownKeys,
    known_keys_from_print_config,
    parse_print_config,
    print_config_command,
)


class KeyListError(Exception):
    """`mqbroker -p` did not give a key list."""


async def load_known_keys(
    backend: Backend, home: str, *, java_home: str | None = None, timeout: float = 60.0
) -> KnownKeys:
    """Run `mqbroker -p` of the distribution at `home` (expanded) on the backend's host."""
    result = await backend.run(print_config_command(home, java_home), timeout=timeout)
    printed = parse_print_config(result.stdout)
    if not result.ok or not printed:
        tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise KeyListError(
            f"{backend.name}: 'mqbroker -p' in {home} exited {result.exit_status} "
            f"without a key list: {' | '.join(tail)}"
        )
    return known_keys_from_print_config(printed)
