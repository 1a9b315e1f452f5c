"""What rocketui knows about a node at one moment (plain data, shared by TUI and CLI)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rocketui.services.crash import CrashInfo
    from rocketui.services.elected import Elected
    from rocketui.services.proxy_probe import ProxyServing


# The host column of a node whose host is connected but has not answered this poll yet: its row
# keeps the last poll's state until the host is called unreachable (services/nodes.py).
LATE = "no answer yet"


class NodeState(StrEnum):
    STOPPED = "stopped"
    STARTING = "starting"
    RUNNING = "running"
    STOPPING = "stopping"
    FAILED = "failed"  # a start rocketui made did not reach running
    CRASHED = "crashed"  # it was started and its JVM went away without anyone asking it to stop
    UNKNOWN = "unknown"  # host unreachable or not yet polled


@dataclass(frozen=True)
class NodeStatus:
    node: str
    state: NodeState
    pid: int | None = None
    started_at: float | None = None
    port_open: bool = False
    # brokers: namesrv addresses where this broker is registered (None = not checked)
    registered_at: tuple[str, ...] | None = None
    namesrv_count: int = 0
    message: str = ""
    host_state: str = ""
    # what the namesrvs report that disagrees with the cluster file ("master down", …)
    note: str = ""
    crash: CrashInfo | None = None  # set when state is CRASHED
    # RocketMQ release of the node's distribution (the running JVM's, else the configured home's),
    # read from its broker jar; None when not found
    version: str | None = None
    # controller-mode brokers: the role the controllers gave it now (master/slave, epoch, sync-state set)
    elected: Elected | None = None
    # nodes hosting a controller: "leader", "follower" or "not answering"
    controller_role: str | None = None
    # proxies and local-proxy brokers while running: do they serve (ports, routes)
    proxy: ProxyServing | None = None

    @property
    def late(self) -> bool:
        """The last poll's row, kept while its host (or its own reads) has not answered yet."""
        return self.host_state.startswith(LATE)

    @property
    def registered(self) -> bool | None:
        if self.registered_at is None:
            return None
        return len(self.registered_at) == self.namesrv_count and self.namesrv_count > 0

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["state"] = self.state.value
        data["registered"] = self.registered
        data["crash"] = self.crash.to_json() if self.crash else None
        data["elected"] = self.elected.to_json() if self.elected else None
        data["proxy"] = self.proxy.to_json() if self.proxy else None
        return data


@dataclass(frozen=True)
class JvmIdentity:
    """The pid file rocketui keeps per node: enough to re-find and safely signal the JVM."""

    pid: int
    start_ticks: int
    leader: int = 0
    extra: dict[str, str] = field(default_factory=dict)
