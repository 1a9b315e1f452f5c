"""Edit a broker's properties file or a node's JVM launcher script, through its host's Backend.

The flow a form or a CLI command follows:

    loaded = await load_node_config(cluster, backend, node)        # bytes + FileStat
    plan = plan_properties(loaded, {"brokerRole": "SLAVE"}, cluster=cluster, node=node)
    show(plan.diff, plan.problems, plan.notes)                      # errors block the save
    saved = await save(backend, plan)                               # or ConfigConflict / ConfigEditError

`save` replaces the file atomically only if it is still the version that was loaded (else
`ConfigConflict`, whose message shows what changed on disk), keeps its owner, group, mode and
attributes or refuses (`SaveRefused`), and keeps the old content next to the file actually
written (a symlink's target) as `<file>.bak.<timestamp>`.  Nothing here touches Textual.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rocketui.backends.base import Backend, FileChanged, FileStat, ProcessInfo, WriteRefused
from rocketui.model.cluster import BackendKind, Cluster, Node, NodeKind
from rocketui.rocketmq import jvm_script
from rocketui.rocketmq.broker_keys import (
    ERROR,
    SCHEMA,
    WARNING,
    KnownKeys,
    Problem,
    bundled_keys,
    check_config,
    unknown_key_message,
)
from rocketui.rocketmq.layout import JVM_SCRIPT
from rocketui.rocketmq.properties_edit import PropertiesDoc, unified_diff, value_problem
from rocketui.services.broker_config_check import check_broker_config
from rocketui.services.node_match import node_config_path


class ConfigEditError(Exception):
    """The edit cannot be made or saved; the message says why, for the operator."""


class ConfigConflict(ConfigEditError):
    """The file changed on disk after it was loaded; nothing was written."""


class SaveRefused(ConfigEditError):
    """The file may not or cannot be replaced as it is (permissions, owner, hard links, ...);
    nothing was written.  The message names the host, the path and why."""


@dataclass(frozen=True)
class Loaded:
    host: str
    path: str  # as expanded on the host
    data: bytes
    stat: FileStat


@dataclass(frozen=True)
class EditPlan:
    loaded: Loaded
    new: bytes
    diff: str
    problems: tuple[Problem, ...] = ()  # errors block `save`
    notes: tuple[str, ...] = ()  # what else the operator should know (restart, shared script, ...)

    @property
    def changed(self) -> bool:
        return self.new != self.loaded.data

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]


@dataclass(frozen=True)
class Saved:
    path: str  # the file written: symlinks resolved, so the backup's directory
    backup: str | None  # None when nothing was written (no change)
    stat: FileStat


# --------------------------------------------------------------------------- loading
async def load(backend: Backend, path: str) -> Loaded:
    """The file's bytes and the stat taken just before reading them."""
    expanded = await backend.expand_path(path)
    stat = await backend.stat(expanded)
    if stat is None:
        raise ConfigEditError(f"{expanded} does not exist on host '{backend.name}'")
    data = await backend.read_file(expanded)
    after = await backend.stat(expanded)
    if not stat.same_version(after):
        raise ConfigConflict(f"{expanded} on host '{backend.name}' changed while it was read; try again")
    return Loaded(backend.name, expanded, data, stat)


def broker_config_location(cluster: Cluster, node: Node) -> str:
    """The broker's `-c` file as written in the cluster file (a namesrv's is generated)."""
    if node.kind is not NodeKind.BROKER:
        raise ConfigEditError(
            f"node '{node.name}' is a namesrv: its properties file is written from the cluster "
            f"file ('properties:' of the node, {node.pos}) at every start; edit them there"
        )
    return node_config_path(cluster, node)


def script_location(cluster: Cluster, node: Node) -> str:
    """The JVM launcher script a node's start script runs (runserver.sh or runbroker.sh)."""
    home = cluster.rocketmq_home(cluster.host(node.host)).rstrip("/")
    return f"{home}/{JVM_SCRIPT[node.kind]}"


async def load_node_config(cluster: Cluster, backend: Backend, node: Node) -> Loaded:
    return await load(backend, broker_config_location(cluster, node))


async def load_node_script(cluster: Cluster, backend: Backend, node: Node) -> Loaded:
    return await load(backend, script_location(cluster, node))


# --------------------------------------------------------------------------- properties
def _key_of(problem: Problem) -> tuple[str, str | None, str]:
    return (problem.severity, problem.key, problem.message)


def plan_properties(
    loaded: Loaded,
    set_: Mapping[str, str] | None = None,
    unset: Iterable[str] = (),
    *,
    known: KnownKeys | None = None,
    cluster: Cluster | None = None,
    node: Node | None = None,
) -> EditPlan:
    """New bytes, diff and problems of setting/unsetting broker keys.

    Errors: a new value RocketMQ would ignore or misread, an unknown key being set, a value with
    a line break, and any whole-file problem the edit introduces (brokerId vs brokerRole, ...).
    Problems already in the file before the edit are warnings, so an old mistake elsewhere does
    not block an unrelated fix.
    """
    known = known or bundled_keys()
    set_ = dict(set_ or {})
    unset = list(unset)
    try:
        doc = PropertiesDoc.parse(loaded.data)
    except ValueError as exc:
        raise ConfigEditError(f"{loaded.path}: cannot parse as a Java properties file: {exc}") from None
    problems: list[Problem] = []
    for key, value in set_.items():
        if key not in known:
            problems.append(Problem(ERROR, key, unknown_key_message(key, known)))
        bad_value = value_problem(key, value)
        if bad_value:
            problems.append(Problem(ERROR, key, bad_value))
    for key in unset:
        if key in set_:
            problems.append(Problem(ERROR, key, f"{key} is both set and unset"))
        elif doc.get(key) is None:
            problems.append(Problem(WARNING, key, f"{key} is not set in {loaded.path}; nothing to unset"))
    new_doc = doc.edited(set_, unset)
    new = new_doc.dumps()
    before = {_key_of(p) for p in check_config(((e.key, e.value, e.line) for e in doc.entries()), known)}
    for problem in check_config(((e.key, e.value, e.line) for e in new_doc.entries()), known):
        if problem.key in set_ and problem.is_error and problem.key not in known:
            continue  # already reported above
        if _key_of(problem) in before:
            if problem.key not in set_:
                problems.append(Problem(WARNING, problem.key, problem.message + " (already in the file)", problem.line))
            else:
                problems.append(problem)
        else:
            problems.append(problem)
    notes = _property_notes(doc, set_, unset, known)
    if cluster is not None and node is not None and new != loaded.data:
        old_mismatch = set(check_broker_config(cluster, node, loaded.path, loaded.data))
        for message in check_broker_config(cluster, node, loaded.path, new):
            if message not in old_mismatch:
                problems.append(
                    Problem(
                        WARNING,
                        None,
                        f"{message}; rocketui start refuses the node until the cluster file and this file agree",
                    )
                )
    return EditPlan(loaded, new, unified_diff(loaded.data, new, loaded.path), tuple(problems), tuple(notes))


def _property_notes(doc: PropertiesDoc, set_: Mapping[str, str], unset: Iterable[str], known: KnownKeys) -> list[str]:
    changed = [k for k, v in set_.items() if doc.get(k) != v and k in known]
    removed = [k for k in unset if doc.get(k) is not None]  # a removal only applies at the next start
    notes: list[str] = []
    cold = [k for k in changed if not (k in SCHEMA and SCHEMA[k].hot)] + removed
    hot = [k for k in changed if k in SCHEMA and SCHEMA[k].hot]
    if cold:
        notes.append(f"takes effect when the broker restarts: {', '.join(cold)}")
    if hot:
        notes.append(
            f"can also be applied to a running broker without a restart (mqadmin updateBrokerConfig): {', '.join(hot)}"
        )
    if "namesrvAddr" in changed + removed:
        notes.append(
            "rocketui starts brokers with -n <the cluster's namesrvs>, which overrides namesrvAddr from this file"
        )
    return notes


# --------------------------------------------------------------------------- JVM script
def plan_script(loaded: Loaded, changes: Mapping[str, str | None]) -> EditPlan:
    """New bytes, diff and problems of setting (value) or removing (None) memory flags."""
    text = loaded.data.decode("latin-1")
    problems: list[Problem] = []
    try:
        new_text = jvm_script.set_flags(text, changes)
    except jvm_script.JvmScriptError as exc:
        return EditPlan(loaded, loaded.data, "", (Problem(ERROR, None, str(exc)),))
    before = set(jvm_script.scan(text).problems())
    for message in jvm_script.scan(new_text).problems():
        hint = "" if "Xmn" not in message else "; set -Xmn too (say, a third to a half of -Xmx) or remove it"
        problems.append(
            Problem(
                WARNING if message in before else ERROR,
                None,
                message + (" (already in the script)" if message in before else hint),
            )
        )
    new = new_text.encode("latin-1")
    notes = tuple(jvm_script.scan(text).untouched_notes(changes))  # here-document text is never edited
    return EditPlan(loaded, new, unified_diff(loaded.data, new, loaded.path), tuple(problems), notes)


def _same_machine_key(cluster: Cluster, node: Node) -> tuple[str, ...]:
    """Nodes with equal keys run the same launcher file: every local host is this machine,
    SSH hosts are told apart by address (and user, when the home starts with ~)."""
    host = cluster.host(node.host)
    home = cluster.rocketmq_home(host).rstrip("/")
    if host.backend is BackendKind.LOCAL:
        return ("local", home)
    user = (host.user or "") if home.startswith("~") else ""
    return ("ssh", host.address, user, home)


def nodes_sharing_script(cluster: Cluster, node: Node) -> list[Node]:
    """Every node of the same kind that runs the same launcher script (same machine, same
    RocketMQ home), `node` included, in cluster order."""
    key = _same_machine_key(cluster, node)
    return [n for n in cluster.nodes if n.kind is node.kind and _same_machine_key(cluster, n) == key]


def cluster_file_overrides(node: Node) -> dict[str, str]:
    """Memory flags the cluster file gives the node through JAVA_OPT_EXT; they beat the script's."""
    return jvm_script.flags_in_words(node.jvm.java_opt_ext().split())


def script_notes(cluster: Cluster, node: Node, changes: Mapping[str, str | None]) -> list[str]:
    """Who else the script edit affects, and for whom the cluster file overrides it."""
    sharing = nodes_sharing_script(cluster, node)
    notes = [
        f"{JVM_SCRIPT[node.kind].rsplit('/', 1)[-1]} on host '{node.host}' is used by "
        f"{len(sharing)} node{'s' if len(sharing) != 1 else ''}: {', '.join(n.name for n in sharing)}"
    ]
    for other in sharing:
        overridden = {f: v for f, v in cluster_file_overrides(other).items() if f in changes}
        if overridden:
            shown = " ".join(jvm_script.token(f, v) for f, v in overridden.items())
            notes.append(
                f"{other.name}: the cluster file sets {shown} (jvm: of the node or defaults, passed as "
                "JAVA_OPT_EXT), which overrides the script; edit the cluster file to change it"
            )
    return notes


def restart_reasons(node: Node, script: bytes, process: ProcessInfo | None) -> list[str]:
    """Why the running JVM of `node` does not match the script plus its JAVA_OPT_EXT ([] when it
    does or when it is not running)."""
    if process is None:
        return []
    info = jvm_script.scan(script.decode("latin-1"))
    return jvm_script.restart_reasons(process.argv, info, node.jvm.java_opt_ext())


# --------------------------------------------------------------------------- saving
def backup_suffix(now: float | None = None) -> str:
    return time.strftime(".bak.%Y%m%d-%H%M%S", time.localtime(time.time() if now is None else now))


async def save(backend: Backend, plan: EditPlan, *, now: float | None = None) -> Saved:
    """Write the plan's bytes if the file is still the loaded version; keep a timestamped backup.

    The backend resolves symlinks and keeps the backup beside the file it actually writes (never
    overwriting an earlier backup: a second save in the same second gets `.2`), and refuses a
    file the user may not write or whose owner, group or attributes it could not keep
    (`SaveRefused`, nothing written)."""
    if plan.errors:
        raise ConfigEditError("not saved: " + "; ".join(p.message for p in plan.errors))
    loaded = plan.loaded
    if not plan.changed:
        return Saved(loaded.path, None, loaded.stat)
    try:
        written = await backend.write_file(
            loaded.path, plan.new, expect=loaded.stat, backup_suffix=backup_suffix(now), mode=loaded.stat.mode
        )
    except FileChanged:
        raise ConfigConflict(await _conflict_message(backend, loaded)) from None
    except WriteRefused as exc:
        raise SaveRefused(str(exc)) from None
    return Saved(written.path, written.backup, written.stat)


async def _conflict_message(backend: Backend, loaded: Loaded) -> str:
    head = (
        f"{loaded.path} on host '{loaded.host}' changed on disk after it was loaded; nothing was written "
        "(your edit would have overwritten that change)."
    )
    try:
        current = await backend.read_file(loaded.path)
    except FileNotFoundError:
        return head + " It has been deleted."
    diff = unified_diff(loaded.data, current, loaded.path, old_label="as loaded", new_label="on disk now")
    if not diff:
        return head + " Its content is the same, but it was rewritten; load it again and redo the edit."
    return f"{head} What changed on disk:\n{diff}Load it again and redo the edit."
