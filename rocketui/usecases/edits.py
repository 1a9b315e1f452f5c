"""Editing a broker's properties (`e`, `config`) and a launcher's JVM memory (`m`, `jvm`).

Loading and planning are queries; `save` and `apply_live` are changes and go through the gate.
What a saved launcher means for the JVMs running from it (`script_users`) is worked out here once,
for both front ends: every node sharing the script, running or not, and why it needs a restart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rocketui.backends.base import BackendError
from rocketui.model.cluster import Cluster, Node
from rocketui.rocketmq import jvm_script
from rocketui.rocketmq.broker_keys import KnownKeys
from rocketui.services import config_edit as ce
from rocketui.services.live_config import LiveResult, apply_live, hot_changes
from rocketui.services.nodes import NodeService
from rocketui.usecases.gate import ActionRecord, Gate, Outcome, ReadOnlyError

__all__ = ["Edits", "ScriptUser", "hot_changes"]


@dataclass(frozen=True)
class ScriptUser:
    """A node that runs a launcher script, and how its running JVM compares with it."""

    node: Node
    pid: int | None  # None: not running
    flags: str  # the running JVM's memory flags ("" when not running)
    reasons: tuple[str, ...]  # why it needs a restart (empty: matches, or not running)

    @property
    def needs_restart(self) -> bool:
        return bool(self.reasons)

    def line(self) -> str:
        if self.pid is None:
            return f"{self.node.name}: not running"
        state = ("restart needed: " + "; ".join(self.reasons)) if self.reasons else "matches the script"
        return f"{self.node.name}: running (pid {self.pid}) with {self.flags or 'no memory flags'}; {state}"


class Edits:
    def __init__(self, nodes: NodeService, gate: Gate) -> None:
        self.nodes = nodes
        self.gate = gate

    @property
    def cluster(self) -> Cluster:
        return self.nodes.cluster

    # ------------------------------------------------------------------ broker properties
    async def load_properties(self, node: Node) -> ce.Loaded:
        """ConfigEditError (not a broker, missing file, changed while read) or BackendError."""
        return await ce.load_node_config(self.cluster, self.nodes.backend(node), node)

    def plan_properties(
        self,
        loaded: ce.Loaded,
        node: Node,
        set_: Mapping[str, str] | None = None,
        unset: Iterable[str] = (),
        *,
        known: KnownKeys | None = None,
    ) -> ce.EditPlan:
        return ce.plan_properties(loaded, set_, unset, known=known, cluster=self.cluster, node=node)

    # ------------------------------------------------------------------ launcher scripts
    async def load_script(self, node: Node) -> ce.Loaded:
        return await ce.load_node_script(self.cluster, self.nodes.backend(node), node)

    def plan_script(self, loaded: ce.Loaded, changes: Mapping[str, str | None]) -> ce.EditPlan:
        return ce.plan_script(loaded, changes)

    def script_notes(self, node: Node, changes: Mapping[str, str | None]) -> list[str]:
        return ce.script_notes(self.cluster, node, changes)

    async def script_users(self, node: Node, script: bytes) -> list[ScriptUser]:
        """Every node running `node`'s launcher script, with its JVM compared against `script`."""
        users: list[ScriptUser] = []
        processes = await self.nodes.backend(node).processes("java")
        for other in ce.nodes_sharing_script(self.cluster, node):
            process = await self.nodes.find(other, processes)
            if process is None:
                users.append(ScriptUser(other, None, "", ()))
                continue
            flags = " ".join(jvm_script.token(f, v) for f, v in jvm_script.running_flags(process.argv).items())
            reasons = tuple(ce.restart_reasons(other, script, process))
            users.append(ScriptUser(other, process.pid, flags, reasons))
        return users

    # ------------------------------------------------------------------ saving
    async def save(self, node: Node, plan: ce.EditPlan, *, action: str) -> Outcome[ce.Saved]:
        """Write the plan (refused with errors, in read-only mode, or when the file changed since
        it was loaded); journaled with the file written and its backup."""
        if plan.errors:
            return Outcome.refusal(action, node.name, "not saved: " + "; ".join(p.message for p in plan.errors))
        if not plan.changed:
            return Outcome(action, node.name, True, f"{plan.loaded.path}: no change")

        async def body(record: ActionRecord) -> ce.Saved:
            saved = await ce.save(self.nodes.backend(node), plan)
            record.files.append(f"{node.host}: {saved.path}" + (f" (backup {saved.backup})" if saved.backup else ""))
            return saved

        try:
            saved = await self.gate.run(action, node.name, node.host, body)
        except ReadOnlyError as exc:
            return Outcome.refusal(action, node.name, f"{exc}; nothing written")
        except ce.ConfigConflict as exc:
            return Outcome(action, node.name, False, str(exc))
        except (ce.ConfigEditError, BackendError, OSError) as exc:
            return Outcome(action, node.name, False, f"not saved: {exc}")
        text = f"wrote {node.host}:{saved.path}" + (
            f" (previous version kept as {saved.backup})" if saved.backup else ""
        )
        return Outcome(action, node.name, True, text, value=saved)

    async def apply_live(self, node: Node, plan: ce.EditPlan, updates: dict[str, str]) -> Outcome[LiveResult]:
        """Apply hot keys to the running broker (UPDATE_BROKER_CONFIG), put rocketui's saved file
        back, and verify by reading the values from the broker."""
        addr = self.cluster.endpoint(node)

        async def body(record: ActionRecord) -> LiveResult:
            record.commands.append(
                f"{node.host}: UPDATE_BROKER_CONFIG to {addr}: " + " ".join(f"{k}={v}" for k, v in updates.items())
            )
            result = await apply_live(self.cluster, self.nodes.backend(node), node, plan, updates)
            if result.restored_file:
                record.files.append(f"{node.host}: {plan.loaded.path} (rocketui's saved version put back)")
            if not result.ok:
                record.fail(result.error or str(result.mismatched))
            return result

        try:
            result = await self.gate.run("config apply", node.name, node.host, body)
        except ReadOnlyError as exc:
            return Outcome.refusal("config apply", node.name, str(exc))
        except (BackendError, OSError) as exc:
            return Outcome("config apply", node.name, False, str(exc))
        if result.ok:
            applied = ", ".join(f"{k}={v}" for k, v in result.applied.items())
            return Outcome(
                "config apply", node.name, True, f"applied and verified on {node.name}: {applied}", value=result
            )
        wrong = "; ".join(f"{k}: wanted {w}, broker has {h}" for k, (w, h) in result.mismatched.items())
        return Outcome("config apply", node.name, False, result.error or f"not applied as asked: {wrong}", value=result)
