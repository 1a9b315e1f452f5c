"""The main screen's load columns: put/get TPS with a put-TPS sparkline, store disk use and
dispatch lag per broker (GET_BROKER_RUNTIME_INFO), brokers and topics known per namesrv."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from rocketui.model.cluster import Cluster, Node, NodeKind
from rocketui.reports.admin_format import sparkline
from rocketui.reports.events import ERROR, INFO, WARNING, Event
from rocketui.services.broker_stats import BrokerStats, NamesrvCounts, StatsReport
from rocketui.text import human_bytes, inert

LOAD_COLUMNS = ("load", "disk", "behind")
HISTORY = 12  # samples per broker in its sparkline (a minute at the main screen's 5 s)
# The broker's own thresholds: above diskMaxUsedSpaceRatio (75 % by default) it deletes old
# commit log files early; above diskSpaceWarningLevelRatio (90 %) it refuses writes.
DISK_WARN = 0.75
DISK_FULL = 0.90


@dataclass(frozen=True)
class LoadCells:
    load: str
    disk: str
    behind: str
    disk_level: str  # "", "warn", "full": how the disk cell is coloured

    def as_tuple(self) -> tuple[str, str, str]:
        return self.load, self.disk, self.behind


BLANK = LoadCells("", "", "", "")


class LoadHistory:
    """The last HISTORY put-TPS samples of each broker (by node name), and the cells of a report."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self._put: dict[str, deque[float]] = {}
        self._disk: dict[str, str] = {}  # node → its disk level at the last report
        self.report: StatsReport | None = None

    def add(self, report: StatsReport) -> list[Event]:
        """Take a report; the events of brokers whose store disk crossed a threshold."""
        self.report = report
        events: list[Event] = []
        for node in self.cluster.brokers:
            stats = self._broker(node)
            if stats is None:
                continue
            if stats.put_tps is not None:
                self._put.setdefault(node.name, deque(maxlen=HISTORY)).append(stats.put_tps)
            level = self.cells(node).disk_level
            if level != self._disk.get(node.name, ""):
                events.append(_disk_event(node.name, level, stats, report.taken_at))
            self._disk[node.name] = level
        return events

    def forget(self) -> None:
        """No figures (no namesrv answered): every cell blank, the trends start again."""
        self.report = None
        self._put.clear()

    def cells(self, node: Node) -> LoadCells:
        if self.report is None:
            return BLANK
        if node.kind is NodeKind.NAMESRV:
            return _namesrv_cells(self._namesrv(node))
        stats = self._broker(node)
        if stats is None:
            return BLANK
        return _broker_cells(stats, list(self._put.get(node.name, ())))

    def by_node(self) -> dict[str, BrokerStats]:
        """Each broker's figures of the last report, by node name (what the load sorts order by)."""
        found = ((node.name, self._broker(node)) for node in self.cluster.brokers)
        return {name: stats for name, stats in found if stats is not None}

    def _broker(self, node: Node) -> BrokerStats | None:
        if self.report is None or node.kind is not NodeKind.BROKER:
            return None
        me = self.cluster.endpoint(node)
        by_id = None
        for stats in self.report.brokers:
            if stats.addr == me:
                return stats
            if stats.broker_name == node.broker_name and stats.broker_id == node.broker_id:
                by_id = stats  # registered under another address (brokerIP1 set on the broker)
        return by_id

    def _namesrv(self, node: Node) -> NamesrvCounts | None:
        if self.report is None:
            return None
        me = self.cluster.endpoint(node)
        return next((n for n in self.report.namesrvs if n.addr == me), None)


def _namesrv_cells(counts: NamesrvCounts | None) -> LoadCells:
    if counts is None:
        return BLANK
    if counts.error:
        return LoadCells(inert(f"? {counts.error}")[:40], "", "", "")
    brokers = f"{counts.brokers} broker" + ("" if counts.brokers == 1 else "s")
    topics = f"{counts.topics} topic" + ("" if counts.topics == 1 else "s")
    return LoadCells(f"{brokers}, {topics}", "", "", "")


def _broker_cells(stats: BrokerStats, trend: list[float]) -> LoadCells:
    if stats.error:
        return LoadCells(inert(f"? {stats.error}")[:40], "", "", "")
    load = f"put {_rate(stats.put_tps)} get {_rate(stats.get_tps)} {sparkline(trend, HISTORY)}".rstrip()
    disk, level = "", ""
    if stats.disk_ratio is not None:
        disk = f"{stats.disk_ratio * 100:.0f}%"
        level = "full" if stats.disk_ratio >= DISK_FULL else "warn" if stats.disk_ratio >= DISK_WARN else ""
    behind = "" if stats.dispatch_behind_bytes is None else human_bytes(stats.dispatch_behind_bytes)
    return LoadCells(load, disk, behind, level)


def _disk_event(name: str, level: str, stats: BrokerStats, at: float) -> Event:
    used = f"store disk {(stats.disk_ratio or 0) * 100:.0f}% used"
    if level == "full":
        return Event(at, ERROR, name, f"{used}: at {DISK_FULL:.0%} the broker refuses writes")
    if level == "warn":
        return Event(
            at,
            WARNING,
            name,
            f"{used}: above {DISK_WARN:.0%} the broker deletes expired commit logs, above 85% unexpired ones too",
        )
    return Event(at, INFO, name, f"{used}: below {DISK_WARN:.0%} again")


def _rate(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0f}" if value >= 10 or value == 0 else f"{value:.1f}"
