"""Master changes the controllers made, as rocketui saw them: journaled once ("observed master
change", whichever rocketui saw it first, like an observed crash) with what the old master had
done, and read back from the journal, so a rocketui started later — or a one-shot CLI `status` —
still says "broker-a-s is master since 10:42:07 after broker-a died"."""

from __future__ import annotations

import re
import time

from rocketui.model.cluster import Cluster
from rocketui.services.controller_probe import ControllerProbe, MasterChange
from rocketui.services.elected import cause_of
from rocketui.services.node_status import NodeState, NodeStatus
from rocketui.usecases.gate import ActionRecord, Gate
from rocketui.usecases.journal import Journal

OBSERVED_MASTER_CHANGE = "observed master change"
LOOK_BACK = 30 * 86400.0  # journal entries older than this are not read back
# A killed master's launch wrapper outlives its JVM for a moment (state "starting"), and a host
# may not answer one poll: the cause waits for a settled state, at most this long.
SETTLE_WAIT = 20.0
_UNSETTLED = (NodeState.STARTING, NodeState.UNKNOWN)
_LINE = re.compile(
    r"^(?P<group>\S+) epoch (?P<epoch>[0-9]+): master (?P<old>\S*) -> (?P<new>\S+) \((?P<cause>[^)]*)\)$"
)


def change_line(change: MasterChange) -> str:
    return f"{change.broker_name} epoch {change.epoch}: master {change.old} -> {change.new} ({change.cause})"


def parse_change_line(line: str, at: float) -> MasterChange | None:
    m = _LINE.match(line)
    if m is None:
        return None
    return MasterChange(m["group"], int(m["epoch"]), m["old"], m["new"], at, m["cause"])


class Elections:
    def __init__(self, cluster: Cluster, probe: ControllerProbe, journal: Journal, gate: Gate) -> None:
        self.cluster = cluster
        self.probe = probe
        self.journal = journal
        self.gate = gate
        self._seeded = False
        self._unsettled: list[MasterChange] = []  # seen, cause not yet known

    def seed(self) -> None:
        """Changes journaled earlier (by any rocketui) for this cluster: read once."""
        if self._seeded or not self.cluster.controllers:
            return
        self._seeded = True
        key = self.journal.cluster_key(self.cluster)
        try:
            entries = list(self.journal.entries(since=time.time() - LOOK_BACK, cluster=key))
        except OSError:
            return
        for entry in entries:
            if entry.action != OBSERVED_MASTER_CHANGE:
                continue
            for line in entry.commands:
                change = parse_change_line(line, entry.ts)
                if change is not None:
                    self.probe.record(change)

    def _journaled(self, change: MasterChange) -> bool:
        head = f"{change.broker_name} epoch {change.epoch}:"
        try:
            entries = self.journal.entries(since=change.at - 60, cluster=self.journal.cluster_key(self.cluster))
            return any(
                e.action == OBSERVED_MASTER_CHANGE and any(c.startswith(head) for c in e.commands) for e in entries
            )
        except OSError:
            return False

    async def observe(self, statuses: dict[str, NodeStatus]) -> None:
        """Journal the master changes this process saw since the last poll, with what the old
        master had done (its state now)."""
        names = {self.cluster.endpoint(b): b.name for b in self.cluster.brokers}
        waiting, self._unsettled = self._unsettled + self.probe.take_changes(), []
        for change in waiting:
            old = names.get(change.old)
            state = statuses[old].state if old in statuses else None
            if state in _UNSETTLED and time.time() - change.at < SETTLE_WAIT:
                self._unsettled.append(change)  # judged at a later poll
                continue
            new = names.get(change.new, change.new)
            cause = cause_of(state)
            done = MasterChange(change.broker_name, change.epoch, change.old, change.new, change.at, cause)
            self.probe.record(done)
            if self._journaled(done):  # another rocketui watching the same cluster was first
                continue
            node = self.cluster.node(new) if new in statuses else None
            record = ActionRecord(OBSERVED_MASTER_CHANGE, new, node.host if node else None)
            record.started = change.at
            record.commands.append(change_line(done))
            await self.gate.record(record)
