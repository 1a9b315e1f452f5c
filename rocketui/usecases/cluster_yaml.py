"""Edits of the cluster file itself that keep its comments and layout (ruamel.yaml round trip).

PyYAML drops comments and reflows everything; an operator's cluster file is a document they
wrote, so an edit must change the lines it is about and nothing else.  Every edit is checked by
loading the new text with rocketui's own loader before it is offered.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, MutableMapping
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from rocketui.model.loader import ClusterFileError, parse_cluster

# rocketui's JVM flag names (as the launcher forms call them) → the cluster file's jvm: keys
JVM_KEYS = {"Xms": "xms", "Xmx": "xmx", "Xmn": "xmn", "MaxDirectMemorySize": "max_direct"}


class ClusterYamlError(Exception):
    """The cluster file cannot be edited this way; the message says why."""


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a long line the operator wrote
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _load(text: str) -> Any:
    try:
        return _yaml().load(text)
    except YAMLError as exc:
        raise ClusterYamlError(f"cannot edit the cluster file: {exc}") from None


def _dump(doc: Any) -> str:
    out = io.StringIO()
    _yaml().dump(doc, out)
    return out.getvalue()


def without_key(text: str, key: str) -> str:
    """The document without a top-level key (comments and layout kept)."""
    doc = _load(text)
    if isinstance(doc, CommentedMap) and key in doc:
        del doc[key]
    return _dump(doc)


def set_node_jvm(text: str, node: str, changes: Mapping[str, str | None]) -> str:
    """`text` with the `jvm:` of node `node` changed: flag names as in JVM_KEYS, a value sets,
    None removes.  A node the topology generates and `nodes:` does not list gets an entry of its
    own (name + jvm), which overrides just those keys."""
    doc = _load(text)
    if not isinstance(doc, CommentedMap):
        raise ClusterYamlError("the cluster file is not a mapping")
    nodes = doc.get("nodes")
    if nodes is None:
        nodes = doc["nodes"] = CommentedSeq()
    if not isinstance(nodes, list):
        raise ClusterYamlError("nodes: is not a list")
    item = next((n for n in nodes if isinstance(n, MutableMapping) and n.get("name") == node), None)
    if item is None:
        item = CommentedMap([("name", node)])
        nodes.append(item)
    jvm = item.get("jvm")
    if jvm is None:
        jvm = CommentedMap()
        jvm.fa.set_flow_style()  # `jvm: {xmx: 512m}`, as the shipped cluster files write it
        if any(v is not None for v in changes.values()):
            item["jvm"] = jvm
    if not isinstance(jvm, MutableMapping):
        raise ClusterYamlError(f"jvm: of node '{node}' is not a mapping")
    for flag, value in sorted(changes.items(), key=lambda kv: list(JVM_KEYS).index(kv[0])):
        key = JVM_KEYS[flag]
        if value is None:
            jvm.pop(key, None)
        else:
            jvm[key] = value
    if "jvm" in item and not item["jvm"]:
        del item["jvm"]
    return _dump(doc)


def check(text: str, path: str) -> list[str]:
    """The problems rocketui's loader finds in the edited text ([] when it loads)."""
    try:
        parse_cluster(text, path)
    except ClusterFileError as exc:
        return [str(p) for p in exc.problems]
    return []
