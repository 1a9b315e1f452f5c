"""The `mqadmin` command line (5.x options) equivalent to each change rocketui makes over its own
client: shown in confirmations, printed by --dry-run and recorded in the journal, so an operator
can repeat or audit a change with the distribution's own tool."""

from __future__ import annotations

import shlex
from collections.abc import Sequence


def _line(sub: str, namesrvs: Sequence[str], *options: tuple[str, object]) -> str:
    parts = ["mqadmin", sub, "-n", ";".join(namesrvs)]
    for flag, value in options:
        parts += [flag, str(value)]
    return " ".join(shlex.quote(p) for p in parts)


def update_topic(
    namesrvs: Sequence[str],
    topic: str,
    *,
    cluster: str | None,
    broker_addr: str | None,
    read: int,
    write: int,
    perm: int,
    order: bool,
) -> str:
    options: list[tuple[str, object]] = [("-c", cluster) if broker_addr is None else ("-b", broker_addr)]
    options += [("-t", topic), ("-r", read), ("-w", write), ("-p", perm)]
    if order:
        options.append(("-o", "true"))
    return _line("updateTopic", namesrvs, *options)


def delete_topic(namesrvs: Sequence[str], topic: str, cluster: str) -> str:
    return _line("deleteTopic", namesrvs, ("-c", cluster), ("-t", topic))


def reset_offset_by_time(namesrvs: Sequence[str], group: str, topic: str, timestamp: int) -> str:
    """-s takes ms since the epoch; 0 resets to the first message, -1 to the max offset."""
    return _line("resetOffsetByTime", namesrvs, ("-g", group), ("-t", topic), ("-s", timestamp))


def update_broker_config(namesrvs: Sequence[str], broker_addr: str, key: str, value: str) -> str:
    return _line("updateBrokerConfig", namesrvs, ("-b", broker_addr), ("-k", key), ("-v", value))


def update_sub_group(namesrvs: Sequence[str], group: str, cluster: str) -> str:
    return _line("updateSubGroup", namesrvs, ("-c", cluster), ("-g", group))
