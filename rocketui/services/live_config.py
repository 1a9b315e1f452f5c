"""Apply hot-changeable broker keys to a running broker, and keep rocketui's file.

The broker's UPDATE_BROKER_CONFIG applies values at once but then persists *every* config item
over its `-c` file (sorted, comments gone; `rocketmq-facts.md` §2).  rocketui has already written
the file the operator reviewed, so after the update it puts that exact content back (atomically)
and reads the values from the broker to prove they took effect.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rocketui.backends.base import Backend
from rocketui.model.cluster import Cluster, Node
from rocketui.rocketmq.broker_keys import SCHEMA
from rocketui.rocketmq.remoting.broker import BrokerClient
from rocketui.rocketmq.remoting.errors import RemotingError
from rocketui.services.config_edit import EditPlan


@dataclass
class LiveResult:
    applied: dict[str, str] = field(default_factory=dict)  # verified on the broker
    mismatched: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (wanted, broker has)
    restored_file: bool = False  # the broker had rewritten the file; rocketui's version is back
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error and not self.mismatched and bool(self.applied)


def hot_changes(changes: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """Split changed keys into those the broker takes at runtime and those needing a restart."""
    hot = {k: v for k, v in changes.items() if k in SCHEMA and SCHEMA[k].hot}
    cold = [k for k in changes if k not in hot]
    return hot, cold


async def apply_live(
    cluster: Cluster, backend: Backend, node: Node, plan: EditPlan, updates: dict[str, str], *, timeout: float = 5.0
) -> LiveResult:
    """Send `updates` to the running broker, restore the file rocketui saved (`plan.new`), and
    verify each value with a config read."""
    result = LiveResult()
    addr = cluster.endpoint(node)
    client = BrokerClient(addr, timeout=timeout)
    try:
        await client.update_broker_config(updates)
        current = await backend.read_file(plan.loaded.path)
        if current != plan.new:
            st = await backend.stat(plan.loaded.path)
            await backend.write_file(plan.loaded.path, plan.new, mode=st.mode if st else plan.loaded.stat.mode)
            result.restored_file = True
        config = await client.get_broker_config()
    except RemotingError as exc:
        result.error = f"{node.name} ({addr}): {exc}"
        return result
    except (OSError, FileNotFoundError) as exc:
        result.error = f"{node.name}: could not restore {plan.loaded.path}: {exc}"
        return result
    finally:
        await client.close()
    for key, wanted in updates.items():
        have = config.get(key)
        if have == wanted:
            result.applied[key] = wanted
        else:
            result.mismatched[key] = (wanted, have if have is not None else "(not reported)")
    return result
