"""What rocketui keeps about a node's last start in its run directory (`rocketui.pid`, JSON).

It outlives the process that wrote it, so every rocketui on the machine (the TUI, a CLI `stop`
in another terminal, the next session) agrees on what happened: which session started the node,
whether a stop was asked for since, and whether the operator acknowledged a crash.  The file is
small and written atomically by the node's backend.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace

FILE_NAME = "rocketui.pid"


@dataclass(frozen=True)
class RunRecord:
    leader: int | None  # session leader of the launch (its process group); None: not started by rocketui
    started: float  # epoch seconds of the start
    stop_requested: float | None = None  # rocketui sent SIGTERM (from any process) at this time
    acknowledged: float | None = None  # the operator acknowledged the crash of this start

    @property
    def stopping(self) -> bool:
        return self.stop_requested is not None and self.stop_requested >= self.started

    @property
    def crash_acknowledged(self) -> bool:
        return self.acknowledged is not None and self.acknowledged >= self.started

    def with_stop_requested(self, when: float) -> RunRecord:
        return replace(self, stop_requested=when)

    def with_acknowledged(self, when: float) -> RunRecord:
        return replace(self, acknowledged=when)

    def to_bytes(self) -> bytes:
        return json.dumps({k: v for k, v in asdict(self).items() if v is not None}).encode()

    @classmethod
    def parse(cls, data: bytes) -> RunRecord | None:
        """None for anything that is not a record (a damaged or foreign file counts as absent)."""
        try:
            raw = json.loads(data)
            return cls(
                leader=int(raw["leader"]) if raw.get("leader") else None,
                started=float(raw.get("started", 0.0)),
                stop_requested=_opt_float(raw.get("stop_requested")),
                acknowledged=_opt_float(raw.get("acknowledged")),
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return None


def _opt_float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]
