"""Editing a broker's properties (`e`, `config`) and a launcher's JVM memory (`m`, `jvm`).

Loading and planning are queries; `save` and `apply_live` are changes and go through the gate.
What a saved launcher means for the JVMs running from it (`script_users`) is worked out here once,
for both front ends: every node sharing the script, running or not, and why it needs a restart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace

from rocketui.backends.base import Backend, BackendError
from rocketui.model.cluster import Cluster, Node
from rocketui.rocketmq import jvm_script
from rocketui.rocketmq.broker_keys import ERROR, KnownKeys, Problem, bundled_keys
from rocketui.rocketmq.properties_edit import unified_diff
from rocketui.services import config_edit as ce
from rocketui.services.live_config import LiveResult, apply_live, hot_changes
from rocketui.services.nodes import NodeService
from rocketui.usecases import cluster_yaml
from rocketui.usecases.gate import ActionRecord, Gate, Outcome, ReadOnlyError

CLUSTER_FILE_HOST = "this machine"  # where the cluster file is (not a host of the cluster)

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
    def __init__(self, nodes: NodeService, gate: Gate, *, here: Backend, reload: Callable[[], None]) -> None:
        self.nodes = nodes
        self.gate = gate
        self.here = here  # this machine, where the cluster file lives
        self.reload = reload  # re-read the cluster file after it was saved

    @property
    def cluster(self) -> Cluster:
        return self.nodes.cluster

    # ------------------------------------------------------------------ broker properties
    async def load_properties(self, node: Node) -> ce.Loaded:
        """ConfigEditError (not a broker, missing file, changed while read) or BackendError."""
        return await ce.load_node_config(self.cluster, self.nodes.backend(node), node)

    async def known_keys(self, node: Node) -> KnownKeys:
        """The keys of the release this broker runs (or would start): 4.9.x lacks 5.x keys and has
        others; the nearest bundled list for a release rocketui has none of."""
        return bundled_keys(await self.nodes.release(node))

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

    def script_sharers(self, node: Node) -> list[Node]:
        """Every node that runs `node`'s launcher script (same machine, same RocketMQ home)."""
        return ce.nodes_sharing_script(self.cluster, node)

    async def script_users(self, node: Node, script: bytes | None = None) -> list[ScriptUser]:
        """Every node running `node`'s launcher script, with its JVM compared against `script`
        (default: the script as it is now) plus what the cluster file gives it."""
        if script is None:
            script = (await self.load_script(node)).data
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

    # ------------------------------------------------------------------ the cluster file's jvm:
    def jvm_overrides(self, node: Node) -> dict[str, str]:
        """The memory flags the cluster file gives `node` (its own jvm:, else defaults.jvm or the
        topology's): they win over the launcher script, so they are what is in effect."""
        mem = node.jvm
        values = {"Xms": mem.xms, "Xmx": mem.xmx, "Xmn": mem.xmn, "MaxDirectMemorySize": mem.max_direct}
        return {flag: value for flag, value in values.items() if value}

    async def load_cluster_file(self) -> ce.Loaded:
        loaded = await ce.load(self.here, self.cluster.source)
        return replace(loaded, host=CLUSTER_FILE_HOST)

    def plan_cluster_jvm(self, loaded: ce.Loaded, node: Node, changes: Mapping[str, str | None]) -> ce.EditPlan:
        """The cluster file with `node`'s jvm: changed (comments and layout kept), checked by
        loading it; the node's own jvm: then overrides defaults.jvm for the keys it sets."""
        text = loaded.data.decode("utf-8")
        try:
            new_text = cluster_yaml.set_node_jvm(text, node.name, changes)
        except cluster_yaml.ClusterYamlError as exc:
            return ce.EditPlan(loaded, loaded.data, "", (Problem(ERROR, None, str(exc)),))
        problems = tuple(Problem(ERROR, None, p) for p in cluster_yaml.check(new_text, loaded.path))
        new = new_text.encode("utf-8")
        return ce.EditPlan(loaded, new, unified_diff(loaded.data, new, loaded.path), problems)

    async def save_cluster_file(self, plan: ce.EditPlan) -> Outcome[ce.Saved]:
        """Write the cluster file (same rules as every save), then re-read it."""
        action = "cluster file save"
        if plan.errors:
            return Outcome.refusal(action, None, "not saved: " + "; ".join(p.message for p in plan.errors))

        async def body(record: ActionRecord) -> ce.Saved:
            saved = await ce.save(self.here, plan)
            record.files.append(
                f"{CLUSTER_FILE_HOST}: {saved.path}" + (f" (backup {saved.backup})" if saved.backup else "")
            )
            return saved

        try:
            saved = await self.gate.run(action, None, CLUSTER_FILE_HOST, body)
        except ReadOnlyError as exc:
            return Outcome.refusal(action, None, f"{exc}; nothing written")
        except (ce.ConfigEditError, BackendError, OSError) as exc:
            return Outcome(action, None, False, f"not saved: {exc}")
        self.reload()
        return Outcome(
            action,
            None,
            True,
            f"wrote {saved.path}" + (f" (previous version kept as {saved.backup})" if saved.backup else ""),
            value=saved,
        )

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
