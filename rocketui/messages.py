"""All cross-component messages of rocketui (workers → screens → widgets)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.message import Message

from rocketui.services.node_status import NodeStatus

if TYPE_CHECKING:
    from rocketui.model.cluster import Node
    from rocketui.reports.log_rates import LogRate
    from rocketui.services.broker_stats import StatsReport
    from rocketui.services.config_edit import Loaded
    from rocketui.services.grpc_produce import GrpcConsumeReport
    from rocketui.services.health import HealthReport
    from rocketui.services.mqtest import ProduceProgress, ProduceReport
    from rocketui.services.mqtest_verify import VerifyReport
    from rocketui.services.quickstart import QuickstartResult
    from rocketui.usecases.gate import Outcome


class StatusUpdated(Message):
    """A fresh status of every node (one poll)."""

    def __init__(self, statuses: dict[str, NodeStatus]) -> None:
        super().__init__()
        self.statuses = statuses

    def can_replace(self, message: Message) -> bool:  # an older poll result is superseded
        return isinstance(message, StatusUpdated)


class StatsUpdated(Message):
    """Broker runtime figures and namesrv counts (None: no namesrv answered)."""

    def __init__(self, report: StatsReport | None) -> None:
        super().__init__()
        self.report = report

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, StatsUpdated)


class LogRatesUpdated(Message):
    """New WARN/ERROR entries in each running node's main log since the previous look."""

    def __init__(self, rates: list[LogRate], at: float) -> None:
        super().__init__()
        self.rates = rates
        self.at = at


class ActionProgress(Message):
    """A step of a running action (start/stop/...) on a node."""

    def __init__(self, node: str, text: str) -> None:
        super().__init__()
        self.node = node
        self.text = text


class ActionFinished(Message):
    """A change ended: its outcome, as the use case reported it."""

    def __init__(self, outcome: Outcome[Any]) -> None:
        super().__init__()
        self.outcome = outcome


class ConfigLoaded(Message):
    """A properties file or launcher script was read for a form (`loaded` None: `error` says why)."""

    def __init__(self, loaded: Loaded | None, error: str = "", values: dict[str, str] | None = None) -> None:
        super().__init__()
        self.loaded = loaded
        self.error = error
        self.values = values or {}


class ConfigSaved(Message):
    """A form's save (or the live apply / restart after it) ended."""

    def __init__(self, ok: bool, text: str, *, final: bool = False) -> None:
        super().__init__()
        self.ok = ok
        self.text = text
        self.final = final


class PlanReady(Message):
    """The exact commands an action will run, worked out before asking for confirmation."""

    def __init__(self, action: str, nodes: list[Node], lines: list[str]) -> None:
        super().__init__()
        self.action = action
        self.nodes = nodes
        self.lines = lines


class MqTestUpdate(Message):
    """Progress or result of a produce/consume test or a quickstart run (any field may be set)."""

    def __init__(
        self,
        *,
        progress: ProduceProgress | None = None,
        report: ProduceReport | None = None,
        verified: VerifyReport | GrpcConsumeReport | None = None,
        quickstart: QuickstartResult | None = None,
        line: str | None = None,
        text: str = "",
        failed: bool = False,
        done: bool = False,
    ) -> None:
        super().__init__()
        self.progress = progress
        self.report = report
        self.verified = verified
        self.quickstart = quickstart
        self.line = line
        self.text = text
        self.failed = failed  # `text` says why the run could not be made
        self.done = done

    def can_replace(self, message: Message) -> bool:  # a newer progress supersedes an older one
        return (
            isinstance(message, MqTestUpdate)
            and self.progress is not None
            and message.progress is not None
            and not (message.report or message.done or message.line or message.text)
        )


class HealthUpdated(Message):
    """A fresh cluster health report (or why it could not be made)."""

    def __init__(self, report: HealthReport | None, error: str = "") -> None:
        super().__init__()
        self.report = report
        self.error = error
